// The partition-ownership rule simulated at a scale this machine cannot run: up to 50
// instances with churn (crashes and joins), each checking on its own phase, over a lock
// table that behaves like PostgreSQL's advisory locks (try-lock, unlock, a crash frees a
// session's locks at once). What must hold: never two owners, every partition owned again
// within two check periods of any change, nobody above its fair share once settled.
import { describe, expect, it } from 'vitest';
import { fairShare, partitionsToRelease, partitionsToTry } from './lease-plan.js';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Simulation {
  readonly locks = new Map<number, number>(); // partition -> instance
  readonly owned = new Map<number, number[]>(); // instance -> what it believes it owns
  private next = 0;
  moves = 0;

  constructor(
    readonly partitions: number,
    private readonly random: () => number,
  ) {}

  join(): number {
    const id = this.next++;
    this.owned.set(id, []);
    return id;
  }

  crash(id: number): void {
    this.owned.delete(id);
    for (const [p, holder] of this.locks) if (holder === id) this.locks.delete(p);
  }

  /** One instance's check, as partition-leases.ts runs it against the database. */
  check(id: number): void {
    const fair = fairShare(this.partitions, this.owned.size);
    const mine = new Set(this.owned.get(id));
    for (const p of partitionsToTry(mine, this.partitions)) {
      if (mine.size >= fair) break;
      if (!this.locks.has(p)) {
        this.locks.set(p, id);
        mine.add(p);
        this.moves++;
      }
    }
    const { keep, release } = partitionsToRelease(mine, fair);
    for (const p of release) this.locks.delete(p);
    this.owned.set(id, keep);
  }

  /** Every live instance checks once, in a random order (their timers have their own phases). */
  round(): void {
    const ids = [...this.owned.keys()].sort(() => this.random() - 0.5);
    for (const id of ids) this.check(id);
  }

  assertConsistent(): void {
    const seen = new Set<number>();
    for (const [id, parts] of this.owned) {
      for (const p of parts) {
        if (seen.has(p)) throw new Error(`partition ${p} believed owned twice`);
        if (this.locks.get(p) !== id)
          throw new Error(`instance ${id} believes it owns ${p}, held by ${this.locks.get(p)}`);
        seen.add(p);
      }
    }
  }

  unowned(): number {
    return this.partitions - this.locks.size;
  }
}

describe('partition ownership with many instances and churn (simulated)', () => {
  for (const [partitions, instances] of [
    [16, 3],
    [16, 50],
    [256, 50],
  ] as const) {
    it(`${partitions} partitions, ${instances} instances, 300 crashes and joins`, () => {
      const random = prng(partitions * 1000 + instances);
      const sim = new Simulation(partitions, random);
      for (let i = 0; i < instances; i++) sim.join();
      sim.round();
      sim.assertConsistent();
      expect(sim.unowned()).toBe(0);

      let worstRounds = 0;
      let movesPerChange = 0;
      for (let event = 0; event < 300; event++) {
        const live = [...sim.owned.keys()];
        // a random walk around the fleet's size
        const crash = live.length > instances || (live.length === instances && random() < 0.5);
        if (crash) sim.crash(live[Math.floor(random() * live.length)]!);
        else sim.join();
        const before = sim.moves;
        let rounds = 0;
        do {
          sim.round();
          sim.assertConsistent();
          rounds++;
        } while (sim.unowned() > 0 && rounds < 10);
        // one more round settles the give-backs of a join
        sim.round();
        sim.assertConsistent();
        expect(sim.unowned()).toBe(0);
        worstRounds = Math.max(worstRounds, rounds);
        movesPerChange = Math.max(movesPerChange, sim.moves - before);
        const fair = fairShare(partitions, sim.owned.size);
        for (const parts of sim.owned.values()) expect(parts.length).toBeLessThanOrEqual(fair);
      }
      // Every partition owned again within two check periods of any crash or join.
      expect(worstRounds).toBeLessThanOrEqual(2);
      const holding = [...sim.owned.values()].filter((p) => p.length > 0).length;
      console.log(
        `leases: ${partitions} partitions over ${sim.owned.size} instances: ${holding} hold some, ` +
          `worst ${worstRounds} check period(s) to full ownership, at most ${movesPerChange} partitions moved per change`,
      );
    });
  }
});
