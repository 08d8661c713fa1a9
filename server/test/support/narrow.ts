// Narrowing for test fixtures under noUncheckedIndexedAccess: a missing element fails the
// test with a message saying what was missing, instead of a TypeError further down.

/** The first element of `items`; the test fails when there is none. */
export function first<T>(items: readonly T[], what = 'an element'): T {
  const [item] = items;
  if (item === undefined) throw new Error(`expected ${what}, got none`);
  return item;
}

/** `record[key]`; the test fails when it is absent. */
export function entry<T>(record: Readonly<Record<string, T>>, key: string): T {
  const value = record[key];
  if (value === undefined) throw new Error(`expected an entry "${key}", got none`);
  return value;
}
