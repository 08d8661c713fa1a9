// Narrowing for query results whose shape SQL guarantees but the types cannot.

/** The one row a statement always returns (an aggregate, a SELECT without FROM); none is a bug. */
export function onlyRow<T>(rows: readonly T[], what: string): T {
  const [row] = rows;
  if (row === undefined) throw new Error(`${what}: the statement returned no row`);
  return row;
}

/** The lowest of transaction ids given as decimal text (xid8), or undefined for none. */
export function lowestXid(xids: readonly string[]): string | undefined {
  return xids.reduce<string | undefined>(
    (low, x) => (low === undefined || BigInt(x) < BigInt(low) ? x : low),
    undefined,
  );
}
