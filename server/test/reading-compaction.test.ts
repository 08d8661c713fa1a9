// Compaction of old day partitions into per-sensor hour blocks (docs/history.md): every reading
// reads back exactly (timestamp to the millisecond, value bit for bit) through Sensor.readings,
// series and the export, a range spanning hot and compacted data exports whole and in order,
// a partition holding readings the trust stream has not processed stays hot, compaction is
// idempotent, a day imported again merges into its blocks, and retention drops blocks too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../src/modules/readings/readings-ingest-repository.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'compaction-test-admin-key-0123456';
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Values whose bits a lossy path would change: long mantissas, tiny, huge, negative. */
const value = (i: number) =>
  [Math.PI * i, 0.1 + 0.2 * i, -1e-300 * (i + 1), 1.7976931348623157e308 / (i + 1), i / 3, -(2 ** 52) - i][i % 6]!;

describe.each(TARGETS)('reading compaction on %s', (target) => {
  let t: TestApp;
  let url: string;
  const today = dayOf(Date.now());
  // Day today-3: 01:59:00 … 03:00:50 at uneven steps (7 s, 10 s, 13 s, 1 ms …) across two hour
  // boundaries; sensor cmp-2 has a few readings in the same hours. Plus hot readings of today.
  const old = (today - 3) * DAY + 2 * HOUR - 60_000;
  const steps = [7_000, 10_000, 13_000, 1, 999, 10_000];
  const cold: { sensorId: string; timestamp: string; value: number }[] = [];
  for (let i = 0, ts = old; ts < old + HOUR + 120_000; ts += steps[i % steps.length]!, i++)
    cold.push({ sensorId: 'cmp-1', timestamp: new Date(ts).toISOString(), value: value(i) });
  const other = Array.from({ length: 5 }, (_, i) => ({
    sensorId: 'cmp-2',
    timestamp: new Date(old + i * 600_000 + 123).toISOString(),
    value: -i - 0.5,
  }));
  // cmp-3 reports at a resolution of 0.01 (as real sensors do): its block stores integer steps.
  const decimals = Array.from({ length: 360 }, (_, i) => ({
    sensorId: 'cmp-3',
    timestamp: new Date(old + 60_000 + i * 10_000).toISOString(),
    value: i % 90 === 7 ? 1013.25 : Math.round((i % 50 === 3 ? -0.07 : 20 + 5 * Math.sin(i / 36)) * 100) / 100,
  }));
  const hotStart = Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000;
  const hot = Array.from({ length: 30 }, (_, i) => ({
    sensorId: 'cmp-1',
    timestamp: new Date(hotStart + i * 10_000).toISOString(),
    value: value(i + 1000),
  }));
  const all = [...cold, ...hot];

  const sql = <T>(text: string, ...params: unknown[]) =>
    t.app.db.autocommit((tx) => tx.$queryRawUnsafe<T>(text, ...params));
  const blocks = async () => (await sql<{ n: number }[]>(`SELECT count(*)::int AS n FROM reading_block`))[0]!.n;
  const partitionNames = async () => (await t.app.services.readingPartitions.list()).map((p) => p.name);
  const oldName = `reading_p${new Date((today - 3) * DAY).toISOString().slice(0, 10).replace(/-/g, '')}`;

  async function gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  }
  const readings = async (id: string, from: number, to: number) =>
    (
      await gql<{ sensor: { readings: { timestamp: string; value: number }[] } }>(
        `query($id: ID!, $from: DateTime, $to: DateTime) { sensor(id: $id) { readings(from: $from, to: $to) { timestamp value } } }`,
        { id, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      )
    ).sensor.readings;
  const exportCsv = async (from: number, to: number) => {
    const res = await fetch(
      `${url}/export/readings?sensorId=cmp-1&format=csv&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
      { headers: { authorization: `Bearer ${ADMIN_KEY}` } },
    );
    expect(res.status).toBe(200);
    return parseCsv(await res.text());
  };
  const seriesCount = async (from: number, to: number, points: number) =>
    (
      await gql<{ sensor: { series: { count: number }[] } }>(
        `query($from: DateTime!, $to: DateTime!, $p: Int) { sensor(id: "cmp-1") { series(from: $from, to: $to, points: $p) { count } } }`,
        { from: new Date(from).toISOString(), to: new Date(to).toISOString(), p: points },
      )
    ).sensor.series.reduce((a, p) => a + p.count, 0);
  const inRange = (from: number, to: number) =>
    all.filter((r) => Date.parse(r.timestamp) >= from && Date.parse(r.timestamp) <= to).length;

  /** A float8's 8 bytes as float8send gives them (big-endian hex). */
  const hex = (v: number) =>
    Buffer.from(new Float64Array([v]).buffer)
      .reverse()
      .toString('hex');
  const expected = (rows: typeof cold) => rows.map((r) => ({ timestamp: r.timestamp, value: r.value }));
  /** CSV rows with the values read back as numbers (PostgreSQL writes exponents sooner than JS). */
  const csvOf = (rows: typeof cold) => rows.map((r) => [r.sensorId, r.timestamp, r.value]);
  const parseCsv = (text: string) => {
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('sensorId,timestamp,value');
    return lines.slice(1).map((l) => {
      const [id, ts, v] = l.split(',');
      return [id, ts, Number(v)];
    });
  };

  beforeAll(async () => {
    t = await startTestApp(target, {
      env: {
        ADMIN_API_KEY: ADMIN_KEY,
        READINGS_COMPACT_AFTER_HOURS: '24',
        READINGS_RETENTION_DAYS: '30',
        ROLLUPS_RETENTION_DAYS: '400',
      },
    });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await gql(`mutation { upsertSensors(inputs: [
      { id: "cmp-1", name: "C1", kind: "temperature", expectedIntervalSeconds: 10 },
      { id: "cmp-2", name: "C2", kind: "temperature", expectedIntervalSeconds: 10 },
      { id: "cmp-3", name: "C3", kind: "temperature", expectedIntervalSeconds: 10 }]) { created } }`);
    for (const batch of [cold, other, decimals, hot]) {
      const d = await gql(INGEST, { r: batch });
      expect(d.ingestReadings).toEqual({ accepted: batch.length, duplicates: 0, rejected: 0 });
    }
    await t.processed();
  }, 120_000);
  afterAll(() => t?.close());

  it('keeps a partition hot while it holds a reading the trust stream has not processed', async () => {
    expect(await partitionNames()).toContain(oldName);
    // Below = the lowest xid of all: every row of the day is "not processed yet".
    const [r] = await sql<{ n: number }[]>(`SELECT reading_compact($1, '1'::xid8)::int AS n`, oldName);
    expect(r!.n).toBe(-1);
    expect(await partitionNames()).toContain(oldName);
    expect(await blocks()).toBe(0);
  });

  it('compacts the old day into hour blocks and reads every reading back exactly', async () => {
    const csvBefore = await exportCsv(old - HOUR, Date.now());
    expect(csvBefore).toEqual(csvOf(all));
    const report = await t.app.services.readingPartitions.maintain();
    expect(report.compacted).toContain(oldName);
    expect(report.compactedReadings).toBe(cold.length + other.length + decimals.length);
    const names = await partitionNames();
    expect(names).not.toContain(oldName);
    // yesterday ended less than 24 h ago: still hot
    expect(names).toContain(`reading_p${new Date((today - 1) * DAY).toISOString().slice(0, 10).replace(/-/g, '')}`);
    // cmp-1 covers the hours 01, 02, 03 of that day; cmp-2 the hours 01 and 02; cmp-3 hour 02.
    expect(await blocks()).toBe(6);
    // Decimal values keep integer steps (cmp-2 at one place, cmp-3 at two); long mantissas their float8.
    const encodings = await sql<{ sensor_id: string; scale: number | null; floats: boolean }[]>(
      `SELECT sensor_id, scale, vals IS NOT NULL AS floats FROM reading_block ORDER BY sensor_id, hour`,
    );
    expect(encodings.map((e) => [e.sensor_id, e.scale, e.floats])).toEqual([
      ['cmp-1', null, true],
      ['cmp-1', null, true],
      ['cmp-1', null, true],
      ['cmp-2', 1, false],
      ['cmp-2', 1, false],
      ['cmp-3', 2, false],
    ]);
    expect(await readings('cmp-3', old, old + 2 * HOUR)).toEqual(expected(decimals));
    const decimalBits = await sql<{ b: string }[]>(
      `SELECT encode(float8send(value), 'hex') AS b FROM reading_range('cmp-3', $1::timestamptz, $2::timestamptz) ORDER BY ts`,
      new Date(old),
      new Date(old + 2 * HOUR),
    );
    expect(decimalBits.map((b) => b.b)).toEqual(decimals.map((r) => hex(r.value)));
    const [hotLeft] = await sql<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM reading WHERE ts < $1::timestamptz`,
      new Date((today - 2) * DAY),
    );
    expect(hotLeft!.n).toBe(0);

    expect(await readings('cmp-1', old - HOUR, old + 2 * HOUR)).toEqual(expected(cold));
    expect(await readings('cmp-2', old - HOUR, old + 2 * HOUR)).toEqual(expected(other));
    // A range that starts inside a block and ends inside another, and one spanning hot and compacted.
    const mid = cold.slice(17, 301);
    expect(await readings('cmp-1', Date.parse(mid[0]!.timestamp), Date.parse(mid.at(-1)!.timestamp))).toEqual(
      expected(mid),
    );
    expect(await readings('cmp-1', old - HOUR, Date.now())).toEqual(expected(all));
    // Bit for bit, in the database too (float8send is the value's 8 bytes).
    const bits = await sql<{ b: string }[]>(
      `SELECT encode(float8send(value), 'hex') AS b FROM reading_range('cmp-1', $1::timestamptz, $2::timestamptz) ORDER BY ts`,
      new Date(old),
      new Date(old + 2 * HOUR),
    );
    expect(bits.map((b) => b.b)).toEqual(cold.map((r) => hex(r.value)));

    expect(await exportCsv(old - HOUR, Date.now())).toEqual(csvBefore);
    const from = Date.parse(cold[40]!.timestamp) + 1;
    expect(await exportCsv(from, Date.now())).toEqual(csvOf(all.filter((r) => Date.parse(r.timestamp) >= from)));
    // Series: the raw path (short range) and the rollup path with raw edges add up.
    const a = Date.parse(cold[3]!.timestamp);
    const b = Date.parse(cold[200]!.timestamp);
    expect(await seriesCount(a, b, 50)).toBe(inRange(a, b));
    expect(await seriesCount(old - 7 * 60_000 + 1, Date.now(), 500)).toBe(inRange(old - 7 * 60_000, Date.now()));
  });

  it('is idempotent: a compacted day is not compacted twice', async () => {
    const [r] = await sql<{ n: number }[]>(`SELECT reading_compact($1, '1'::xid8)::int AS n`, oldName);
    expect(r!.n).toBe(0);
    const report = await t.app.services.readingPartitions.maintain();
    expect(report.compacted).toEqual([]);
    expect(await blocks()).toBe(6);
    expect(await readings('cmp-1', old - HOUR, old + 2 * HOUR)).toEqual(expected(cold));
  });

  it('merges a day imported again into its blocks; a reading stored twice keeps its first value', async () => {
    const extra = { sensorId: 'cmp-1', timestamp: new Date(old + 5).toISOString(), value: 42.125 };
    const again = { ...cold[10]!, value: -7 };
    // Not reported as a duplicate: the ingest's check covers hot partitions (docs/history.md).
    const d = await gql(INGEST, { r: [extra, again].sort((x, y) => x.timestamp.localeCompare(y.timestamp)) });
    expect(d.ingestReadings.rejected).toBe(0);
    await t.processed();
    await t.app.services.readingPartitions.maintain();
    expect(await partitionNames()).not.toContain(oldName);
    const merged = [...cold, extra].sort((x, y) => x.timestamp.localeCompare(y.timestamp));
    expect(await readings('cmp-1', old - HOUR, old + 2 * HOUR)).toEqual(expected(merged));
    expect(await blocks()).toBe(6);
  });

  it('retention drops the blocks of days older than READINGS_RETENTION_DAYS', async () => {
    // Blocks of a day 40 days back, written as compaction writes them.
    await sql(
      `INSERT INTO reading_block (sensor_id, hour, deltas, vals) VALUES ('cmp-2', $1::timestamptz, '{0,10000}', '{1.5,2.5}')`,
      new Date((today - 40) * DAY),
    );
    expect(await readings('cmp-2', (today - 40) * DAY, (today - 40) * DAY + HOUR)).toEqual([
      { timestamp: new Date((today - 40) * DAY).toISOString(), value: 1.5 },
      { timestamp: new Date((today - 40) * DAY + 10_000).toISOString(), value: 2.5 },
    ]);
    const report = await t.app.services.readingPartitions.maintain();
    expect(report.blocksDeleted).toBe(1);
    expect(await readings('cmp-2', (today - 40) * DAY, (today - 40) * DAY + HOUR)).toEqual([]);
    expect(await blocks()).toBe(6);
  });
});
