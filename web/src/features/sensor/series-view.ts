// A series (Sensor.series buckets: min, max, avg, count) shaped for the chart: the y axis
// follows the plausible band (not the wildest reading, so one 1e308 cannot flatten the
// chart), values beyond it are clipped at the axis edge and marked, and a stretch with no
// reading (no bucket for longer than a bucket and a few of the sensor's intervals, configured
// or typical of the data) is drawn as a gap rather than a straight line across it.
export interface SeriesBucket {
  at: string;
  min: number;
  max: number;
  avg: number;
  count: number;
  /** readings of the bucket the trust engine flagged (0 for live readings not judged yet) */
  flagged: number;
}

/** A stretch of flagged readings: one bucket's time (epoch seconds) and its flagged share. */
export interface FlaggedSpan {
  from: number;
  to: number;
  share: number;
}

/** Flagged buckets at most this many bucket widths apart draw as one stretch (sparse readings). */
const FLAGGED_JOIN_WIDTHS = 3;

/**
 * The buckets holding flagged readings, each as the time it covers (one bucket width, or up to
 * the next bucket when that one is flagged too and close: a stretch stays one stretch when the
 * readings are sparser than the buckets), with the share of its readings flagged (0..1];
 * neighbours of equal share are merged.
 */
export function flaggedSpans(buckets: readonly SeriesBucket[], widthMs: number): FlaggedSpan[] {
  const out: FlaggedSpan[] = [];
  buckets.forEach((b, i) => {
    if (!(b.flagged > 0) || b.count <= 0) return;
    const from = Date.parse(b.at);
    const next = buckets[i + 1];
    const nextAt = next ? Date.parse(next.at) : Infinity;
    const joined = next !== undefined && next.flagged > 0 && nextAt - from <= FLAGGED_JOIN_WIDTHS * widthMs;
    const end = joined ? nextAt : Math.min(from + widthMs, nextAt);
    const span = { from: from / 1000, to: Math.max(end, from + 1000) / 1000, share: Math.min(1, b.flagged / b.count) };
    // One rectangle for a run of equal shares (adjacent translucent ones would show seams).
    const last = out.at(-1);
    if (last && last.to === span.from && last.share === span.share) last.to = span.to;
    else out.push(span);
  });
  return out;
}

export interface SeriesView {
  timestamps: number[];
  /** Clipped to yRange; null where a gap is drawn. */
  avg: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  /** Buckets with a reading outside the plausible band, at their clipped extreme. */
  outside: (number | null)[];
  yRange: [number, number];
}

/** A gap is drawn where nothing arrived for this many expected intervals. */
export const GAP_INTERVALS = 3;

const RAW_UNIT_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The bucket width `series(from, to, points)` uses (docs/history.md: whole seconds, or whole
 * minutes / hours once a bucket is that wide, counted from the aligned start).
 */
export function bucketMs(fromMs: number, toMs: number, points: number): number {
  const width = (unit: number) => {
    const origin = Math.floor(fromMs / unit) * unit;
    return unit * Math.max(1, Math.ceil((toMs - origin + 1) / (points * unit)));
  };
  const raw = width(RAW_UNIT_MS);
  return raw >= HOUR_MS ? width(HOUR_MS) : raw >= MINUTE_MS ? width(MINUTE_MS) : raw;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;
}

export function seriesView(
  buckets: readonly SeriesBucket[],
  band: { min: number | null | undefined; max: number | null | undefined },
  expectedIntervalSeconds: number,
  widthMs: number,
): SeriesView {
  const sane = buckets
    .map((p) => p.avg)
    .filter((v) => Number.isFinite(v) && Math.abs(v) < 1e12)
    .sort((a, b) => a - b);
  let lo = band.min ?? (sane.length ? quantile(sane, 0.02) : 0);
  let hi = band.max ?? (sane.length ? quantile(sane, 0.98) : 1);
  if (band.min == null && band.max != null) lo = Math.min(lo, hi - 1);
  if (band.max == null && band.min != null) hi = Math.max(hi, lo + 1);
  if (!(hi > lo)) [lo, hi] = [lo - 1, lo + 1];
  const margin = (hi - lo) * 0.12;
  const yRange: [number, number] = [lo - margin, hi + margin];
  const clip = (v: number) => (Number.isNaN(v) ? null : Math.min(yRange[1], Math.max(yRange[0], v)));
  const above = (v: number) => band.max != null && v > band.max;
  const below = (v: number) => band.min != null && v < band.min;

  const view: SeriesView = { timestamps: [], avg: [], min: [], max: [], outside: [], yRange };
  // Beyond a missing bucket, and beyond a few of the sensor's intervals as configured and as
  // the data shows them (a sensor that sent every 10 min is not "gapped" between readings).
  const steps: number[] = [];
  for (let i = 2; i < buckets.length; i++)
    steps.push((Date.parse(buckets[i]!.at) - Date.parse(buckets[i - 1]!.at)) / 1000);
  steps.sort((a, b) => a - b);
  const typical = steps.length >= 4 ? quantile(steps, 0.5) : 0; // too few steps say nothing typical
  const gapSeconds = Math.max(GAP_INTERVALS * Math.max(1, expectedIntervalSeconds, typical), (1.5 * widthMs) / 1000);
  let previous: number | null = null;
  const push = (t: number, b: SeriesBucket | null) => {
    view.timestamps.push(t);
    view.avg.push(b ? clip(b.avg) : null);
    view.min.push(b ? clip(b.min) : null);
    view.max.push(b ? clip(b.max) : null);
    view.outside.push(
      !b
        ? null
        : above(b.max) || Number.isNaN(b.max)
          ? clip(b.max)
          : below(b.min) || Number.isNaN(b.min)
            ? clip(b.min)
            : null,
    );
  };
  for (const b of buckets) {
    const t = Date.parse(b.at) / 1000;
    if (previous !== null && t - previous > gapSeconds) push(previous + Math.min(gapSeconds, (t - previous) / 2), null);
    push(t, b);
    previous = t;
  }
  return view;
}
