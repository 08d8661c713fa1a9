// ingestReadings through the real app and database: per-item outcomes, idempotency,
// batch limits, concurrency, ordering and the events published after commit.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Topic, type ReadingsAddedPayload, type SensorsUpdatedPayload } from '../src/events/topics.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const MAX_BATCH = 50;
const INGEST = `mutation($r: [ReadingInput!]!) {
  ingestReadings(readings: $r) { accepted duplicates rejected errors { index sensorId code message } }
}`;

const at = (minutesBeforeNow: number, seconds = 0) =>
  new Date(NOW.getTime() - minutesBeforeNow * 60_000 + seconds * 1000).toISOString();

describe.each(TARGETS)('ingestReadings on %s', (target) => {
  let t: TestApp;

  async function storedCount(sensorId: string): Promise<number> {
    const rows = await t.app.db.prisma.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM reading WHERE sensor_id = ${sensorId}`;
    return rows[0]!.n;
  }
  async function readingsLastHour(): Promise<number> {
    return (await t.gql(`{ dashboardSummary { readingsLastHour } }`)).data!.dashboardSummary.readingsLastHour;
  }

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW, env: { MAX_BATCH_SIZE: String(MAX_BATCH) } });
    await t.gql(`mutation { upsertZone(input: { id: "hall", name: "Hall" }) { id } }`);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', zoneId: 'hall', minValue: -20, maxValue: 60 },
      });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it('stores the good items of a mixed batch and reports each bad one with its index and code', async () => {
    const before = await readingsLastHour();
    const res = await t.gql(INGEST, {
      r: [
        { sensorId: 'a', timestamp: at(30), value: 21.5 },
        { sensorId: 'ghost', timestamp: at(30), value: 1 },
        { sensorId: 'a', timestamp: new Date(NOW.getTime() + 6 * 60_000).toISOString(), value: 22 },
        { sensorId: 'a', timestamp: new Date(NOW.getTime() + 4 * 60_000).toISOString(), value: 22 }, // within the 5 min skew
        { sensorId: 'b', timestamp: at(30), value: 19 },
        { sensorId: 'a', timestamp: at(30), value: 99 }, // same (sensor, ts) as item 0 in this batch
      ],
    });
    expect(res.errors).toBeUndefined();
    const out = res.data!.ingestReadings;
    expect(out).toMatchObject({ accepted: 3, duplicates: 1, rejected: 2 });
    expect(
      out.errors.map((e: { index: number; code: string; sensorId: string }) => [e.index, e.code, e.sensorId]),
    ).toEqual([
      [1, 'UNKNOWN_SENSOR', 'ghost'],
      [2, 'FUTURE_TIMESTAMP', 'a'],
    ]);
    expect(out.errors[0].message).toMatch(/not registered/);
    // The first of two equal (sensor, ts) items wins; the stored value is not the duplicate's.
    const stored = await t.gql(`{ sensor(id: "a") { readings { timestamp value } } }`);
    expect(stored.data!.sensor.readings).toEqual([
      { timestamp: at(30), value: 21.5 },
      { timestamp: new Date(NOW.getTime() + 4 * 60_000).toISOString(), value: 22 },
    ]);
    expect(await readingsLastHour()).toBe(before + 2); // the future one counts in a future minute
  });

  it('counts a reading already stored as a duplicate and changes nothing', async () => {
    const res = await t.gql(INGEST, {
      r: [
        { sensorId: 'b', timestamp: at(30), value: -5 },
        { sensorId: 'b', timestamp: at(29), value: 19.1 },
      ],
    });
    expect(res.data!.ingestReadings).toMatchObject({ accepted: 1, duplicates: 1, rejected: 0, errors: [] });
    const stored = await t.gql(`{ sensor(id: "b") { readings { timestamp value } } }`);
    expect(stored.data!.sensor.readings).toEqual([
      { timestamp: at(30), value: 19 },
      { timestamp: at(29), value: 19.1 },
    ]);
  });

  it('answers a retried batch with all duplicates: no new rows, same trust, same rollup', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => ({
      sensorId: 'c',
      timestamp: at(50 - i),
      value: 20 + (i % 3) * 0.1,
    }));
    const first = await t.gql(INGEST, { r: batch });
    expect(first.data!.ingestReadings).toMatchObject({ accepted: 20, duplicates: 0 });
    const trustQuery = `{ sensor(id: "c") { trust { score status severity reasons { kind } lastEvaluated } trustHistory { at score status } } }`;
    const trustBefore = (await t.gql(trustQuery)).data;
    const versionBefore = await t.app.db.prisma.$queryRaw<
      { version: number }[]
    >`SELECT version FROM trust_state WHERE sensor_id = 'c'`;
    const lastHour = await readingsLastHour();

    const retry = await t.gql(INGEST, { r: batch });
    expect(retry.data!.ingestReadings).toEqual({ accepted: 0, duplicates: 20, rejected: 0, errors: [] });
    expect(await storedCount('c')).toBe(20);
    expect((await t.gql(trustQuery)).data).toEqual(trustBefore);
    const versionAfter = await t.app.db.prisma.$queryRaw<
      { version: number }[]
    >`SELECT version FROM trust_state WHERE sensor_id = 'c'`;
    expect(versionAfter).toEqual(versionBefore);
    expect(await readingsLastHour()).toBe(lastHour);
  });

  it('rejects a batch above MAX_BATCH_SIZE as a whole with BAD_USER_INPUT and stores nothing of it', async () => {
    const batch = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ sensorId: 'd', timestamp: at(59, i), value: 1 }));
    const res = await t.gql(INGEST, { r: batch });
    expect(res.data).toBeNull();
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/at most 50 readings/);
    expect(await storedCount('d')).toBe(0);
  });

  it('reports a non-finite value as INVALID_VALUE (service level: JSON cannot carry NaN, GraphQL Float rejects it)', async () => {
    const out = await t.app.services.readings.ingest([
      { sensorId: 'd', timestamp: new Date(at(10)), value: Number.NaN },
      { sensorId: 'd', timestamp: new Date(at(9)), value: Number.POSITIVE_INFINITY },
      { sensorId: 'd', timestamp: new Date(at(8)), value: 3 },
    ]);
    expect(out).toMatchObject({ accepted: 1, duplicates: 0, rejected: 2 });
    expect(out.errors.map((e) => [e.index, e.code])).toEqual([
      [0, 'INVALID_VALUE'],
      [1, 'INVALID_VALUE'],
    ]);
    // Over GraphQL, a string where a number belongs is one item error too (ingest-values.test.ts).
    const res = await t.gql(INGEST, { r: [{ sensorId: 'd', timestamp: at(7), value: 'NaN' }] });
    expect(res.data!.ingestReadings).toMatchObject({ accepted: 0, rejected: 1 });
    expect(await storedCount('d')).toBe(1);
  });

  it('refuses variables that do not fit with 400, a code and the exact item, before and after the query is compiled', async () => {
    // Mercurius compiles a document on its second use; variables are coerced once, by
    // graphql-js or by the compiled query, and a bad one must read the same every time.
    const query = `mutation Bad($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`;
    const post = (variables: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
    for (let round = 0; round < 4; round++) {
      const bad = await post({
        r: [
          { sensorId: 'd', timestamp: at(6), value: 20 },
          { sensorId: 'd', timestamp: 'yesterday', value: 20 },
        ],
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({
        data: null,
        errors: [
          {
            message: expect.stringMatching(/^Variable "\$r" got invalid value "yesterday" at "r\[1\]\.timestamp"; /),
            locations: [{ line: 1, column: 14 }],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
      const missing = await post({});
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors[0]).toMatchObject({
        message: expect.stringMatching(/"\$r".*was not provided/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
      const good = await post({ r: [{ sensorId: 'd', timestamp: at(6, round), value: 20 }] });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({ data: { ingestReadings: { accepted: 1 } } });
    }
    expect(await storedCount('d')).toBe(1 + 4);
  });

  it('settles sensor groups independently: a group that fails unexpectedly rejects only its own readings', async () => {
    const before = await storedCount('d');
    const broken = {
      sensorId: 'c',
      timestamp: new Date(at(30)),
      get value(): number {
        throw new Error('corrupt item');
      },
    };
    const out = await t.app.services.readings.ingest([
      { sensorId: 'd', timestamp: new Date(at(31)), value: 1 },
      broken,
      { sensorId: 'c', timestamp: new Date(at(29)), value: 2 },
      { sensorId: 'd', timestamp: new Date(at(32)), value: 3 },
    ]);
    expect(out).toMatchObject({ accepted: 2, duplicates: 0, rejected: 2 });
    expect(out.errors.map((e) => [e.index, e.sensorId, e.code])).toEqual([
      [1, 'c', 'INTERNAL_ERROR'],
      [2, 'c', 'INTERNAL_ERROR'],
    ]);
    expect(await storedCount('d')).toBe(before + 2);
  });

  it('stores out-of-order and late readings', async () => {
    const batch = [5, 1, 4, 2, 3].map((m) => ({ sensorId: 'e', timestamp: at(40 - m), value: m }));
    expect((await t.gql(INGEST, { r: batch })).data!.ingestReadings).toMatchObject({ accepted: 5 });
    const late = await t.gql(INGEST, { r: [{ sensorId: 'e', timestamp: at(45), value: 0 }] });
    expect(late.data!.ingestReadings).toMatchObject({ accepted: 1 });
    const stored = await t.gql(`{ sensor(id: "e") { readings { value } } }`);
    expect(stored.data!.sensor.readings.map((r: { value: number }) => r.value)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('neither loses nor doubles rows under concurrent overlapping batches for the same sensors', async () => {
    const sensors = ['a', 'b', 'c', 'd', 'e'];
    const before = Object.fromEntries(await Promise.all(sensors.map(async (s) => [s, await storedCount(s)] as const)));
    // 8 batches over the same 5 sensors; every reading appears in exactly two batches.
    const all = Array.from({ length: 5 * 40 }, (_, i) => ({
      sensorId: sensors[i % 5],
      timestamp: at(20, -Math.floor(i / 5) - 1),
      value: i,
    }));
    const batches = Array.from({ length: 8 }, (_, k) => all.filter((_, i) => i % 4 === k % 4).slice(0, MAX_BATCH));
    const results = await Promise.all(batches.map((r) => t.gql(INGEST, { r })));
    const totals = results.reduce(
      (acc, res) => {
        expect(res.errors).toBeUndefined();
        acc.accepted += res.data!.ingestReadings.accepted;
        acc.duplicates += res.data!.ingestReadings.duplicates;
        return acc;
      },
      { accepted: 0, duplicates: 0 },
    );
    const sent = batches.reduce((n, b) => n + b.length, 0);
    const unique = new Set(batches.flat().map((r) => `${r.sensorId}@${r.timestamp}`)).size;
    expect(totals.accepted).toBe(unique);
    expect(totals.duplicates).toBe(sent - unique);
    let added = 0;
    for (const s of sensors) added += (await storedCount(s)) - before[s]!;
    expect(added).toBe(unique);
  });

  it('publishes ONE ReadingsAdded per batch (with zones) and SensorsUpdated after the rows are committed', async () => {
    const added: ReadingsAddedPayload[] = [];
    const updated: SensorsUpdatedPayload[] = [];
    const visibleAtPublish: Promise<number>[] = [];
    const offAdded = t.app.events.on(Topic.ReadingsAdded, (p) => {
      added.push(p);
      visibleAtPublish.push(storedCount('f'));
    });
    const offUpdated = t.app.events.on(Topic.SensorsUpdated, (p) => updated.push(p));
    const dashboard: unknown[] = [];
    const offDashboard = t.app.events.on(Topic.DashboardChanged, (p) => dashboard.push(p));
    try {
      const countBefore = await storedCount('f');
      // An out-of-range value changes the fresh sensor's trust (OUT_OF_RANGE): it must be announced.
      await t.gql(
        `mutation { upsertSensor(input: { id: "f", name: "F", kind: "temperature", zoneId: "hall", maxValue: 60 }) { id } }`,
      );
      const batch = [
        { sensorId: 'f', timestamp: at(15), value: 20 },
        { sensorId: 'f', timestamp: at(14), value: 500 },
        { sensorId: 'b', timestamp: at(15), value: 20 },
      ];
      const res = await t.gql(INGEST, { r: batch });
      expect(res.data!.ingestReadings.accepted).toBe(3);
      await vi.waitFor(() => {
        expect(added.length).toBeGreaterThan(0);
        expect(updated.flatMap((u) => u.sensors)).toContainEqual({ sensorId: 'f', zoneId: 'hall' });
        expect(dashboard.length).toBeGreaterThan(0);
      });
      expect(added[0]!.readings).toHaveLength(3);
      expect(added[0]!.readings).toContainEqual({ sensorId: 'f', zoneId: 'hall', ts: Date.parse(at(14)), value: 500 });
      expect(await visibleAtPublish[0]).toBe(countBefore + 2);

      // A batch of nothing but duplicates publishes no readings. The bus delivers in order, so a
      // marker batch sent after it arriving as the second message proves that nothing came between
      // (neither a second message for the first batch nor one for the duplicates).
      expect((await t.gql(INGEST, { r: batch })).data!.ingestReadings.duplicates).toBe(3);
      await t.gql(INGEST, { r: [{ sensorId: 'b', timestamp: at(13), value: 21 }] });
      await vi.waitFor(() => expect(added.length).toBeGreaterThanOrEqual(2));
      expect(added).toHaveLength(2);
      expect(added[1]!.readings).toEqual([{ sensorId: 'b', zoneId: 'hall', ts: Date.parse(at(13)), value: 21 }]);
    } finally {
      offAdded();
      offUpdated();
      offDashboard();
    }
  });

  it('finds a sensor registered after its profile was looked up (cache miss → one query)', async () => {
    const res1 = await t.gql(INGEST, { r: [{ sensorId: 'late-comer', timestamp: at(5), value: 1 }] });
    expect(res1.data!.ingestReadings.errors[0].code).toBe('UNKNOWN_SENSOR');
    await t.gql(
      `mutation { upsertSensor(input: { id: "late-comer", name: "L", kind: "temperature", zoneId: "hall" }) { id } }`,
    );
    const res2 = await t.gql(INGEST, { r: [{ sensorId: 'late-comer', timestamp: at(5), value: 1 }] });
    expect(res2.data!.ingestReadings).toMatchObject({ accepted: 1, rejected: 0 });
  });
});
