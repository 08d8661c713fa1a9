import { describe, expect, it } from 'vitest';
import { createSeriesRollup, HOUR_MS, MINUTE_MS, rollupRows, type RollupRows } from './series-rollup.js';

/** The rows as a plain reference computes them: every reading into (sensor, bucket) cells, sorted. */
function reference(readings: [string, number, number][], width: number): RollupRows {
  const cells = new Map<string, { id: string; b: number; n: number; mn: number; mx: number; sm: number }>();
  for (const [id, ts, v] of readings) {
    const b = Math.floor(ts / width) * width;
    const key = `${id}|${b}`;
    const c = cells.get(key) ?? { id, b, n: 0, mn: Infinity, mx: -Infinity, sm: 0 };
    c.n++;
    c.mn = Math.min(c.mn, v);
    c.mx = Math.max(c.mx, v);
    c.sm += v;
    cells.set(key, c);
  }
  const sorted = [...cells.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.b - b.b));
  return {
    sensorIds: sorted.map((c) => c.id),
    buckets: sorted.map((c) => c.b),
    counts: sorted.map((c) => c.n),
    mins: sorted.map((c) => c.mn),
    maxs: sorted.map((c) => c.mx),
    sums: sorted.map((c) => c.sm),
  };
}

describe('series rollup rows', () => {
  it('minute and hour rows match a plain per-reading count, with readings out of order and a sensor in two rollups', () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 58);
    const readings: [string, number, number][] = [];
    // Integer values: sums exact whatever the order they are added in.
    for (let i = 0; i < 200; i++) readings.push([`s-${i % 7}`, t0 + ((i * 37) % 180) * 2_000, (i * 13) % 50]);
    const a = createSeriesRollup();
    const b = createSeriesRollup();
    // s-3 moves from rollup a to rollup b halfway (a zone change between checkpoints).
    for (const [i, [id, ts, v]] of readings.entries()) (id === 's-3' && i >= 100 ? b : i % 2 ? a : b).add(id, ts, v);
    const { minutes, hours } = rollupRows([a, b]);
    expect(minutes).toEqual(reference(readings, MINUTE_MS));
    expect(hours).toEqual(reference(readings, HOUR_MS));
    expect(new Set(hours.buckets)).toEqual(new Set([t0 - 58 * MINUTE_MS, t0 + 2 * MINUTE_MS]));
    expect(a.size + b.size).toBeGreaterThan(minutes.counts.length); // cells of one minute in both were merged
  });

  it('nothing added: no rows', () => {
    expect(rollupRows([createSeriesRollup()])).toEqual({
      minutes: { sensorIds: [], buckets: [], counts: [], mins: [], maxs: [], sums: [] },
      hours: { sensorIds: [], buckets: [], counts: [], mins: [], maxs: [], sums: [] },
    });
  });
});
