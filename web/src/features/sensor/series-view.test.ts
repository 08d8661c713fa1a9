import { describe, expect, it } from 'vitest';
import { bucketMs, flaggedSpans, seriesView, type SeriesBucket } from './series-view';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 28, 12, minute)).toISOString();
const one = (minute: number, value: number): SeriesBucket => ({
  at: at(minute),
  min: value,
  max: value,
  avg: value,
  count: 1,
  flagged: 0,
});

describe('flaggedSpans', () => {
  it('covers each bucket holding flagged readings until the next bucket, with its flagged share', () => {
    const buckets = [one(0, 21), { ...one(1, 80), count: 4, flagged: 1 }, { ...one(2, 90), flagged: 1 }, one(5, 21)];
    expect(flaggedSpans(buckets, 60_000)).toEqual([
      { from: Date.parse(at(1)) / 1000, to: Date.parse(at(2)) / 1000, share: 0.25 },
      { from: Date.parse(at(2)) / 1000, to: Date.parse(at(3)) / 1000, share: 1 },
    ]);
    expect(flaggedSpans([one(0, 21)], 60_000)).toEqual([]);
    // Sparse readings: flagged buckets two widths apart are one stretch; a far one stands alone.
    const sparse = [0, 2, 10].map((m) => ({ ...one(m, 90), flagged: 1 }));
    expect(flaggedSpans(sparse, 60_000).map((s) => [s.from, s.to])).toEqual([
      [Date.parse(at(0)) / 1000, Date.parse(at(3)) / 1000],
      [Date.parse(at(10)) / 1000, Date.parse(at(11)) / 1000],
    ]);
  });
});

describe('seriesView', () => {
  it('keeps the axis on the plausible band: a 1e308 reading is clipped at its edge and marked', () => {
    const view = seriesView(
      [one(0, 21), { at: at(1), min: 20, max: 1e308, avg: 1e306, count: 3, flagged: 0 }, one(2, -Infinity), one(3, 22)],
      { min: -20, max: 60 },
      60,
      60_000,
    );
    expect(view.yRange[0]).toBeCloseTo(-29.6);
    expect(view.yRange[1]).toBeCloseTo(69.6);
    expect(view.max).toEqual([21, view.yRange[1], view.yRange[0], 22]);
    expect(view.min).toEqual([21, 20, view.yRange[0], 22]);
    expect(view.outside).toEqual([null, view.yRange[1], view.yRange[0], null]);
  });

  it('draws a silence longer than a bucket and three expected intervals as a gap, not a line', () => {
    const view = seriesView([one(0, 1), one(1, 2), one(86, 3)], { min: 0, max: 10 }, 60, 60_000);
    expect(view.avg).toEqual([1, 2, null, 3]);
    expect(view.timestamps[2]).toBeGreaterThan(Date.parse(at(1)) / 1000);
    expect(view.timestamps[2]).toBeLessThan(Date.parse(at(86)) / 1000);
  });

  it('does not call the next bucket a gap when buckets are wider than the sensor’s interval', () => {
    const hourly = [0, 60, 120, 180].map((m) => one(m, 5));
    expect(seriesView(hourly, { min: 0, max: 10 }, 10, 3_600_000).avg).toEqual([5, 5, 5, 5]);
    // ...but a missing hour is one
    const missing = [0, 60, 180].map((m) => one(m, 5));
    expect(seriesView(missing, { min: 0, max: 10 }, 10, 3_600_000).avg).toEqual([5, 5, null, 5]);
  });

  it('does not break the line of a sensor that reports less often than configured, but still shows a silent day', () => {
    // every 10 min in 8-min buckets: bucket steps of 8 and 16 min; then a day of nothing
    const minutes = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 1530, 1540, 1550];
    const buckets = minutes.map((m) => one(Math.floor(m / 8) * 8, 5));
    const view = seriesView(buckets, { min: 0, max: 10 }, 60, 8 * 60_000);
    expect(view.avg.filter((v) => v === null)).toHaveLength(1);
    expect(view.avg.indexOf(null)).toBe(10);
  });

  it('without a band, follows the bulk of the readings', () => {
    const values = Array.from({ length: 100 }, (_, i) => one(i, 20 + (i % 5)));
    values[50] = one(50, 1e308);
    const view = seriesView(values, { min: null, max: null }, 60, 60_000);
    expect(view.yRange[1]).toBeLessThan(30);
    expect(view.outside.every((v) => v === null)).toBe(true);
  });
});

describe('bucketMs', () => {
  it('mirrors the server: seconds for short ranges, whole minutes and hours for long ones', () => {
    const t = Date.UTC(2026, 11, 7, 6, 0, 0);
    expect(bucketMs(t, t + 3_600_000, 600)).toBe(7_000);
    expect(bucketMs(t, t + 24 * 3_600_000, 600)).toBe(180_000);
    expect(bucketMs(t, t + 30 * 24 * 3_600_000, 600)).toBe(2 * 3_600_000);
  });
});
