// Sensor.series: at most `points` buckets of equal width over a range, from raw
// readings for short ranges and from the minute or hour rollup for longer ones
// (docs/history.md). The plan is pure; the repository does the bucketing.
import { UserInputError } from '../../kernel/errors.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import type { RollupSpan, SeriesBuckets, SeriesCell, SeriesRepository } from './series-repository.js';
import { HOUR_MS, MINUTE_MS } from './series-rollup.js';

export const MAX_SERIES_POINTS = 2000;
export const DEFAULT_SERIES_POINTS = 500;
/** Raw buckets are whole seconds wide. */
const RAW_UNIT_MS = 1000;

export interface SeriesPoint {
  at: Date;
  min: number;
  max: number;
  avg: number;
  count: number;
  flagged: number;
}

export interface SeriesPlan {
  buckets: SeriesBuckets;
  /** null: raw readings only */
  rollup: RollupSpan | null;
}

/**
 * Buckets aligned to `unit` (so a rollup row never straddles two), `width` a whole number
 * of units, at most `points` of them from the aligned start to `to`.
 */
function aligned(from: number, to: number, points: number, unit: number) {
  const origin = Math.floor(from / unit) * unit;
  const span = to - origin + 1;
  const width = unit * Math.max(1, Math.ceil(span / (points * unit)));
  return { origin, width };
}

export function planSeries(sensorId: string, from: Date, to: Date, points: number): SeriesPlan {
  const f = from.getTime();
  const t = to.getTime();
  const raw = aligned(f, t, points, RAW_UNIT_MS);
  // Buckets of an hour or more: the hour rollup; of a minute or more: the minute rollup.
  const unit = raw.width >= HOUR_MS ? HOUR_MS : raw.width >= MINUTE_MS ? MINUTE_MS : null;
  if (unit === null) return { buckets: { sensorId, from, to, ...raw }, rollup: null };
  const { origin, width } = aligned(f, t, points, unit);
  const midFrom = Math.ceil(f / unit) * unit;
  const midTo = Math.floor((t + 1) / unit) * unit;
  const buckets = { sensorId, from, to, origin, width };
  if (midTo <= midFrom) return { buckets, rollup: null };
  return {
    buckets,
    rollup: {
      table: unit === HOUR_MS ? 'reading_rollup_hour' : 'reading_rollup_minute',
      midFrom: new Date(midFrom),
      midTo: new Date(midTo),
    },
  };
}

export function seriesPoints(plan: SeriesPlan, cells: SeriesCell[]): SeriesPoint[] {
  const { origin, width, from } = plan.buckets;
  return cells.map((c) => ({
    at: new Date(Math.max(origin + c.b * width, from.getTime())),
    min: c.min,
    max: c.max,
    avg: c.sum / c.count,
    count: c.count,
    flagged: c.flagged,
  }));
}

export function createSeriesService(deps: {
  repo: SeriesRepository;
  /** Statements on their own (one statement needs no transaction). */
  statement: RunInTransaction;
  transaction: RunInTransaction;
}) {
  const { repo, statement, transaction } = deps;
  return {
    async series(sensorId: string, from: Date, to: Date, points: number | null | undefined): Promise<SeriesPoint[]> {
      const n = points ?? DEFAULT_SERIES_POINTS;
      if (!Number.isInteger(n) || n < 1 || n > MAX_SERIES_POINTS)
        throw new UserInputError(`points must be a whole number from 1 to ${MAX_SERIES_POINTS}, got ${n}`, {
          field: 'points',
        });
      if (to.getTime() < from.getTime())
        throw new UserInputError(`to (${to.toISOString()}) is before from (${from.toISOString()})`, { field: 'to' });
      const plan = planSeries(sensorId, from, to, n);
      const span = plan.rollup;
      const cells = span
        ? await transaction(async (tx) => {
            await tx.$executeRaw`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`;
            return repo.fromRollup(tx, plan.buckets, span);
          })
        : await statement((tx) => repo.raw(tx, plan.buckets));
      return seriesPoints(plan, cells);
    },
  };
}

export type SeriesService = ReturnType<typeof createSeriesService>;
