// Readings partitioned by UTC day: partitions exist ahead of today, a reading of a day with no
// partition gets one (none is ever refused or lost), rows stored around the ingest land in the
// default partition and move to their day with their xid, duplicates are still found across
// days, retention drops whole days while rollups and trust state stay, and the ingest's receipts
// (server clock once a transaction) are deleted once the trust stream has read past them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionDay } from '../src/modules/readings/reading-partitions-repository.js';
import { dayOf } from '../src/modules/readings/readings-ingest-repository.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;
const READINGS = `query($id: ID!, $from: DateTime, $to: DateTime) {
  sensor(id: $id) { readings(from: $from, to: $to) { timestamp value } trust { score status } }
}`;
const DAY = 86_400_000;

describe.each(TARGETS)('reading partitions on %s', (target) => {
  let t: TestApp;
  const today = dayOf(Date.now());
  // An import of old history across a midnight 20 days back: 23:58:00 … 00:01:50, every 10 s.
  const midnight = (today - 20) * DAY;
  const boundary = Array.from({ length: 24 }, (_, i) => ({
    sensorId: 'part-1',
    timestamp: new Date(midnight - 120_000 + i * 10_000).toISOString(),
    value: i + 0.25,
  }));

  const sql = <T>(text: string, ...params: unknown[]) =>
    t.app.db.autocommit((tx) => tx.$queryRawUnsafe<T>(text, ...params));
  const partitions = async () => (await t.app.services.readingPartitions.list()).map((p) => p.day);
  const readings = async (from: number, to: number) => {
    const res = await t.gql<{ sensor: { readings: { timestamp: string; value: number }[] } }>(READINGS, {
      id: 'part-1',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    expect(res.errors).toBeUndefined();
    return res.data!.sensor.readings;
  };

  beforeAll(async () => {
    t = await startTestApp(target, {
      env: { READINGS_RETENTION_DAYS: '10', ROLLUPS_RETENTION_DAYS: '400', READINGS_PARTITIONS_AHEAD_DAYS: '3' },
    });
    const reg = await t.gql(
      `mutation { upsertSensor(input: { id: "part-1", name: "P", kind: "temperature", expectedIntervalSeconds: 10 }) { id } }`,
    );
    expect(reg.errors).toBeUndefined();
  }, 120_000);
  afterAll(() => t?.close());

  it('has a partition from yesterday to the days ahead, named by its UTC day', async () => {
    const days = await partitions();
    for (let d = today - 1; d <= today + 3; d++) expect(days).toContain(d);
    expect(partitionDay('reading_p20261207')).toBe(Date.UTC(2026, 11, 7) / DAY);
    const [kind] = await sql<{ kind: string }[]>(
      `SELECT relkind::text AS kind FROM pg_class WHERE relname = 'reading'`,
    );
    expect(kind!.kind).toBe('p'); // partitioned table
  });

  it('creates the partitions of an old day on demand, stores a batch across midnight, and finds its duplicates', async () => {
    expect(await partitions()).not.toContain(today - 20);
    const res = await t.gql(INGEST, { r: boundary });
    expect(res.data!.ingestReadings).toEqual({ accepted: 24, duplicates: 0, rejected: 0 });
    const days = await partitions();
    expect(days).toContain(today - 21);
    expect(days).toContain(today - 20);
    const perDay = await sql<{ name: string; n: number }[]>(
      `SELECT tableoid::regclass::text AS name, count(*)::int AS n FROM reading WHERE sensor_id = 'part-1' GROUP BY 1 ORDER BY 1`,
    );
    expect(perDay.map((r) => [partitionDay(r.name), r.n])).toEqual([
      [today - 21, 12],
      [today - 20, 12],
    ]);
    // The duplicate check spans both days' partitions as it spanned one table.
    const again = await t.gql(INGEST, {
      r: [...boundary.slice(10, 14), { ...boundary[0]!, timestamp: new Date(midnight + 5000).toISOString() }],
    });
    expect(again.data!.ingestReadings).toEqual({ accepted: 1, duplicates: 4, rejected: 0 });
    const back = await readings(midnight - 120_000, midnight + 120_000);
    expect(back).toHaveLength(25);
    expect(back.slice(0, 3).map((r) => r.value)).toEqual([0.25, 1.25, 2.25]);
  });

  it('keeps a row stored around the ingest for a day with no partition, and moves it to its day with its xid', async () => {
    const at = (today - 5) * DAY + 3_600_000;
    await sql(`INSERT INTO reading (sensor_id, ts, value) VALUES ('part-1', $1::timestamptz, 7.5)`, new Date(at));
    const [before] = await sql<{ name: string; xid: string }[]>(
      `SELECT tableoid::regclass::text AS name, xid::text AS xid FROM reading WHERE sensor_id = 'part-1' AND ts = $1::timestamptz`,
      new Date(at),
    );
    expect(before!.name).toBe('reading_default');
    await t.app.services.readingPartitions.maintain();
    const [after] = await sql<{ name: string; xid: string }[]>(
      `SELECT tableoid::regclass::text AS name, xid::text AS xid FROM reading WHERE sensor_id = 'part-1' AND ts = $1::timestamptz`,
      new Date(at),
    );
    expect(partitionDay(after!.name)).toBe(today - 5);
    expect(after!.xid).toBe(before!.xid);
    const [left] = await sql<{ n: number }[]>(`SELECT count(*)::int AS n FROM reading_default`);
    expect(left!.n).toBe(0);
  });

  it('keeps the server clock once per ingest transaction, until the trust stream has read it', async () => {
    const started = Date.now();
    const noon = (today - 2) * DAY + DAY / 2; // a day the other tests do not count in
    const batch = [0, 1, 2].map((i) => ({
      sensorId: 'part-1',
      timestamp: new Date(noon + i * 10_000).toISOString(),
      value: 21 + i,
    }));
    expect((await t.gql(INGEST, { r: batch })).data!.ingestReadings.accepted).toBe(3);
    const stored = await sql<{ xid: string; received: Date | null }[]>(
      `SELECT r.xid::text AS xid, rc.received_at AS received
         FROM reading r LEFT JOIN reading_receipt rc ON rc.xid = r.xid
        WHERE r.sensor_id = 'part-1' AND r.ts >= $1::timestamptz AND r.ts < $2::timestamptz`,
      new Date(noon),
      new Date(noon + 30_000),
    );
    expect(stored).toHaveLength(3);
    expect(new Set(stored.map((r) => r.xid)).size).toBe(1); // one transaction, one receipt
    const received = new Date(stored[0]!.received!).getTime();
    expect(received).toBeGreaterThanOrEqual(started - 1000);
    expect(received).toBeLessThanOrEqual(Date.now() + 1000);
    const columns = await sql<{ c: string }[]>(
      `SELECT attname AS c FROM pg_attribute WHERE attrelid = 'reading'::regclass AND attnum > 0 AND NOT attisdropped`,
    );
    expect(columns.map((c) => c.c).sort()).toEqual(['sensor_id', 'ts', 'value', 'xid']);
    await t.processed();
    const report = await t.app.services.readingPartitions.maintain();
    expect(report.receiptsDeleted).toBeGreaterThanOrEqual(1);
    const [left] = await sql<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM reading_receipt WHERE xid <= $1::xid8`,
      stored[0]!.xid,
    );
    expect(left!.n).toBe(0);
  });

  it('drops days older than READINGS_RETENTION_DAYS whole; rollups and trust state stay', async () => {
    await t.processed();
    const recent = Array.from({ length: 6 }, (_, i) => ({
      sensorId: 'part-1',
      timestamp: new Date(Date.now() - 600_000 + i * 10_000).toISOString(),
      value: 20 + i * 0.01,
    }));
    expect((await t.gql(INGEST, { r: recent })).data!.ingestReadings.accepted).toBe(6);
    await t.processed();
    // The previous test's upkeep dropped the old days already (older than READINGS_RETENTION_DAYS):
    // the same import is stored again, in recreated partitions, and rolled up again.
    expect(await readings(midnight - 120_000, midnight + 120_000)).toEqual([]);
    expect((await t.gql(INGEST, { r: boundary })).data!.ingestReadings.accepted).toBe(24);
    await t.processed();
    const rollup = async () => {
      const [r] = await sql<{ n: number }[]>(
        `SELECT coalesce(sum(count), 0)::int AS n FROM reading_rollup_hour WHERE sensor_id = 'part-1' AND bucket < $1::timestamptz`,
        new Date((today - 10) * DAY),
      );
      return r!.n;
    };
    const rolled = await rollup();
    // 25 from before the first drop, 24 since.
    expect(rolled).toBe(49);
    const trust = await t.gql<{ sensor: { trust: { score: number; status: string } } }>(READINGS, { id: 'part-1' });
    const report = await t.app.services.readingPartitions.maintain();
    expect(report.dropped.map(partitionDay)).toEqual(expect.arrayContaining([today - 21, today - 20]));
    expect(report.dropMs).toBeLessThan(report.dropped.length * 1000);
    const days = await partitions();
    expect(days.filter((d) => d < today - 9)).toEqual([]);
    expect(days).toContain(today - 5);
    expect(await readings(midnight - 120_000, midnight + 120_000)).toEqual([]);
    expect(await readings(Date.now() - 700_000, Date.now())).toHaveLength(6);
    expect(await rollup()).toBe(rolled);
    const after = await t.gql<{ sensor: { trust: { score: number; status: string } } }>(READINGS, { id: 'part-1' });
    expect(after.data!.sensor.trust).toEqual(trust.data!.sensor.trust);
    // The stream's state and positions are untouched: a new reading is applied as before.
    const next = { sensorId: 'part-1', timestamp: new Date(Date.now() - 1000).toISOString(), value: 20.1 };
    expect((await t.gql(INGEST, { r: [next] })).data!.ingestReadings.accepted).toBe(1);
    await t.processed();
    expect(await readings(Date.now() - 700_000, Date.now())).toHaveLength(7);
  });
});
