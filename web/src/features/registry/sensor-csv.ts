// Sensors from a CSV file for upsertSensors: a header row naming the columns (any order;
// id, name and kind required), then one sensor a row. RFC 4180 quoting ("a, b", "say
// ""hi"""). A row the file itself gets wrong (a number that is not one, too many cells)
// is reported here with its line and not sent; everything else goes to the server, which
// judges each item on its own (per-row outcomes).
import type { SensorInput } from '../../gql/graphql';

export const SENSOR_CSV_COLUMNS = [
  'id',
  'name',
  'kind',
  'unit',
  'zoneId',
  'minValue',
  'maxValue',
  'expectedIntervalSeconds',
  'heartbeatSeconds',
] as const;
type Column = (typeof SENSOR_CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['id', 'name', 'kind'];
const FLOATS: Column[] = ['minValue', 'maxValue'];
const INTS: Column[] = ['expectedIntervalSeconds', 'heartbeatSeconds'];

export interface CsvRow {
  /** 1-based line in the file where the row starts */
  line: number;
  /** the row's id cell, as written (also for a row not sent) */
  id: string;
  input: SensorInput | null;
  /** why the row was not sent */
  problem: string | null;
}

export interface ParsedSensors {
  rows: CsvRow[];
  /** a problem with the whole file (no header, unknown columns) */
  problem: string | null;
}

/** Cells of each record with the line it starts on; quoted cells may span lines. */
export function csvRecords(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    cells.push(cell);
    if (any || cells.length > 1 || cell !== '') out.push({ line: start, cells });
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0 || any) endRecord();
  return out;
}

export function parseSensorCsv(text: string): ParsedSensors {
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  if (!header) return { rows: [], problem: 'The file is empty.' };
  const names = header.cells.map((h) => h.trim());
  const unknown = names.filter((n) => n !== '' && !(SENSOR_CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length)
    return {
      rows: [],
      problem: `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; the columns are ${SENSOR_CSV_COLUMNS.join(', ')}.`,
    };
  const missing = REQUIRED.filter((r) => !names.includes(r));
  if (missing.length) return { rows: [], problem: `The header row must name ${missing.join(', ')}.` };

  const idColumn = names.indexOf('id');
  const rows = records.map(({ line, cells }): CsvRow => {
    const id = (cells[idColumn] ?? '').trim();
    if (cells.length > names.length)
      return { line, id, input: null, problem: `${cells.length} cells, but the header names ${names.length} columns` };
    const input: Record<string, string | number | null> = {};
    for (const [i, name] of names.entries()) {
      if (!name) continue;
      const raw = (cells[i] ?? '').trim();
      const column = name as Column;
      if (raw === '') {
        if (!REQUIRED.includes(column)) input[column] = null;
        else input[column] = '';
        continue;
      }
      if (FLOATS.includes(column) || INTS.includes(column)) {
        const n = Number(raw);
        if (!Number.isFinite(n)) return { line, id, input: null, problem: `${column} "${raw}" is not a number` };
        if (INTS.includes(column) && !Number.isInteger(n))
          return { line, id, input: null, problem: `${column} "${raw}" is not a whole number` };
        input[column] = n;
      } else input[column] = raw;
    }
    return { line, id, input: input as unknown as SensorInput, problem: null };
  });
  return { rows, problem: null };
}
