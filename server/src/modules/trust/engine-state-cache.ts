// Parsed engine states kept in process, keyed by (sensorId, version): the sweep's lock
// query then skips sending a state whose version we already hold, which saves a
// jsonb → text → JSON.parse round per sensor. The version is bumped by every
// trust_state write on any instance, so a stale entry is never used. The trust
// stream's memory implements it (trust-stream-memory.ts): the sweep and the stream
// share one copy of each state, so the sweep's bookkeeping carries to the stream's
// next write.
//
// An entry is TAKEN (removed) before the engine mutates it and put back only after
// the transaction commits: a rolled-back sweep can never leave a mutated state here.
import type { TrustState } from '../../trust/index.js';
import type { FaultKind, TrustStatus } from '../../trust/types.js';

/** What the stored row says next to a cached state (the stream compares new verdicts with it). */
export interface CachedVerdict {
  status: TrustStatus;
  score: number;
  reasonKinds: FaultKind[];
  /** epoch ms */
  statusSince: number | null;
  /** The log position the state includes (xid8 text). */
  streamPosition: string;
}

export interface EngineStateCache {
  stats: { hits: number; misses: number };
  /** Cached version per id (-1 when absent or not shareable), aligned with `ids`. */
  versions(ids: string[]): number[];
  /** Removes and returns the state if it is at `version`. */
  take(id: string, version: number): TrustState | undefined;
  /** A committed state (written at `version`, or unchanged at it; without `verdict`: as taken). */
  put(id: string, version: number, state: TrustState, verdict?: CachedVerdict): void;
  drop(id: string): void;
  readonly size: number;
}
