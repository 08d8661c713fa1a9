// SQL of Sensor.series and of the rollups behind it (docs/history.md). A series is
// bucketed in the database: raw readings for short ranges; for longer ones the
// minute or hour rollup for whole units, raw readings for the partial units at the
// range's edges, and raw readings the trust stream has not rolled up yet (xid at or
// above the partition's rollup position), all read in ONE snapshot so that every
// reading in the range is counted exactly once. Raw reads go through reading_range, which
// reads hot partitions and compacted blocks alike.
import type { SqlTx } from '../../db/sql-transaction.js';
import { onlyRow } from '../../db/rows.js';
import type { FlaggedRows, RollupRows } from './series-rollup.js';

export interface SeriesCell {
  /** bucket number from the plan's origin */
  b: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  /** readings judged against the sensor (isFlagged) */
  flagged: number;
}

/** Buckets of `width` ms from `origin` (epoch ms), over readings from..to (inclusive). */
export interface SeriesBuckets {
  sensorId: string;
  from: Date;
  to: Date;
  origin: number;
  width: number;
}

/** A rollup path: whole units midFrom..midTo (exclusive) from the rollup table. */
export interface RollupSpan {
  table: 'reading_rollup_minute' | 'reading_rollup_hour';
  midFrom: Date;
  midTo: Date;
}

/** reading_range's upper bound is exclusive; `to` is inclusive and timestamps are whole ms. */
const MS = "interval '1 millisecond'";

const BUCKET = (col: string) => `floor((extract(epoch FROM ${col}) * 1000 - $2::float8) / $3::float8)::int`;

/**
 * A raw reading (not in a rollup, or in a bucket finer than a minute) is flagged when the sensor's
 * trust history point at or before it (one a verdict change) holds a reason that is not advisory.
 */
const RAW_FLAG = (ts: string) => `
  COALESCE((SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) e WHERE (e->>'advisory')::boolean IS NOT TRUE)
              FROM trust_point p WHERE p.sensor_id = $1 AND p.at <= ${ts} ORDER BY p.at DESC LIMIT 1), false)::int`;

const RAW_SQL = `
  SELECT ${BUCKET('ts')} AS b, min(value) AS min, max(value) AS max, sum(value) AS sum, count(*)::int AS count,
         sum(${RAW_FLAG('ts')})::int AS flagged
    FROM reading_range($1, $4::timestamptz, $5::timestamptz + ${MS}) GROUP BY 1 ORDER BY 1`;

function rollupSql(table: RollupSpan['table']): string {
  return `
  SELECT c.b, min(c.mn) AS min, max(c.mx) AS max, sum(c.sm) AS sum, sum(c.n)::int AS count,
         sum(c.f)::int AS flagged FROM (
    SELECT ${BUCKET('bucket')} AS b, min AS mn, max AS mx, sum AS sm, count AS n, flagged AS f
      FROM ${table} WHERE sensor_id = $1 AND bucket >= $6::timestamptz AND bucket < $7::timestamptz
    UNION ALL
    SELECT ${BUCKET('ts')}, value, value, value, 1, ${RAW_FLAG('ts')}
      FROM reading_range($1, $4::timestamptz, $6::timestamptz)
    UNION ALL
    SELECT ${BUCKET('ts')}, value, value, value, 1, ${RAW_FLAG('ts')}
      FROM reading_range($1, $7::timestamptz, $5::timestamptz + ${MS})
    UNION ALL
    -- Not rolled up yet: found through the xid index (the unprocessed tail is short; it is
    -- always hot, since only rolled-up partitions are compacted).
    SELECT ${BUCKET('ts')}, value, value, value, 1, ${RAW_FLAG('r.ts')}
      FROM reading r WHERE xid >= $8::xid8 AND sensor_id = $1 AND ts >= $6::timestamptz AND ts < $7::timestamptz
  ) c GROUP BY 1 HAVING sum(c.n) > 0 ORDER BY 1`;
}
const ROLLUP_SQL = {
  reading_rollup_minute: rollupSql('reading_rollup_minute'),
  reading_rollup_hour: rollupSql('reading_rollup_hour'),
};

// The columns travel as comma-joined strings, not arrays (as the ingest's do): the drivers'
// per-element array encoding of a tick's thousands of cells cost more than the statement.
// Sensor ids never contain commas (registry id pattern); JS number → text → float8 is exact.
const csv = (list: readonly (string | number)[]) => list.join(',');
const COLUMN = (n: number, type: string) => `string_to_array($${n}::text, ',')::${type}[]`;

