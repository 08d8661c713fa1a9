// Readings for the streamed export (GET /export/readings) as CSV or NDJSON text, one sensor
// after another, each in timestamp order. PostgreSQL formats the rows itself in one
// `COPY (SELECT …) TO STDOUT` a sensor, streamed as it comes (Node forwards bytes); PGlite
// reads keyset pages (sensor_id, ts) > last and formats them in JS (export-format.ts). Either
// way memory holds one chunk. Hot partitions and compacted blocks are read alike (reading_range).
import type { CopyReader } from '../../db/pg-copy-reader.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import { readingLines, type ExportFormat } from './export-format.js';

export interface ExportRow {
  sensorId: string;
  /** epoch ms */
  ts: number;
  value: number;
}

export const EXPORT_CHUNK_ROWS = 5000;

/** A keyset page: from `$2` on (`>=` for the first page, `>` after the last row read). */
const pageSql = (op: '>=' | '>') => `
  SELECT $1::text AS "sensorId", (extract(epoch FROM ts) * 1000)::float8 AS ts, value
    FROM reading_range($1, $2::timestamptz${op === '>' ? " + interval '1 millisecond'" : ''}, $3::timestamptz + interval '1 millisecond')
   ORDER BY ts LIMIT $4::int`;
const FIRST_PAGE_SQL = pageSql('>=');
const NEXT_PAGE_SQL = pageSql('>');

/** A string literal (COPY takes no bind parameters; standard_conforming_strings is on). */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The timestamp as toISOString() writes it (UTC, milliseconds, Z). */
const ISO_TS = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One sensor's readings from..to (inclusive) as CSV lines or NDJSON objects, formatted by the
 * server. Values print in float8's shortest exact form (the number JS reads back is the same
 * double; very large or small ones use an exponent sooner than JS does). Sensor ids hold no
 * character CSV quotes or JSON/COPY text escapes (sensors-validation.ts).
 */
export function copySql(sensorId: string, from: Date, to: Date, format: ExportFormat): string {
  const id = literal(sensorId);
  const range = `reading_range(${id}, ${literal(from.toISOString())}::timestamptz, ${literal(to.toISOString())}::timestamptz + interval '1 millisecond')`;
  return format === 'csv'
    ? `COPY (SELECT ${id}, ${ISO_TS}, value FROM ${range} ORDER BY ts) TO STDOUT WITH (FORMAT csv)`
    : `COPY (SELECT '{"sensorId":"' || ${id} || '","timestamp":"' || ${ISO_TS} || '","value":' || value || '}' FROM ${range} ORDER BY ts) TO STDOUT`;
}

export function createExportRepository(deps: { copyOut: CopyReader | null; statement: RunInTransaction }) {
  const { copyOut, statement } = deps;

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
    /** The sensors' readings from..to (inclusive) as text chunks, sensor by sensor in the given order. */
    async *readings(
      sensorIds: readonly string[],
      from: Date,
      to: Date,
      format: ExportFormat,
      chunk = EXPORT_CHUNK_ROWS,
    ): AsyncGenerator<string | Buffer> {
      for (const id of sensorIds) {
        if (copyOut) yield* copyOut(copySql(id, from, to, format));
        else for await (const rows of keyset(id, from, to, chunk)) yield readingLines(rows, format);
      }
    },
  };
}

export type ExportRepository = ReturnType<typeof createExportRepository>;
