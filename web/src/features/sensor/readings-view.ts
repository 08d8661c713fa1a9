// Readings shaped for the chart: the y axis follows the plausible band (not the
// wildest reading, so one 1e308 cannot flatten the chart), values beyond it are
// clipped at the axis edge and marked, and a silence longer than a few expected
// intervals is drawn as a gap rather than a straight line across it.
export interface ReadingPoint {
  timestamp: string;
  value: number;
}

export interface ReadingsView {
  timestamps: number[];
  /** Values clipped to yRange; null where a gap is drawn. */
  values: (number | null)[];
  /** Readings outside the plausible band, at their clipped position. */
  outside: (number | null)[];
  yRange: [number, number];
}

/** A gap is drawn where nothing arrived for this many expected intervals. */
export const GAP_INTERVALS = 3;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;
}

export function readingsView(
  points: readonly ReadingPoint[],
  band: { min: number | null | undefined; max: number | null | undefined },
  expectedIntervalSeconds: number,
): ReadingsView {
  const sane = points
    .map((p) => p.value)
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
  const isOutside = (v: number) =>
    Number.isNaN(v) || (band.min != null && v < band.min) || (band.max != null && v > band.max);

  const timestamps: number[] = [];
  const values: (number | null)[] = [];
  const outside: (number | null)[] = [];
  const gapSeconds = GAP_INTERVALS * Math.max(1, expectedIntervalSeconds);
  let previous: number | null = null;
  for (const p of points) {
    const t = Date.parse(p.timestamp) / 1000;
    if (previous !== null && t - previous > gapSeconds) {
      timestamps.push(previous + expectedIntervalSeconds);
      values.push(null);
      outside.push(null);
    }
    timestamps.push(t);
    values.push(clip(p.value));
    outside.push(isOutside(p.value) ? clip(p.value) : null);
    previous = t;
  }
  return { timestamps, values, outside, yRange };
}
