// The per-sensor lists a query can ask for under a list of sensors (readings, trust
// history), for every parent at once: ONE statement however many sensors (a LATERAL join
// over the ids, each side an index range of its own sensor), run as an API read
// (db.apiRead: read-only, with API_STATEMENT_TIMEOUT_MS on PostgreSQL). Before, each
// sensor was a statement of its own: `zone { sensors { readings(last: 490) } }` on a
// 3,000-sensor zone sent 3,000 statements and held a pool connection for seconds.
import { queryTimedOut, type RunInTransaction } from '../../db/sql-transaction.js';
import { MAX_READINGS_PER_QUERY, type ReadingRow } from '../../kernel/readings.js';
import { DomainError } from '../../kernel/errors.js';
import type { TrustPointReason } from '../../trust/types.js';

export interface TrustPointRow {
  sensorId: string;
  at: Date;
  score: number;
  status: string;
  /** [{ kind, severity, advisory }] active at that point */
  reasons: TrustPointReason[];
}

/** Trust points per sensor at most (as the single-sensor read had it). */
export const MAX_TRUST_POINTS_PER_SENSOR = 5000;

export class QueryTimeoutError extends DomainError {
  constructor(timeoutMs: number) {
    super(
      `The query ran longer than ${timeoutMs} ms in the database (API_STATEMENT_TIMEOUT_MS) and was stopped: ` +
        'ask for fewer sensors or a smaller last/from–to range',
      'QUERY_TIMEOUT',
      {},
      503,
    );
  }
}

/**
 * Rows one per-sensor list field may return across all its parents in a request: what
 * one sensor's `readings` may return. `zone { sensors { readings(last: 15) } } }` on a
 * 3,000-sensor zone passes the cost limit (48,001) but is 45,000 rows: seconds of
 * database and serialisation, and four at once stalled every other caller. The statement
 * stops at one row more and the field is refused, before any row is resolved.
 */
export const MAX_LIST_ROWS_PER_FIELD = MAX_READINGS_PER_QUERY;

export class ListTooLargeError extends DomainError {
  constructor(field: string, sensors: number) {
    super(
      `${field} under ${sensors} sensors holds more than ${MAX_LIST_ROWS_PER_FIELD} rows in total, ` +
        `the most one request may read: ask for fewer sensors (first) or a smaller last/from–to range`,
      'QUERY_TOO_COMPLEX',
      { maxRows: MAX_LIST_ROWS_PER_FIELD },
      400,
    );
  }
}

/** The rows, or ListTooLargeError when the statement hit its total limit. */
function capped<T>(rows: T[], field: string, sensors: number): T[] {
  if (rows.length > MAX_LIST_ROWS_PER_FIELD) throw new ListTooLargeError(field, sensors);
  return rows;
}

export interface SensorListsOptions {
  apiRead: RunInTransaction;
  /** For the QUERY_TIMEOUT message. */
  timeoutMs: number;
}

export function createSensorListsRepository({ apiRead, timeoutMs }: SensorListsOptions) {
  async function read<T>(work: Parameters<RunInTransaction>[0]): Promise<T> {
    try {
      return (await apiRead(work)) as T;
    } catch (err) {
      if (queryTimedOut(err)) throw new QueryTimeoutError(timeoutMs);
      throw err;
    }
  }

  return {
    /** Each sensor's readings, newest last; with `last`, only its newest N of the range. */
    async readings(
      sensorIds: readonly string[],
      from: Date | null,
      to: Date | null,
      last: number | null,
    ): Promise<ReadingRow[]> {
      if (sensorIds.length === 0 || last === 0) return [];
      // Newest first under `last` (then reversed per sensor), oldest first otherwise.
      const order = last === null ? 'ASC' : 'DESC';
      const rows = await read<ReadingRow[]>((tx) =>
        tx.$queryRawUnsafe(
          `SELECT s.id AS "sensorId", r.ts AS "timestamp", r.value
             FROM unnest($1::text[]) AS s(id)
             CROSS JOIN LATERAL (
               -- Hot and compacted readings alike (docs/history.md, reading_range). The hot part
               -- keeps its own ORDER BY … LIMIT so it stays a short index scan per sensor: through
               -- reading_range the planner sorted every hot row of the sensor (12× slower for a
               -- zone's sensors' newest readings).
               SELECT ts, value FROM (
                 (SELECT ts, value FROM reading
                   WHERE sensor_id = s.id
                     AND ($2::timestamptz IS NULL OR ts >= $2::timestamptz)
                     AND ($3::timestamptz IS NULL OR ts <= $3::timestamptz)
                   ORDER BY ts ${order} LIMIT $4::int)
                 UNION ALL
                 (SELECT d.ts, d.value
                    FROM reading_block b CROSS JOIN LATERAL reading_block_rows(b.hour, b.deltas, b.vals, b.scale, b.steps) d
                   WHERE b.sensor_id = s.id
                     AND ($2::timestamptz IS NULL OR (b.hour > $2::timestamptz - interval '1 hour' AND d.ts >= $2::timestamptz))
                     AND ($3::timestamptz IS NULL OR (b.hour <= $3::timestamptz AND d.ts <= $3::timestamptz)))
               ) u
                ORDER BY ts ${order} LIMIT $4::int) r
            LIMIT $5::int`,
          [...sensorIds],
          from,
          to,
          last ?? MAX_READINGS_PER_QUERY,
          MAX_LIST_ROWS_PER_FIELD + 1,
        ),
      );
      capped(rows, 'readings', sensorIds.length);
      return last === null ? rows : rows.reverse();
    },

    /** Each sensor's trust points, oldest first; `previous`: with the newest one before `from` first. */
    async trustHistory(
      sensorIds: readonly string[],
      from: Date | null,
      to: Date | null,
      previous = false,
    ): Promise<TrustPointRow[]> {
      if (sensorIds.length === 0) return [];
      const rows = await read<(Omit<TrustPointRow, 'reasons'> & { reasons: unknown })[]>((tx) =>
        tx.$queryRawUnsafe(
          `SELECT s.id AS "sensorId", p.at, p.score, p.status::text AS status, p.reasons
             FROM unnest($1::text[]) AS s(id)
             CROSS JOIN LATERAL (
               SELECT * FROM (
                 (SELECT at, score, status, reasons FROM trust_point
                   WHERE $5::boolean AND $2::timestamptz IS NOT NULL AND sensor_id = s.id AND at < $2::timestamptz
                   ORDER BY at DESC LIMIT 1)
                 UNION ALL
                 (SELECT at, score, status, reasons FROM trust_point
                   WHERE sensor_id = s.id
                     AND ($2::timestamptz IS NULL OR at >= $2::timestamptz)
                     AND ($3::timestamptz IS NULL OR at <= $3::timestamptz)
                   ORDER BY at ASC LIMIT $4::int)) u
               ORDER BY at ASC) p
            LIMIT $6::int`,
          [...sensorIds],
          from,
          to,
          MAX_TRUST_POINTS_PER_SENSOR,
          previous,
          MAX_LIST_ROWS_PER_FIELD + 1,
        ),
      );
      // jsonb arrives parsed from PostgreSQL and as text from some drivers.
      return capped(rows, 'trustHistory', sensorIds.length).map((r) => ({
        ...r,
        reasons: (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : (r.reasons ?? [])) as TrustPointReason[],
      }));
    },
  };
}

export type SensorListsRepository = ReturnType<typeof createSensorListsRepository>;
