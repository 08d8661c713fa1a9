// Set-based registry writes for upsertSensors / upsertZones: one statement per batch
// (unnest of column arrays), whatever its size. The single-item upserts go through
// Prisma (sensors-repository.ts); at a few hundred round trips a second they cap
// registration far below what one statement does.
import type { SqlTx } from '../../db/sql-transaction.js';
import type { SensorWrite, ZoneWrite } from './sensors-repository.js';

/** One stored item: whether its id was new. */
export interface BulkWritten {
  id: string;
  created: boolean;
  zoneId: string | null;
}

export function createSensorsBulkRepository() {
  return {
    /**
     * Upserts the sensors whose zone exists (or that have none) and creates the trust rows
     * of new ones, in ONE statement; items naming an unknown zone are not written and not
     * returned. Ids must be distinct (the caller keeps the first of each).
     */
    async upsertSensors(tx: SqlTx, sensors: SensorWrite[]): Promise<BulkWritten[]> {
      if (sensors.length === 0) return [];
      return tx.$queryRaw<BulkWritten[]>`
        WITH input AS (
          SELECT * FROM unnest(${sensors.map((s) => s.id)}::text[], ${sensors.map((s) => s.name)}::text[],
                               ${sensors.map((s) => s.kind)}::text[], ${sensors.map((s) => s.unit)}::text[],
                               ${sensors.map((s) => s.zoneId)}::text[], ${sensors.map((s) => s.minValue)}::float8[],
                               ${sensors.map((s) => s.maxValue)}::float8[],
                               ${sensors.map((s) => s.expectedIntervalSeconds)}::int[],
                               ${sensors.map((s) => s.heartbeatSeconds)}::int[],
                               ${sensors.map((s) => s.gatewayId ?? null)}::text[])
                   AS u(id, name, kind, unit, zone_id, min_value, max_value, interval_s, heartbeat_s, gateway_id)
        ), written AS (
          INSERT INTO sensor (id, name, kind, unit, zone_id, min_value, max_value,
                              expected_interval_seconds, heartbeat_seconds, gateway_id, updated_at)
          SELECT i.id, i.name, i.kind, i.unit, i.zone_id, i.min_value, i.max_value, i.interval_s, i.heartbeat_s,
                 i.gateway_id, now()
            FROM input i
           WHERE i.zone_id IS NULL OR EXISTS (SELECT 1 FROM zone z WHERE z.id = i.zone_id)
           -- Rows locked in id order: two concurrent batches cannot deadlock on each other.
           ORDER BY i.id
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, unit = EXCLUDED.unit,
                 zone_id = EXCLUDED.zone_id, min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
                 expected_interval_seconds = EXCLUDED.expected_interval_seconds,
                 heartbeat_seconds = EXCLUDED.heartbeat_seconds, gateway_id = EXCLUDED.gateway_id, updated_at = now()
          RETURNING id, zone_id, (xmax = 0) AS created
        ), trust AS (
          -- Every sensor has a trust row (an update only repairs a missing one).
          INSERT INTO trust_state (sensor_id) SELECT id FROM written ORDER BY 1 ON CONFLICT DO NOTHING
        )
        SELECT id, created, zone_id AS "zoneId" FROM written`;
    },

    /** Upserts the zones in ONE statement; ids must be distinct. */
    async upsertZones(tx: SqlTx, zones: ZoneWrite[]): Promise<BulkWritten[]> {
      if (zones.length === 0) return [];
      return tx.$queryRaw<BulkWritten[]>`
        INSERT INTO zone (id, name, description, updated_at)
        SELECT u.id, u.name, u.description, now()
          FROM unnest(${zones.map((z) => z.id)}::text[], ${zones.map((z) => z.name)}::text[],
                      ${zones.map((z) => z.description)}::text[]) AS u(id, name, description)
         ORDER BY u.id
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, updated_at = now()
        RETURNING id, (xmax = 0) AS created, NULL::text AS "zoneId"`;
    },
  };
}

export type SensorsBulkRepository = ReturnType<typeof createSensorsBulkRepository>;
