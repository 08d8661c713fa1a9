// Dashboard read model: fleet summary and zone stats, cached for a TTL and
// dropped by every write that changes them. The cache is app.cache: in-process
// alone, Redis with REDIS_URL so that instances share one computed value.
import type { Cache } from '../../kernel/cache.js';
import type { DashboardRepository, DashboardSummaryRow, ZoneStatsRow } from './dashboard-repository.js';

const SUMMARY_KEY = 'dashboard:summary';
const ZONE_STATS_KEY = 'dashboard:zone-stats';
/** Distinct dashboard queries whose responses are kept (a dashboard sends a handful). */
const MAX_RESPONSES = 100;

export interface DashboardServiceOptions {
  ttlMs: number;
  now: () => Date;
}

export function createDashboardService(repo: DashboardRepository, cache: Cache, options: DashboardServiceOptions) {
  // Bumped by every invalidation: a value computed from a snapshot older than the
  // last write must not be put back in the cache after the write dropped it.
  let generation = 0;
  let pendingDelete: Promise<void> | null = null;

  // Single flight: readers arriving while a value is being computed share that
  // computation (same key, same generation) instead of each running the SQL.
  const inFlight = new Map<string, { generation: number; promise: Promise<unknown> }>();

  // Whole serialised responses of dashboard-only queries (dashboard-response-cache.ts),
  // dropped together with the values. In process only: see that file.
  const responses = new Map<string, { body: string; expires: number }>();

  async function cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (options.ttlMs > 0) {
      const hit = await cache.get<T>(key);
      if (hit !== undefined) return hit;
    }
    const running = inFlight.get(key);
    if (running && running.generation === generation) return running.promise as Promise<T>;
    const startedAt = generation;
    const promise: Promise<T> = compute()
      .then(async (value) => {
        if (options.ttlMs > 0 && startedAt === generation) await cache.set(key, value, options.ttlMs);
        return value;
      })
      .finally(() => {
        if (inFlight.get(key)?.promise === promise) inFlight.delete(key);
      });
    inFlight.set(key, { generation: startedAt, promise });
    return promise;
  }

  return {
    summary(): Promise<DashboardSummaryRow> {
      return cached(SUMMARY_KEY, () => repo.summary(options.now()));
    },

    /** A fresh summary, stored for the next readers (the coalescer pushes it). */
    async freshSummary(): Promise<DashboardSummaryRow> {
      const startedAt = generation;
      const value = await repo.summary(options.now());
      if (options.ttlMs > 0 && startedAt === generation) await cache.set(SUMMARY_KEY, value, options.ttlMs);
      return value;
    },

    zoneStats(): Promise<ZoneStatsRow[]> {
      return cached(ZONE_STATS_KEY, () => repo.zoneStats(null));
    },

    /**
     * Drops the cached summary and zone stats. Synchronous part first (the
     * generation), so a computation in flight cannot re-cache stale data. The
     * delete is sent once for all the drops of one synchronous burst (an ingest
     * batch publishes several events at once), in a microtask: still queued on the
     * cache connection before the writer answers and before any later read of this
     * instance (Redis runs one connection's commands in order).
     */
    invalidateDashboard(): Promise<void> {
      generation++;
      responses.clear();
      pendingDelete ??= Promise.resolve().then(() => {
        pendingDelete = null;
        return cache.delete(SUMMARY_KEY, ZONE_STATS_KEY);
      });
      return pendingDelete;
    },

    /** Invalidation count: a response computed before a write must not be stored after it. */
    generation: () => generation,

    /** The stored response body for this request key, if still fresh. */
    cachedResponse(key: string): string | undefined {
      const entry = responses.get(key);
      if (!entry) return undefined;
      if (entry.expires > Date.now()) return entry.body;
      responses.delete(key);
      return undefined;
    },

    /** Stores a response computed while the generation was `since` (no write since then). */
    storeResponse(key: string, body: string, since: number): void {
      if (options.ttlMs <= 0 || since !== generation) return;
      if (responses.size >= MAX_RESPONSES) responses.delete(responses.keys().next().value!);
      responses.set(key, { body, expires: Date.now() + options.ttlMs });
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
