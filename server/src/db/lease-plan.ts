// The partition-ownership rule of partition-leases.ts as pure functions, so that it can be
// simulated with many instances and churn (server/src/db/lease-plan.test.ts) as well as run
// against PostgreSQL's advisory locks. The locks are the only arbiter of who owns what;
// this rule only decides which locks an instance asks for and which it gives back.

/** An instance's fair share of `count` partitions among `members` live instances. */
export function fairShare(count: number, members: number): number {
  return Math.ceil(count / Math.max(1, members));
}

/** Partitions to try, in order, until the instance holds its fair share: lowest first. */
export function partitionsToTry(owned: ReadonlySet<number>, count: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < count; p++) if (!owned.has(p)) out.push(p);
  return out;
}

/** Partitions to give back when holding more than the fair share (an instance joined): the highest. */
export function partitionsToRelease(owned: Iterable<number>, fair: number): { keep: number[]; release: number[] } {
  const sorted = [...owned].sort((a, b) => a - b);
  return { keep: sorted.slice(0, fair), release: sorted.slice(fair) };
}
