// The registry API (zones and sensors) against a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const UPSERT_ZONE = `mutation($input: ZoneInput!) { upsertZone(input: $input) { id name description } }`;
const UPSERT_SENSOR = `mutation($input: SensorInput!) {
  upsertSensor(input: $input) { id name kind unit minValue maxValue expectedIntervalSeconds zone { id } trust { score status severity reasons { kind } } }
}`;

describe.each(TARGETS)('registry on %s', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target);
    for (const zone of ['hall', 'lab']) await t.gql(UPSERT_ZONE, { input: { id: zone, name: zone.toUpperCase() } });
    for (let i = 0; i < 5; i++) {
      const res = await t.gql(UPSERT_SENSOR, {
        input: {
          id: `t-${i}`,
          name: `Temp ${i}`,
          kind: 'temperature',
          unit: '°C',
          zoneId: i < 3 ? 'hall' : 'lab',
          minValue: -20,
          maxValue: 60,
        },
      });
      expect(res.errors).toBeUndefined();
    }
    await t.gql(UPSERT_SENSOR, { input: { id: 'h-1', name: 'Humidity', kind: 'humidity', zoneId: 'lab' } });
  });
  afterAll(() => t?.close());

  it('creates a sensor as UNKNOWN with the documented initial score 50 and default interval 60 s', async () => {
    const res = await t.gql(UPSERT_SENSOR, { input: { id: 'new-1', name: 'New', kind: 'co2' } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.upsertSensor).toEqual({
      id: 'new-1',
      name: 'New',
      kind: 'co2',
      unit: null,
      minValue: null,
      maxValue: null,
      expectedIntervalSeconds: 60,
      zone: null,
      trust: { score: 50, status: 'UNKNOWN', severity: 'NONE', reasons: [] },
    });
  });

  it('updates an existing zone and sensor in place', async () => {
    await t.gql(UPSERT_ZONE, { input: { id: 'hall', name: 'Main hall', description: 'ground floor' } });
    const res = await t.gql(`{ zone(id: "hall") { name description } }`);
    expect(res.data!.zone).toEqual({ name: 'Main hall', description: 'ground floor' });
    const upd = await t.gql(UPSERT_SENSOR, {
      input: {
        id: 't-0',
        name: 'Temp zero',
        kind: 'temperature',
        unit: '°C',
        zoneId: 'hall',
        minValue: -10,
        maxValue: 50,
        expectedIntervalSeconds: 30,
      },
    });
    expect(upd.data!.upsertSensor).toMatchObject({
      name: 'Temp zero',
      minValue: -10,
      maxValue: 50,
      expectedIntervalSeconds: 30,
    });
    const count = await t.gql(`{ sensors(first: 100) { totalCount } }`);
    expect(count.data!.sensors.totalCount).toBe(7);
  });

  it.each([
    ['minValue >= maxValue', { id: 'bad', name: 'B', kind: 't', minValue: 10, maxValue: 10 }, /minValue/],
    ['interval <= 0', { id: 'bad', name: 'B', kind: 't', expectedIntervalSeconds: 0 }, /expectedIntervalSeconds/],
    ['unknown zone', { id: 'bad', name: 'B', kind: 't', zoneId: 'nowhere' }, /Zone "nowhere" does not exist/],
    ['empty id', { id: '  ', name: 'B', kind: 't' }, /id must not be empty/],
    ['empty name', { id: 'bad', name: '', kind: 't' }, /name must not be empty/],
    ['id too long', { id: 'x'.repeat(129), name: 'B', kind: 't' }, /limit is 128/],
    ['id with spaces', { id: 'a b', name: 'B', kind: 't' }, /may contain only/],
  ])('rejects a sensor with %s as BAD_USER_INPUT', async (_label, input, message) => {
    const res = await t.gql(UPSERT_SENSOR, { input });
    expect(res.data).toBeNull();
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(message);
    const stored = await t.gql(`{ sensor(id: "bad") { id } }`);
    expect(stored.data!.sensor).toBeNull();
  });

  it('rejects an empty zone id or name', async () => {
    const res = await t.gql(UPSERT_ZONE, { input: { id: '', name: 'x' } });
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const res2 = await t.gql(UPSERT_ZONE, { input: { id: 'ok', name: ' ' } });
    expect(res2.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('filters sensors by zone, kind and status', async () => {
    const byZone = await t.gql(`{ sensors(filter: { zoneId: "lab" }) { totalCount nodes { id } } }`);
    expect(byZone.data!.sensors.nodes.map((s: { id: string }) => s.id)).toEqual(['h-1', 't-3', 't-4']);
    const byKind = await t.gql(`{ sensors(filter: { kind: "humidity" }) { totalCount } }`);
    expect(byKind.data!.sensors.totalCount).toBe(1);
    const unknown = await t.gql(`{ sensors(filter: { status: [UNKNOWN] }) { totalCount } }`);
    expect(unknown.data!.sensors.totalCount).toBe(7);
    const healthy = await t.gql(`{ sensors(filter: { status: [HEALTHY, FAULTY] }) { totalCount nodes { id } } }`);
    expect(healthy.data!.sensors).toEqual({ totalCount: 0, nodes: [] });
  });

  it('pages through sensors with first/after cursors, no repeats, no gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: any = await t.gql(
        `query($after: String) { sensors(first: 3, after: $after) { totalCount nodes { id } pageInfo { endCursor hasNextPage } } }`,
        { after },
      );
      seen.push(...res.data.sensors.nodes.map((s: { id: string }) => s.id));
      if (!res.data.sensors.pageInfo.hasNextPage) break;
      after = res.data.sensors.pageInfo.endCursor;
    }
    expect(seen).toEqual(['h-1', 'new-1', 't-0', 't-1', 't-2', 't-3', 't-4']);
    const bad = await t.gql(`{ sensors(after: "???") { totalCount } }`);
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const tooMany = await t.gql(`{ sensors(first: 100000) { totalCount } }`);
    expect(tooMany.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('resolves zones with sensors and stats', async () => {
    const res = await t.gql(
      `{ zones { id sensors { id } stats { zoneId zoneName sensorCount averageTrust openTickets statusCounts { status count } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const lab = res.data!.zones.find((z: { id: string }) => z.id === 'lab');
    expect(lab.sensors.map((s: { id: string }) => s.id)).toEqual(['h-1', 't-3', 't-4']);
    expect(lab.stats).toMatchObject({
      zoneId: 'lab',
      zoneName: 'LAB',
      sensorCount: 3,
      // No sensor has reported yet: a zone's trust averages only the sensors that report.
      averageTrust: null,
      openTickets: 0,
    });
    expect(lab.stats.statusCounts).toContainEqual({ status: 'UNKNOWN', count: 3 });
  });

  it('answers trustScores, tickets and single lookups', async () => {
    const res = await t.gql(
      `{ trustScores(filter: { zoneId: "hall" }) { sensorId score status } tickets { totalCount nodes { id } pageInfo { hasNextPage } } ticket(id: "nope") { id } sensor(id: "nope") { id } zone(id: "nope") { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.trustScores.map((s: { sensorId: string }) => s.sensorId)).toEqual(['t-0', 't-1', 't-2']);
    expect(res.data!.tickets).toEqual({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false } });
    expect(res.data!.ticket).toBeNull();
    expect(res.data!.sensor).toBeNull();
    expect(res.data!.zone).toBeNull();
  });

  it('gives validation errors a code and masks nothing the client needs', async () => {
    const res = await t.gql(`{ sensors { nodes { nope } } }`);
    expect(res.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0]!.message).toMatch(/nope/);
  });
});