function upsertSql(table: RollupSpan['table']): string {
  return `
  INSERT INTO ${table} (sensor_id, bucket, count, min, max, sum)
  SELECT u.s, to_timestamp(u.b / 1000.0), u.n, u.mn, u.mx, u.sm
    FROM unnest(${COLUMN(1, 'text')}, ${COLUMN(2, 'float8')}, ${COLUMN(3, 'int')},
                ${COLUMN(4, 'float8')}, ${COLUMN(5, 'float8')}, ${COLUMN(6, 'float8')}) AS u(s, b, n, mn, mx, sm)
  ON CONFLICT (sensor_id, bucket) DO UPDATE SET count = ${table}.count + EXCLUDED.count,
         min = LEAST(${table}.min, EXCLUDED.min), max = GREATEST(${table}.max, EXCLUDED.max),
         sum = ${table}.sum + EXCLUDED.sum`;
}
// A row the counts have not reached yet is made neutral (count 0, min +inf, max -inf): the
// count's upsert then sets it as if it were new. The series leaves out buckets of count 0.
function flaggedSql(table: RollupSpan['table']): string {
  return `
  INSERT INTO ${table} (sensor_id, bucket, count, min, max, sum, flagged)
  SELECT u.s, to_timestamp(u.b / 1000.0), 0, 'Infinity', '-Infinity', 0, u.f
    FROM unnest(${COLUMN(1, 'text')}, ${COLUMN(2, 'float8')}, ${COLUMN(3, 'int')}) AS u(s, b, f)
  ON CONFLICT (sensor_id, bucket) DO UPDATE SET flagged = ${table}.flagged + EXCLUDED.flagged`;
}
const FLAGGED_SQL = {
  reading_rollup_minute: flaggedSql('reading_rollup_minute'),
  reading_rollup_hour: flaggedSql('reading_rollup_hour'),
};

const UPSERT_SQL = {
  reading_rollup_minute: upsertSql('reading_rollup_minute'),
  reading_rollup_hour: upsertSql('reading_rollup_hour'),
};

/** Writes the minute rows, then the hour rows (none: no statement). */
async function bothTables<R extends { sensorIds: string[] }>(
  minutes: R,
  hours: R,
  write: (table: RollupSpan['table'], rows: R) => Promise<unknown>,
): Promise<void> {
  for (const [table, r] of [
    ['reading_rollup_minute', minutes],
    ['reading_rollup_hour', hours],
  ] as const)
    if (r.sensorIds.length) await write(table, r);
}

export function createSeriesRepository(partitions: number) {
  const mask = partitions - 1;
  return {
    raw(tx: SqlTx, q: SeriesBuckets): Promise<SeriesCell[]> {
      return tx.$queryRawUnsafe<SeriesCell[]>(
        RAW_SQL,
        q.sensorId,
        q.origin,
        q.width,
        q.from.toISOString(),
        q.to.toISOString(),
      );
    },

    /** Run in a REPEATABLE READ transaction: the rollup position and the rows must be one snapshot. */
    async fromRollup(tx: SqlTx, q: SeriesBuckets, span: RollupSpan): Promise<SeriesCell[]> {
      const covered = onlyRow(
        await tx.$queryRaw<{ x: string }[]>`
          SELECT COALESCE((SELECT COALESCE(rollup_position, position) FROM trust_stream
                            WHERE partition = ((SELECT trust_key FROM sensor WHERE id = ${q.sensorId}) & ${mask}::int)),
                          (SELECT position FROM trust_stream_origin))::text AS x`,
        'rollup position',
      ).x;
      return tx.$queryRawUnsafe<SeriesCell[]>(
        ROLLUP_SQL[span.table],
        q.sensorId,
        q.origin,
        q.width,
        q.from.toISOString(),
        q.to.toISOString(),
        span.midFrom.toISOString(),
        span.midTo.toISOString(),
        covered,
      );
    },

    /** Adds counted cells to the minute and hour rollups (rows sorted: a stable lock order). */
    async addRollups(tx: SqlTx, minutes: RollupRows, hours: RollupRows): Promise<void> {
      await bothTables(minutes, hours, (table, r) =>
        tx.$queryRawUnsafe(
          UPSERT_SQL[table],
          csv(r.sensorIds),
          csv(r.buckets),
          csv(r.counts),
          csv(r.mins),
          csv(r.maxs),
          csv(r.sums),
        ),
      );
    },

    /** Adds flagged counts to the minute and hour rollups (rows sorted: a stable lock order). */
    async addFlagged(tx: SqlTx, minutes: FlaggedRows, hours: FlaggedRows): Promise<void> {
      await bothTables(minutes, hours, (table, r) =>
        tx.$queryRawUnsafe(FLAGGED_SQL[table], csv(r.sensorIds), csv(r.buckets), csv(r.flagged)),
      );
    },
  };
}

export type SeriesRepository = ReturnType<typeof createSeriesRepository>;
