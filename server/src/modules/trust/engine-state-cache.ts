// Parsed engine states kept in process, keyed by (sensorId, version): the lock query
// then skips sending a state whose version we already hold, which saves a jsonb →
// text → JSON.parse round per sensor per batch. The version is bumped by every
// trust_state write on any instance, so a stale entry is never used.
//
// An entry is TAKEN (removed) before the engine mutates it and put back only after
// the transaction commits: a rolled-back batch can never leave a mutated state here.
import type { TrustState } from '../../trust/index.js';

export function createEngineStateCache(maxEntries = 100_000) {
  const entries = new Map<string, { version: number; state: TrustState }>();
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    /** Cached version per id (-1 when absent), aligned with `ids`. */
    versions(ids: string[]): number[] {
      return ids.map((id) => entries.get(id)?.version ?? -1);
    },
    /** Removes and returns the state if it is at `version`. */
    take(id: string, version: number): TrustState | undefined {
      const entry = entries.get(id);
      if (entry) entries.delete(id);
      if (entry?.version === version) {
        stats.hits++;
        return entry.state;
      }
      stats.misses++;
      return undefined;
    },
    put(id: string, version: number, state: TrustState): void {
      if (entries.size >= maxEntries && !entries.has(id)) entries.clear(); // bounded memory
      entries.set(id, { version, state });
    },
    drop(id: string): void {
      entries.delete(id);
    },
    get size(): number {
      return entries.size;
    },
  };
}

export type EngineStateCache = ReturnType<typeof createEngineStateCache>;
