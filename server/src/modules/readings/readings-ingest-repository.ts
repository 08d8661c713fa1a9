// The bulk write path of ingestion: ONE statement per batch stores the readings
// (skipping ones already stored), in autocommit (db.autocommit) or the caller's
// transaction. Each row gets its transaction's id (column default), which the trust stream reads it by; the
// stream also keeps the per-minute rollup (modules/trust/trust-stream.ts).
import type { SqlTx } from '../../db/sql-transaction.js';

export type Tx = SqlTx;

/** Column arrays of the readings to store (same length; epoch ms for ts). */
export interface ReadingColumns {
  sensorIds: string[];
  ts: number[];
  values: number[];
}

/** Rollup rows are sharded so concurrent writers rarely wait on the same row. */
export const MINUTE_SHARDS = 8;

export function createReadingsIngestRepository() {
  return {
    /**
     * Inserts the rows (ON CONFLICT DO NOTHING) and returns the 0-based positions
     * of the rows that were already stored, i.e. duplicates, and the statement's transaction
     * id (the log position of the rows it stored). Rows must not repeat (sensorId, ts) among themselves.
     * Columns travel as three comma-joined strings, not arrays: the drivers' per-element
     * array encoding cost more than the insert itself. Sensor ids never contain commas
     * (registry id pattern) and JS number → text → float8 is exact.
     */
    async insertBatch(
      tx: Tx,
      rows: ReadingColumns,
      receivedAt: number,
    ): Promise<{ duplicates: number[]; xid: string }> {
      const result = await tx.$queryRaw<{ dup: number[] | null; xid: string }[]>`
        WITH input AS (
          SELECT u.i, u.s, to_timestamp(u.t / 1000.0)::timestamptz(3) AS ts, u.v
            FROM unnest(string_to_array(${rows.sensorIds.join(',')}::text, ','),
                        string_to_array(${rows.ts.join(',')}::text, ',')::float8[],
                        string_to_array(${rows.values.join(',')}::text, ',')::float8[])
                 WITH ORDINALITY AS u(s, t, v, i)
        ), ins AS (
          INSERT INTO reading (sensor_id, ts, value, received_at)
          SELECT s, ts, v, to_timestamp(${receivedAt}::float8 / 1000.0) FROM input ORDER BY s, ts
          ON CONFLICT DO NOTHING
          RETURNING sensor_id, ts
        )
        SELECT (SELECT array_agg((input.i - 1)::int) FROM input
                 WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.sensor_id = input.s AND ins.ts = input.ts)) AS dup,
               pg_current_xact_id()::text AS xid`;
      const row = result[0];
      if (!row) throw new Error('insertBatch: the statement returned no row');
      return { duplicates: row.dup ?? [], xid: row.xid };
    },
  };
}

export type ReadingsIngestRepository = ReturnType<typeof createReadingsIngestRepository>;
