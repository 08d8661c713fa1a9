// How big the lists without first/last really are, for query costs (graphql/query-limits.ts):
// `Zone.sensors` is as long as the largest zone, `Query.zones` as the zone count,
// `Query.trustScores` as the sensor count. Costing them at a fixed 100 let
// `zone { sensors { readings(last: 490) } }` on a 3,000-sensor zone pass as 49,101.
// Validation is synchronous, so the counts are held in memory: refreshed before a request
// is costed when older than FLEET_SIZES_REFRESH_MS (one count statement shared by the
// requests that wait for it), and at once after a registry change on this instance.
import type { RunInTransaction } from '../../db/sql-transaction.js';

export interface FleetSizes {
  zones: number;
  /** Sensors in service of the largest zone. */
  largestZone: number;
  /** Every sensor, retired ones included (a filter may ask for them). */
  sensors: number;
}

export function countFleet(autocommit: RunInTransaction): () => Promise<FleetSizes> {
  return () =>
    autocommit(async (tx) => {
      const [row] = await tx.$queryRaw<FleetSizes[]>`
        SELECT (SELECT count(*) FROM zone)::int AS zones,
               (SELECT count(*) FROM sensor)::int AS sensors,
               (SELECT coalesce(max(n), 0) FROM (
                  SELECT count(*) AS n FROM sensor
                   WHERE zone_id IS NOT NULL AND retired_at IS NULL GROUP BY zone_id) z)::int AS "largestZone"`;
      return row ?? { zones: 0, largestZone: 0, sensors: 0 };
    });
}

export function createFleetSizes(load: () => Promise<FleetSizes>, refreshMs: number, now = () => Date.now()) {
  let sizes: FleetSizes = { zones: 0, largestZone: 0, sensors: 0 };
  let loadedAt = -Infinity;
  let version = 0;
  let loading: Promise<void> | null = null;

  function refresh(): Promise<void> {
    loading ??= load()
      .then((next) => {
        loadedAt = now();
        if (next.zones !== sizes.zones || next.largestZone !== sizes.largestZone || next.sensors !== sizes.sensors) {
          sizes = next;
          version++;
        }
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  return {
    /** The counts as last loaded (synchronous: validation rules read them). */
    current: (): FleetSizes => sizes,
    /** Changes whenever the counts do: a document costed under another version is costed again. */
    version: (): number => version,
    /** Loads the counts when they are older than the refresh interval (a failed load keeps the old ones). */
    async fresh(): Promise<void> {
      if (now() - loadedAt < refreshMs) return;
      await refresh().catch(() => undefined);
    },
    /** A zone or sensor was added, moved, retired or deleted here: count again before the next request. */
    invalidate(): void {
      loadedAt = -Infinity;
    },
  };
}

export type FleetSizesCache = ReturnType<typeof createFleetSizes>;
