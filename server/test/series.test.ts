// Sensor.series: at most `points` buckets whose counts add up to the readings stored in
// the range, on the raw path (short ranges), the minute rollup and the hour rollup, also
// for readings the trust stream has not rolled up yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSeries } from '../src/modules/readings/series-service.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SERIES = `query($id: ID!, $from: DateTime!, $to: DateTime!, $points: Int) {
  sensor(id: $id) { series(from: $from, to: $to, points: $points) { at min max avg count } }
}`;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;
const STEP_MS = 30_000;
const HOUR = 3_600_000;

describe('series plan', () => {
  const to = new Date('2026-12-07T12:00:00.000Z');
  const back = (ms: number) => new Date(to.getTime() - ms);
  it.each([
    ['1 h', HOUR, null],
    ['6 h', 6 * HOUR, null],
    ['24 h', 24 * HOUR, 'reading_rollup_minute'],
    ['7 d', 7 * 24 * HOUR, 'reading_rollup_minute'],
    ['30 d', 30 * 24 * HOUR, 'reading_rollup_hour'],
  ])('%s of 500 points reads %s', (_name, span, table) => {
    const plan = planSeries('s', back(span), to, 500);
    expect(plan.rollup?.table ?? null).toBe(table);
    expect(Math.ceil((to.getTime() - plan.buckets.origin + 1) / plan.buckets.width)).toBeLessThanOrEqual(500);
  });
});

describe.each(TARGETS)('Sensor.series on %s', (target) => {
  let t: TestApp;
  const values = new Map<number, number>();
  const end = Math.floor((Date.now() - 120_000) / STEP_MS) * STEP_MS;
  const start = end - 50 * HOUR;

  async function ingest(from: number, to: number, value: (ts: number) => number) {
    const batch: { sensorId: string; timestamp: string; value: number }[] = [];
    const flush = async () => {
      const res = await t.gqlNow(INGEST, { r: batch.splice(0) });
      expect(res.data!.ingestReadings.rejected).toBe(0);
    };
    for (let ts = from; ts <= to; ts += STEP_MS) {
      const v = value(ts);
      values.set(ts, v);
      batch.push({ sensorId: 'ser-1', timestamp: new Date(ts).toISOString(), value: v });
      if (batch.length === 2000) await flush();
    }
    if (batch.length) await flush();
  }

  function stored(from: number, to: number) {
    return [...values].filter(([ts]) => ts >= from && ts <= to).map(([, v]) => v);
  }

  async function series(from: number, to: number, points?: number, wait = true) {
    const vars = { id: 'ser-1', from: new Date(from).toISOString(), to: new Date(to).toISOString(), points };
    const res = wait ? await t.gql(SERIES, vars) : await t.gqlNow(SERIES, vars);
    expect(res.errors).toBeUndefined();
    return res.data!.sensor.series as { at: string; min: number; max: number; avg: number; count: number }[];
  }

  beforeAll(async () => {
    t = await startTestApp(target);
    await t.gql(
      `mutation { upsertSensor(input: { id: "ser-1", name: "S", kind: "temperature", expectedIntervalSeconds: 30 }) { id } }`,
    );
    // A gap of two hours in the middle (10 to 12 hours before the end).
    await ingest(start, end - 12 * HOUR, (ts) => 20 + Math.sin(ts / HOUR));
    await ingest(end - 10 * HOUR, end, (ts) => 20 + Math.sin(ts / HOUR));
    await t.processed();
  }, 120_000);
  afterAll(() => t?.close());

  it.each([
    ['1 h, raw', HOUR, 500],
    ['6 h, raw, few points', 6 * HOUR, 7],
    ['24 h, minute rollup', 24 * HOUR, 500],
    ['40 h, hour rollup', 40 * HOUR, 20],
  ])('%s: at most `points` buckets whose counts add up to the stored readings', async (_name, span, points) => {
    // Unaligned edges: partial minutes and hours at both ends come from raw readings.
    const to = end - 17_500;
    const from = to - span + 7_250;
    const got = await series(from, to, points);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(points);
    expect(got.reduce((n, p) => n + p.count, 0)).toBe(stored(from, to).length);
    const all = stored(from, to);
    expect(Math.min(...got.map((p) => p.min))).toBeCloseTo(Math.min(...all), 9);
    expect(Math.max(...got.map((p) => p.max))).toBeCloseTo(Math.max(...all), 9);
    const mean = got.reduce((s, p) => s + p.avg * p.count, 0) / all.length;
    expect(mean).toBeCloseTo(all.reduce((s, v) => s + v, 0) / all.length, 9);
    const ats = got.map((p) => Date.parse(p.at));
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(ats[0]).toBeGreaterThanOrEqual(from);
  });

  it('leaves the buckets of a gap out (the chart shows it as a gap)', async () => {
    const got = await series(end - 24 * HOUR, end, 25);
    const ats = got.map((p) => Date.parse(p.at));
    const steps = ats.slice(2).map((at, i) => at - ats[i + 1]!);
    // Equal buckets (58 minutes for 25 points over 24 h), but one step across the two empty hours.
    const width = Math.min(...steps);
    expect(steps.filter((s) => s !== width)).toHaveLength(1);
    expect(Math.max(...steps)).toBeGreaterThanOrEqual(2 * width);
  });

  it('counts readings the trust stream has not rolled up yet exactly once', async () => {
    // Fill the gap, then ask at once (no wait for the stream): the rows above the rollup
    // position come from the raw table, the rest from the rollup.
    await ingest(end - 12 * HOUR + STEP_MS, end - 10 * HOUR - STEP_MS, () => 42);
    const from = end - 30 * HOUR;
    const early = await series(from, end, 30, false);
    expect(early.reduce((n, p) => n + p.count, 0)).toBe(stored(from, end).length);
    await t.processed();
    const later = await series(from, end, 30);
    expect(later.map((p) => [p.at, p.count, p.min, p.max])).toEqual(early.map((p) => [p.at, p.count, p.min, p.max]));
    later.forEach((p, i) => expect(p.avg).toBeCloseTo(early[i]!.avg, 9));
    expect(Math.max(...later.map((p) => p.max))).toBe(42);
  });

  it('counts the readings the trust engine flagged, in the rollups and on the raw path', async () => {
    const base = end - 3 * HOUR;
    const at = (i: number) => base + i * STEP_MS;
    await t.gql(
      `mutation { upsertSensor(input: { id: "ser-f", name: "F", kind: "temperature", minValue: 0, maxValue: 100, expectedIntervalSeconds: 30 }) { id } }`,
    );
    // 240 readings (2 h) in range, 20 out of range (OUT_OF_RANGE from the first), 100 in range again.
    const r = Array.from({ length: 360 }, (_, i) => ({
      sensorId: 'ser-f',
      timestamp: new Date(at(i)).toISOString(),
      value: i >= 240 && i < 260 ? 500 : 20 + Math.sin(i / 10),
    }));
    expect((await t.gqlNow(INGEST, { r })).data!.ingestReadings.rejected).toBe(0);
    await t.processed();
    const get = async (from: number, to: number, points: number) => {
      const res = await t.gql(
        `query($from: DateTime!, $to: DateTime!, $p: Int) { sensor(id: "ser-f") { series(from: $from, to: $to, points: $p) { at count flagged } } }`,
        { from: new Date(from).toISOString(), to: new Date(to).toISOString(), p: points },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.sensor.series as { at: string; count: number; flagged: number }[];
    };
    const total = (ps: { flagged: number }[]) => ps.reduce((n, p) => n + p.flagged, 0);
    // Hour rollup (three hour buckets), minute rollup, raw.
    for (const [points, path] of [
      [3, 'hour'],
      [60, 'minute'],
      [1000, 'raw'],
    ] as const) {
      const got = await get(base, at(359), points);
      expect(
        got.reduce((n, p) => n + p.count, 0),
        path,
      ).toBe(360);
      const flagged = total(got);
      expect(flagged, path).toBeGreaterThanOrEqual(20);
      expect(flagged, path).toBeLessThan(120);
      got.forEach((p) => expect(p.flagged).toBeLessThanOrEqual(p.count));
      // Nothing flagged before the stretch.
      expect(total(got.filter((p) => Date.parse(p.at) < at(239) - HOUR)), path).toBe(0);
    }
    // The stretch itself on the raw path: every reading flagged.
    const stretch = await get(at(240), at(259), 500);
    expect(stretch.reduce((n, p) => n + p.count, 0)).toBe(20);
    expect(total(stretch)).toBe(20);
  });

  it('refuses a reversed range and a points count out of bounds', async () => {
    for (const vars of [
      { from: new Date(end).toISOString(), to: new Date(end - HOUR).toISOString() },
      { from: new Date(end - HOUR).toISOString(), to: new Date(end).toISOString(), points: 0 },
      { from: new Date(end - HOUR).toISOString(), to: new Date(end).toISOString(), points: 2001 },
    ]) {
      const res = await t.gql(SERIES, { id: 'ser-1', ...vars });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
