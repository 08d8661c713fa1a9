// Per-sensor, per-minute min/max/sum/count of readings read from the log, counted in
// memory by the trust stream and added to reading_rollup_minute and
// reading_rollup_hour at its checkpoints (in the same transaction as the partition's
// rollup position, so a replay never counts a reading twice: docs/history.md).
// Plain data, no I/O.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

interface Cell {
  sensorId: string;
  bucket: number;
  count: number;
  min: number;
  max: number;
  sum: number;
}

/** One sensor's cells by bucket, in the order they were first added; `last` is the one added to last. */
interface SensorCells {
  cells: Map<number, Cell>;
  last: Cell | null;
}

/** Cells by sensor, then bucket: no key string and no object per added reading. */
type CellTable = Map<string, SensorCells>;

/** Column arrays of one rollup table's rows, sorted by (sensor, bucket): the unnest write's order. */
export interface RollupRows {
  sensorIds: string[];
  buckets: number[];
  counts: number[];
  mins: number[];
  maxs: number[];
  sums: number[];
}

export interface SeriesRollup {
  add(sensorId: string, ts: number, value: number): void;
  /** cells held */
  readonly size: number;
  clear(): void;
  /** Its minute cells by sensor (a read-only view, for rollupRows). */
  readonly table: ReadonlyMap<string, Readonly<SensorCells>>;
}

/** The cell of (sensor, bucket) in `table`, created empty (count 0) when missing. */
function cellOf(table: CellTable, sensorId: string, bucket: number): Cell {
  let cells = table.get(sensorId);
  if (!cells) {
    cells = { cells: new Map(), last: null };
    table.set(sensorId, cells);
  }
  const last = cells.last;
  if (last && last.bucket === bucket) return last;
  let cell = cells.cells.get(bucket);
  if (!cell) {
    cell = { sensorId, bucket, count: 0, min: Infinity, max: -Infinity, sum: 0 };
    cells.cells.set(bucket, cell);
  }
  cells.last = cell;
  return cell;
}

function addTo(table: CellTable, sensorId: string, bucket: number, c: Omit<Cell, 'sensorId' | 'bucket'>): void {
  const cell = cellOf(table, sensorId, bucket);
  cell.count += c.count;
  cell.sum += c.sum;
  if (c.min < cell.min) cell.min = c.min;
  if (c.max > cell.max) cell.max = c.max;
}

export function createSeriesRollup(): SeriesRollup {
  const table: CellTable = new Map();
  let size = 0;
  return {
    add(sensorId, ts, value) {
      const cell = cellOf(table, sensorId, Math.floor(ts / MINUTE_MS) * MINUTE_MS);
      if (cell.count === 0) size++;
      cell.count += 1;
      cell.sum += value;
      if (value < cell.min) cell.min = value;
      if (value > cell.max) cell.max = value;
    },
    get size() {
      return size;
    },
    clear: () => {
      table.clear();
      size = 0;
    },
    table,
  };
}

/** Flagged readings per sensor and minute bucket (epoch ms), as the trust engine judged them. */
export interface FlaggedCells {
  sensorId: string;
  minutes: ReadonlyMap<number, number>;
}

/** Column arrays of flagged counts, sorted by (sensor, bucket): the unnest write's order. */
export interface FlaggedRows {
  sensorIds: string[];
  buckets: number[];
  flagged: number[];
}

function flaggedRowsOf(cells: Map<string, { sensorId: string; bucket: number; n: number }>): FlaggedRows {
  const sorted = [...cells.values()].sort((a, b) =>
    a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.bucket - b.bucket,
  );
  return {
    sensorIds: sorted.map((c) => c.sensorId),
    buckets: sorted.map((c) => c.bucket),
    flagged: sorted.map((c) => c.n),
  };
}

/** The minute rows and the hour rows of flagged counts. */
export function flaggedRows(list: readonly FlaggedCells[]): { minutes: FlaggedRows; hours: FlaggedRows } {
  const minutes = new Map<string, { sensorId: string; bucket: number; n: number }>();
  const hours = new Map<string, { sensorId: string; bucket: number; n: number }>();
  for (const { sensorId, minutes: m } of list)
    for (const [bucket, n] of m) {
      for (const [cells, b] of [
        [minutes, bucket],
        [hours, Math.floor(bucket / HOUR_MS) * HOUR_MS],
      ] as const) {
        const key = `${sensorId}\u0000${b}`;
        const cell = cells.get(key);
        if (cell) cell.n += n;
        else cells.set(key, { sensorId, bucket: b, n });
      }
    }
  return { minutes: flaggedRowsOf(minutes), hours: flaggedRowsOf(hours) };
}

const emptyRows = (): RollupRows => ({ sensorIds: [], buckets: [], counts: [], mins: [], maxs: [], sums: [] });

function push(out: RollupRows, sensorId: string, bucket: number, c: Omit<Cell, 'sensorId' | 'bucket'>): void {
  out.sensorIds.push(sensorId);
  out.buckets.push(bucket);
  out.counts.push(c.count);
  out.mins.push(c.min);
  out.maxs.push(c.max);
  out.sums.push(c.sum);
}

/** A sensor's minute cells in bucket order: its own map's when already in order (cells come in log order). */
function inBucketOrder(cells: ReadonlyMap<number, Cell>): Iterable<Cell> {
  let last = -Infinity;
  for (const c of cells.values()) {
    if (c.bucket < last) return [...cells.values()].sort((a, b) => a.bucket - b.bucket);
    last = c.bucket;
  }
  return cells.values();
}

/**
 * The minute rows and the hour rows (minutes merged per hour) of these rollups, each sorted by
 * (sensor, bucket). Built straight from the rollups' cells: a sensor's minute cells are copied
 * only when several rollups hold it (a handover), and its hour rows are summed from its minute
 * cells in bucket order as they are written out, with no cell object per hour.
 */
export function rollupRows(rollups: readonly SeriesRollup[]): { minutes: RollupRows; hours: RollupRows } {
  const minutes = emptyRows();
  const hours = emptyRows();
  const single = new Map<string, ReadonlyMap<number, Cell>>();
  let merged: CellTable | null = null;
  for (const r of rollups)
    for (const [sensorId, { cells }] of r.table) {
      const before = single.get(sensorId);
      if (before === undefined) {
        single.set(sensorId, cells);
        continue;
      }
      // In two rollups (its partition changed between checkpoints): merged into cells of its own.
      merged ??= new Map();
      if (!merged.has(sensorId)) {
        for (const c of before.values()) addTo(merged, sensorId, c.bucket, c);
        single.set(sensorId, merged.get(sensorId)!.cells);
      }
      for (const c of cells.values()) addTo(merged, sensorId, c.bucket, c);
    }
  const ids = [...single.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hour = { count: 0, min: Infinity, max: -Infinity, sum: 0 };
  for (const id of ids) {
    let hourBucket = NaN;
    for (const c of inBucketOrder(single.get(id)!)) {
      push(minutes, id, c.bucket, c);
      const h = Math.floor(c.bucket / HOUR_MS) * HOUR_MS;
      if (h !== hourBucket) {
        if (hour.count > 0) push(hours, id, hourBucket, hour);
        hourBucket = h;
        hour.count = 0;
        hour.min = Infinity;
        hour.max = -Infinity;
        hour.sum = 0;
      }
      hour.count += c.count;
      hour.sum += c.sum;
      if (c.min < hour.min) hour.min = c.min;
      if (c.max > hour.max) hour.max = c.max;
    }
    if (hour.count > 0) push(hours, id, hourBucket, hour);
    hour.count = 0;
  }
  return { minutes, hours };
}
