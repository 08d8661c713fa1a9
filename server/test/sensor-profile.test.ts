// Ingestion (the profile cache, from Prisma rows) and the trust stream (the cache's loader in
// its transaction, SQL; its time-driven judgements use the same profiles) build the engine's
// SensorProfile from one list (sensor-profile.ts): they must agree on every field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENSOR_PROFILE_COLUMNS } from '../src/modules/sensors/sensor-profile.js';
import { createTrustStreamRepository } from '../src/modules/trust/trust-stream-repository.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe.each(TARGETS)('sensor profile on %s', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target);
    expect(
      (await t.gql(`mutation { upsertZone(input: { id: "pz", name: "Profiles" }) { id } }`)).errors,
    ).toBeUndefined();
    const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: {
        id: 'p1',
        name: 'Profiled',
        kind: 'co2',
        unit: 'ppm',
        zoneId: 'pz',
        minValue: 350,
        maxValue: 5000,
        expectedIntervalSeconds: 30,
        heartbeatSeconds: 900,
      },
    });
    expect(res.errors).toBeUndefined();
    const retired = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: { id: 'p2', name: 'Retired', kind: 'co2', zoneId: 'pz' },
    });
    expect(retired.errors).toBeUndefined();
    expect((await t.gql(`mutation { retireSensor(id: "p2") { id } }`)).errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('ingestion reads every profile field', async () => {
    const ingestion = (await t.app.services.sensorProfiles.resolve(['p1'])).get('p1');
    expect(ingestion).toEqual({
      id: 'p1',
      kind: 'co2',
      unit: 'ppm',
      zoneId: 'pz',
      minValue: 350,
      maxValue: 5000,
      expectedIntervalSeconds: 30,
      heartbeatSeconds: 900,
    });
    expect(Object.keys(ingestion ?? {}).sort()).toEqual(Object.keys(SENSOR_PROFILE_COLUMNS).sort());
  });

  it('the trust stream loads the same profile through the cache, and tells retired sensors apart', async () => {
    const cache = t.app.services.sensorProfiles;
    const ingestion = (await cache.resolve(['p1'])).get('p1');
    cache.clear(); // the stream's loader runs only for sensors the cache does not hold
    const retired = new Set<string>();
    const stream = await t.app.db.transaction((tx) =>
      cache.resolve(['p1', 'p2'], (ids) => createTrustStreamRepository().sensors(tx, ids), retired),
    );
    expect([...stream.keys()]).toEqual(['p1']);
    expect(stream.get('p1')).toEqual(ingestion);
    expect([...retired]).toEqual(['p2']);
  });
});
