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

const DAY_MS = 86_400_000;

/** The UTC day (days since the epoch) of an epoch-ms timestamp: the readings partition it lands in. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** 'YYYY-MM-DD' of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Creates the partitions of these days that do not exist yet (modules/readings/reading-partitions.ts). */
export async function ensurePartitions(tx: Tx, days: number[]): Promise<number> {
  if (!days.length) return 0;
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT reading_ensure_partitions(string_to_array(${days.map(dayText).join(',')}::text, ',')::date[]) AS n`;
  return rows[0]?.n ?? 0;
}

export function createReadingsIngestRepository() {
  // Days whose partition this instance has seen exist; a reading of any other day (an import
  // of old history, a clock far off) gets its partition created before the insert. A row of a
  // day dropped by retention since lands in the default partition, which the partition job
  // empties into the day's new partition.
  const knownDays = new Set<number>();
  const ensureDays = async (tx: Tx, ts: number[]) => {
    const missing = new Set<number>();
    let last = NaN;
    for (const t of ts) {
      const day = dayOf(t);
      if (day === last) continue;
      last = day;
      if (!knownDays.has(day)) missing.add(day);
    }
    if (!missing.size) return;
    await ensurePartitions(tx, [...missing]);
    for (const day of missing) knownDays.add(day);
  };
  const insert = async (tx: Tx, rows: ReadingColumns, receivedAt: number) => {
    await ensureDays(tx, rows.ts);
    return insertRows(tx, rows, receivedAt);
  };
  return {
    /** Where these sensors' latest readings came from (incidents: "no data from <source>"). */
    async recordSources(tx: SqlTx, sensorIds: readonly string[], source: string): Promise<void> {
      await tx.$executeRaw`
        INSERT INTO sensor_source (sensor_id, source, updated_at)
        SELECT id, ${source}, now() FROM unnest(${[...sensorIds]}::text[]) AS id ORDER BY 1
        ON CONFLICT (sensor_id) DO UPDATE SET source = EXCLUDED.source, updated_at = now()
         WHERE sensor_source.source IS DISTINCT FROM EXCLUDED.source`;
    },

    /**
     * Inserts the rows (ON CONFLICT DO NOTHING) and returns the 0-based positions
     * of the rows that were already stored, i.e. duplicates, and the statement's transaction
     * id (the log position of the rows it stored). Rows must not repeat (sensorId, ts) among
     * themselves, and come in (sensorId, ts) order (concurrent inserts then take the index
     * entries in one order).
     * Columns travel as three comma-joined strings, not arrays: the drivers' per-element
     * array encoding cost more than the insert itself. Sensor ids never contain commas
     * (registry id pattern) and JS number → text → float8 is exact.
     * The insert reports only how many rows it stored: finding the duplicates in the same
     * statement (RETURNING every key, anti-joined with the input) cost the embedded database
     * a third of its insert throughput. Only when some rows were already stored does a
     * second, read-only statement find them: their stored rows carry another transaction id.
     */
    insertBatch: insert,
    /** Forgets the cached days (after partitions were dropped here). */
    forgetPartitions(): void {
      knownDays.clear();
    },
  };
}

async function insertRows(
  tx: Tx,
  rows: ReadingColumns,
  receivedAt: number,
): Promise<{ duplicates: number[]; xid: string; stored: number }> {
  const sensorIds = rows.sensorIds.join(',');
  const ts = rows.ts.join(',');
  const result = await tx.$queryRaw<{ stored: number; xid: string }[]>`
        WITH ins AS (
          INSERT INTO reading (sensor_id, ts, value)
          SELECT u.s, to_timestamp(u.t / 1000.0)::timestamptz(3), u.v
            FROM unnest(string_to_array(${sensorIds}::text, ','),
                        string_to_array(${ts}::text, ',')::float8[],
                        string_to_array(${rows.values.join(',')}::text, ',')::float8[]) AS u(s, t, v)
          ON CONFLICT DO NOTHING
          RETURNING 1
        ),
        -- The server clock once per transaction (the first batch's when a transaction stores several).
        receipt AS (
          INSERT INTO reading_receipt (xid, received_at)
          VALUES (pg_current_xact_id(), to_timestamp(${receivedAt}::float8 / 1000.0))
          ON CONFLICT (xid) DO NOTHING
        )
        SELECT (SELECT count(*)::int FROM ins) AS stored, pg_current_xact_id()::text AS xid`;
  const row = result[0];
  if (!row) throw new Error('insertBatch: the statement returned no row');
  if (row.stored === rows.sensorIds.length) return { duplicates: [], xid: row.xid, stored: row.stored };
  const dup = await tx.$queryRaw<{ i: number }[]>`
        SELECT (u.i - 1)::int AS i
          FROM unnest(string_to_array(${sensorIds}::text, ','), string_to_array(${ts}::text, ',')::float8[])
               WITH ORDINALITY AS u(s, t, i)
          JOIN reading r ON r.sensor_id = u.s AND r.ts = to_timestamp(u.t / 1000.0)::timestamptz(3)
         WHERE r.xid <> ${row.xid}::xid8
         ORDER BY u.i`;
  return { duplicates: dup.map((d) => d.i), xid: row.xid, stored: row.stored };
}

export type ReadingsIngestRepository = ReturnType<typeof createReadingsIngestRepository>;
