// Lines of the exports: CSV (RFC 4180, a header first) or NDJSON (one JSON object a
// line). Plain functions over one chunk: the route streams their output.
import type { ExportRow } from './export-repository.js';

export type ExportFormat = 'csv' | 'ndjson';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (fields: readonly (string | number | Date | null | undefined)[]) =>
  `${fields.map(csvField).join(',')}\n`;

export const READINGS_CSV_HEADER = 'sensorId,timestamp,value\n';

/** One chunk of readings as text. Sensor ids are limited to characters CSV never quotes. */
export function readingLines(rows: readonly ExportRow[], format: ExportFormat): string {
  let out = '';
  if (format === 'csv') {
    for (const r of rows) out += `${r.sensorId},${new Date(r.ts).toISOString()},${r.value}\n`;
  } else {
    for (const r of rows)
      out += `{"sensorId":${JSON.stringify(r.sensorId)},"timestamp":"${new Date(r.ts).toISOString()}","value":${r.value}}\n`;
  }
  return out;
}
