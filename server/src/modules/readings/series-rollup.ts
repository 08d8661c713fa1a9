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
  readonly size: number;
  clear(): void;
  /** Minute cells of this rollup, merged into `into` (one map for several partitions). */
  mergeInto(into: Map<string, Cell>): void;
}

function addTo(cells: Map<string, Cell>, sensorId: string, bucket: number, c: Omit<Cell, 'sensorId' | 'bucket'>) {
  const key = `${sensorId}\u0000${bucket}`;
  const cell = cells.get(key);
  if (!cell) {
    cells.set(key, { sensorId, bucket, ...c });
    return;
  }
  cell.count += c.count;
  cell.sum += c.sum;
  if (c.min < cell.min) cell.min = c.min;
  if (c.max > cell.max) cell.max = c.max;
}

export function createSeriesRollup(): SeriesRollup {
  const cells = new Map<string, Cell>();
  return {
    add(sensorId, ts, value) {
      addTo(cells, sensorId, Math.floor(ts / MINUTE_MS) * MINUTE_MS, { count: 1, min: value, max: value, sum: value });
    },
    get size() {
      return cells.size;
    },
    clear: () => cells.clear(),
    mergeInto(into) {
      for (const c of cells.values()) addTo(into, c.sensorId, c.bucket, c);
    },
  };
}

function rows(cells: Iterable<Cell>): RollupRows {
  const sorted = [...cells].sort((a, b) =>
    a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.bucket - b.bucket,
  );
  return {
    sensorIds: sorted.map((c) => c.sensorId),
    buckets: sorted.map((c) => c.bucket),
    counts: sorted.map((c) => c.count),
    mins: sorted.map((c) => c.min),
    maxs: sorted.map((c) => c.max),
    sums: sorted.map((c) => c.sum),
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

/** The minute rows and the hour rows (minutes merged per hour) of these rollups. */
export function rollupRows(rollups: readonly SeriesRollup[]): { minutes: RollupRows; hours: RollupRows } {
  const minutes = new Map<string, Cell>();
  for (const r of rollups) r.mergeInto(minutes);
  const hours = new Map<string, Cell>();
  for (const c of minutes.values()) addTo(hours, c.sensorId, Math.floor(c.bucket / HOUR_MS) * HOUR_MS, c);
  return { minutes: rows(minutes.values()), hours: rows(hours.values()) };
}
