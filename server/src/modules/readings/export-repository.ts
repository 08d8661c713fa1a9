// Readings for the streamed export (GET /export/readings), one sensor after another,
// each in timestamp order, in chunks: from a server-side cursor on PostgreSQL, by
// keyset pages (sensor_id, ts) > last on PGlite. Either way memory holds one chunk. Hot
// partitions and compacted blocks are read alike (reading_range).
import type { CursorReader } from '../../db/pg-cursor-reader.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';

export interface ExportRow {
  sensorId: string;
  /** epoch ms */
  ts: number;
  value: number;
}

export const EXPORT_CHUNK_ROWS = 5000;

const CURSOR_SQL = `
  SELECT $1::text AS "sensorId", (extract(epoch FROM ts) * 1000)::float8 AS ts, value
    FROM reading_range($1, $2::timestamptz, $3::timestamptz + interval '1 millisecond') ORDER BY ts`;

/** A keyset page: from `$2` on (`>=` for the first page, `>` after the last row read). */
const pageSql = (op: '>=' | '>') => `
  SELECT $1::text AS "sensorId", (extract(epoch FROM ts) * 1000)::float8 AS ts, value
    FROM reading_range($1, $2::timestamptz${op === '>' ? " + interval '1 millisecond'" : ''}, $3::timestamptz + interval '1 millisecond')
   ORDER BY ts LIMIT $4::int`;
const FIRST_PAGE_SQL = pageSql('>=');
const NEXT_PAGE_SQL = pageSql('>');

export function createExportRepository(deps: { cursor: CursorReader | null; statement: RunInTransaction }) {
  const { cursor, statement } = deps;

  async function* keyset(sensorId: string, from: Date, to: Date, chunk: number): AsyncGenerator<ExportRow[]> {
    let sql = FIRST_PAGE_SQL;
    let after = from.toISOString();
    for (;;) {
      const rows = await statement((tx) =>
        tx.$queryRawUnsafe<ExportRow[]>(sql, sensorId, after, to.toISOString(), chunk),
      );
      if (rows.length) yield rows;
      if (rows.length < chunk) return;
      sql = NEXT_PAGE_SQL;
      after = new Date(rows[rows.length - 1]!.ts).toISOString();
    }
  }

  return {
    /** Chunks of the sensors' readings from..to (inclusive), sensor by sensor in the given order. */
    async *readings(sensorIds: readonly string[], from: Date, to: Date, chunk = EXPORT_CHUNK_ROWS) {
      for (const id of sensorIds) {
        if (cursor) yield* cursor<ExportRow>(CURSOR_SQL, [id, from.toISOString(), to.toISOString()], chunk);
        else yield* keyset(id, from, to, chunk);
      }
    },
  };
}

export type ExportRepository = ReturnType<typeof createExportRepository>;
