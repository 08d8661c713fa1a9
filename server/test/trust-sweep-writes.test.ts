// What a sweep writes. A healthy, reporting sensor's sweep only moves the engine's
// drift bookkeeping: this instance carries it in its engine-state cache to the
// sensor's next write instead of rewriting the row every sweep. Anything a reader
// can see (reasons, status, history, silence) is written at once, and so is every
// state read from the database (another instance or a restart), so bookkeeping is
// never lost or counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { entry, first } from './support/narrow.js';

const T0 = Date.parse('2026-11-28T00:00:00.000Z');
const MIN = 60_000;
const SENSORS = ['w0', 'w1', 'w2', 'w3', 'w4'];
const MINUTES = 60;

describe.each(TARGETS)('sweep writes on %s', (target) => {
  let t: TestApp;
  let now = new Date(T0 + MINUTES * MIN);

  const versions = async () => {
    const rows = await t.app.db.prisma.trustState.findMany({
      where: { sensorId: { in: SENSORS } },
      select: { sensorId: true, version: true },
    });
    return Object.fromEntries(rows.map((r) => [r.sensorId, r.version]));
  };
  /** Newest DRIFT window the stored engine state has judged. */
  const judged = async (sensorId: string) => {
    const rows = await t.app.db.prisma.$queryRaw<
      { es: string }[]
    >`SELECT engine_state #>> '{}' AS es FROM trust_state WHERE sensor_id = ${sensorId}`;
    return (JSON.parse(rows[0]!.es) as { dJ: number }).dJ;
  };
  /** …and the one this instance's cached engine state has judged. */
  const cachedJudged = (sensorId: string) => {
    const cache = t.app.services.engineStates;
    const version = first(cache.versions([sensorId]), 'a cached version');
    const state = cache.take(sensorId, version)!;
    cache.put(sensorId, version, state);
    return state.dJ;
  };

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => now });
    expect((await t.gql(`mutation { upsertZone(input: { id: "wz", name: "Writes" }) { id } }`)).errors).toBeUndefined();
    for (const id of SENSORS) {
      const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', unit: '°C', zoneId: 'wz', expectedIntervalSeconds: 60 },
      });
      expect(res.errors).toBeUndefined();
    }
    // An hour of steady readings, one a minute; w4 falls silent ten minutes before the end.
    const readings = SENSORS.flatMap((id, i) =>
      Array.from({ length: MINUTES }, (_, m) => ({
        sensorId: id,
        timestamp: new Date(T0 + m * MIN + 1000),
        value: 21 + i * 0.2 + Math.sin(m / 7) * 0.3,
      })),
    ).filter((r) => r.sensorId !== 'w4' || r.timestamp.getTime() < T0 + (MINUTES - 10) * MIN);
    for (let m = 0; m < MINUTES; m += 5) {
      // Sweeps along the way, as the periodic job would run them: drift learning starts.
      const slice = readings.filter(
        (r) => r.timestamp.getTime() >= T0 + m * MIN && r.timestamp.getTime() < T0 + (m + 5) * MIN,
      );
      now = new Date(T0 + (m + 5) * MIN);
      expect((await t.app.services.readings.ingest(slice)).rejected).toBe(0);
      await t.processed(); // the trust stream has applied them
      await t.app.services.trust.evaluate(null, now);
    }
  }, 120_000);
  afterAll(() => t?.close());

  it('leaves healthy reporting sensors unwritten, and writes the silent one', async () => {
    const before = await versions();
    now = new Date(now.getTime() + 30_000);
    await t.app.services.trust.evaluate(null, now);
    const after = await versions();
    for (const id of ['w0', 'w1', 'w2', 'w3']) expect(after[id], id).toBe(before[id]);
    expect(after.w4).toBe(entry(before, 'w4') + 1);
    const silent = await t.gql(`{ sensor(id: "w4") { trust { status reasons { kind } } } }`);
    expect(silent.data!.sensor.trust).toMatchObject({ status: 'OFFLINE', reasons: [{ kind: 'OFFLINE' }] });
  });

  it("carries the sweep's bookkeeping to the sensor's next write", async () => {
    // Ten more minutes from w0..w3, no sweep: the next sweep closes one more DRIFT window.
    const start = T0 + MINUTES * MIN;
    const more = ['w0', 'w1', 'w2', 'w3'].flatMap((id, i) =>
      Array.from({ length: 10 }, (_, m) => ({
        sensorId: id,
        timestamp: new Date(start + m * MIN + 1000),
        value: 21 + i * 0.2 + Math.sin((MINUTES + m) / 7) * 0.3,
      })),
    );
    now = new Date(start + 10 * MIN);
    expect((await t.app.services.readings.ingest(more)).rejected).toBe(0);
    await t.processed();
    const stored = await judged('w0');
    const before = await versions();
    now = new Date(start + 10 * MIN + 30_000);
    await t.app.services.trust.evaluate(null, now);
    expect((await versions()).w0).toBe(before.w0);
    expect(await judged('w0')).toBe(stored); // not written by the sweep...
    const carried = cachedJudged('w0');
    expect(carried).toBe(stored + 1);
    now = new Date(now.getTime() + 20_000);
    const out = await t.app.services.readings.ingest([
      { sensorId: 'w0', timestamp: new Date(start + 10 * MIN + 10_000), value: 21 },
    ]);
    expect(out.accepted).toBe(1);
    await t.processed();
    expect(await judged('w0')).toBe(carried); // ...but by its next reading
  });

  it('writes every state it had to read from the database (restart, or another instance wrote it)', async () => {
    for (const id of SENSORS) t.app.services.engineStates.drop(id);
    const before = await versions();
    now = new Date(now.getTime() + 30_000);
    await t.app.services.trust.evaluate(null, now);
    const after = await versions();
    for (const id of SENSORS) expect(after[id], id).toBe(before[id]! + 1);
    expect(await judged('w1')).toBe(cachedJudged('w1'));
  });
});
