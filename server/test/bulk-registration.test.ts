// upsertSensors / upsertZones: per-item outcomes (good, bad, duplicate in the batch,
// update of an existing item, unknown zone), one bad item never sinking the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const UPSERT_ZONES = `mutation($inputs: [ZoneInput!]!) {
  upsertZones(inputs: $inputs) { created updated rejected errors { index id code field } outcomes { index id status code } }
}`;
const UPSERT_SENSORS = `mutation($inputs: [SensorInput!]!) {
  upsertSensors(inputs: $inputs) { created updated rejected errors { index id code field message } outcomes { index id status code } }
}`;

describe.each(TARGETS)('bulk registration on %s', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target, { env: { MAX_BATCH_SIZE: '5000' } });
  });
  afterAll(() => t?.close());

  it('creates, updates and refuses zones item by item', async () => {
    await t.gql(`mutation { upsertZone(input: { id: "old", name: "Old" }) { id } }`);
    const res = await t.gql(UPSERT_ZONES, {
      inputs: [
        { id: 'north', name: 'North' },
        { id: 'old', name: 'Renamed', description: 'moved' },
        { id: 'bad id!', name: 'X' },
        { id: 'north', name: 'Again' },
      ],
    });
    expect(res.errors).toBeUndefined();
    const r = res.data!.upsertZones;
    expect(r).toMatchObject({ created: 1, updated: 1, rejected: 2 });
    expect(r.outcomes.map((o: { status: string }) => o.status)).toEqual(['CREATED', 'UPDATED', 'REJECTED', 'REJECTED']);
    expect(r.errors).toEqual([
      { index: 2, id: 'bad id!', code: 'INVALID_INPUT', field: 'id' },
      { index: 3, id: 'north', code: 'DUPLICATE_ID', field: null },
    ]);
    const zones = await t.gql(`{ a: zone(id: "old") { name description } b: zone(id: "north") { name } }`);
    expect(zones.data).toEqual({ a: { name: 'Renamed', description: 'moved' }, b: { name: 'North' } });
  });

  it('registers good sensors, updates existing ones and gives each bad one a coded outcome', async () => {
    await t.gql(`mutation { upsertSensor(input: { id: "s-old", name: "Old", kind: "co2", zoneId: "old" }) { id } }`);
    const res = await t.gql(UPSERT_SENSORS, {
      inputs: [
        { id: 's-1', name: 'One', kind: 'temperature', unit: '°C', zoneId: 'north', minValue: -20, maxValue: 60 },
        { id: 's-old', name: 'Old renamed', kind: 'co2', zoneId: 'north', expectedIntervalSeconds: 30 },
        { id: 's-2', name: 'Two', kind: 'temperature', zoneId: 'nowhere' },
        { id: 's-3', name: 'Three', kind: 'temperature', minValue: 5, maxValue: 1 },
        { id: 's-1', name: 'One again', kind: 'humidity' },
        { id: 's-4', name: ' ', kind: 'humidity' },
        { id: 's-5', name: 'Five', kind: 'humidity', expectedIntervalSeconds: 0 },
        { id: 's-6', name: 'Six', kind: 'pressure' },
      ],
    });
    expect(res.errors).toBeUndefined();
    const r = res.data!.upsertSensors;
    expect(r).toMatchObject({ created: 2, updated: 1, rejected: 5 });
    expect(r.outcomes.map((o: { status: string; code: string | null }) => o.code ?? o.status)).toEqual([
      'CREATED',
      'UPDATED',
      'UNKNOWN_ZONE',
      'INVALID_INPUT',
      'DUPLICATE_ID',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'CREATED',
    ]);
    expect(r.errors.map((e: { field: string | null }) => e.field)).toEqual([
      'zoneId',
      'minValue',
      null,
      'name',
      'expectedIntervalSeconds',
    ]);
    expect(r.errors[0].message).toMatch(/Zone "nowhere" does not exist/);

    const read = await t.gql(`{
      a: sensor(id: "s-1") { name kind unit minValue maxValue zone { id } trust { status score } }
      b: sensor(id: "s-old") { name expectedIntervalSeconds zone { id } }
      c: sensor(id: "s-2") { id }
      d: sensor(id: "s-6") { zone { id } expectedIntervalSeconds trust { status } }
    }`);
    expect(read.data).toEqual({
      a: {
        name: 'One',
        kind: 'temperature',
        unit: '°C',
        minValue: -20,
        maxValue: 60,
        zone: { id: 'north' },
        trust: { status: 'UNKNOWN', score: 50 },
      },
      b: { name: 'Old renamed', expectedIntervalSeconds: 30, zone: { id: 'north' } },
      c: null,
      d: { zone: null, expectedIntervalSeconds: 60, trust: { status: 'UNKNOWN' } },
    });
  });

  it('applies an update to readings judged after it (the profile cache forgets the sensor)', async () => {
    const now = Date.now();
    await t.gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: [{ sensorId: 's-6', timestamp: new Date(now - 60_000).toISOString(), value: 50 }],
    });
    await t.gql(UPSERT_SENSORS, { inputs: [{ id: 's-6', name: 'Six', kind: 'pressure', minValue: 0, maxValue: 10 }] });
    await t.gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: [{ sensorId: 's-6', timestamp: new Date(now - 30_000).toISOString(), value: 500 }],
    });
    const res = await t.gql(`{ sensor(id: "s-6") { trust { reasons { kind } } } }`);
    expect(res.data!.sensor.trust.reasons.map((r: { kind: string }) => r.kind)).toContain('OUT_OF_RANGE');
  });

  it('registers a batch of 5,000 in one call and refuses a batch over MAX_BATCH_SIZE whole', async () => {
    const inputs = Array.from({ length: 5000 }, (_, i) => ({
      id: `bulk-${i}`,
      name: `Bulk ${i}`,
      kind: 'temperature',
      zoneId: i % 2 ? 'north' : 'old',
    }));
    const res = await t.gql(UPSERT_SENSORS, { inputs });
    expect(res.errors).toBeUndefined();
    expect(res.data!.upsertSensors).toMatchObject({ created: 5000, updated: 0, rejected: 0 });
    const count = await t.gql(`{ sensors(filter: { zoneId: "north" }, first: 1) { totalCount } }`);
    expect(count.data!.sensors.totalCount).toBe(2502);
    const over = await t.gql(UPSERT_SENSORS, { inputs: [...inputs, { id: 'one-more', name: 'M', kind: 't' }] });
    expect(over.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(over.errors?.[0]?.message).toMatch(/at most 5000 sensors/);
  });
});
