// Narrowing for query results whose shape SQL guarantees but the types cannot.

/** The one row a statement always returns (an aggregate, a SELECT without FROM); none is a bug. */
export function onlyRow<T>(rows: readonly T[], what: string): T {
  const [row] = rows;
  if (row === undefined) throw new Error(`${what}: the statement returned no row`);
  return row;
}

/**
 * a < b for transaction ids (xid8) as PostgreSQL prints them: canonical decimal text, no sign,
 * no leading zeros. A shorter one is smaller, else the text order is the numeric order. The
 * trust stream compares several per reading: no BigInt parsed per comparison.
 */
export function xidLess(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

/** The lowest of transaction ids given as decimal text (xid8), or undefined for none. */
export function lowestXid(xids: readonly string[]): string | undefined {
  return xids.reduce<string | undefined>((low, x) => (low === undefined || xidLess(x, low) ? x : low), undefined);
}
