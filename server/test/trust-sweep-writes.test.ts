// What a time-driven judgement writes. It runs in the owner of the sensors' partition over
// the states it holds: a healthy, reporting sensor's row is not rewritten (its running
// bookkeeping stays in memory until its next write); anything a reader can see (reasons,
// status, history, silence) is written at once, with the owner's checkpoint. DRIFT windows
// are judged with the readings, over the whole zone, not by the sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { entry } from './support/narrow.js';

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
      await t.app.services.trustStream.judgeAt(null, now);
    }
  }, 120_000);
  afterAll(() => t?.close());

  it('leaves healthy reporting sensors unwritten, and writes the silent one', async () => {
    const before = await versions();
    now = new Date(now.getTime() + 30_000);
    await t.app.services.trustStream.judgeAt(null, now);
    const after = await versions();
    for (const id of ['w0', 'w1', 'w2', 'w3']) expect(after[id], id).toBe(before[id]);
    expect(after.w4).toBe(entry(before, 'w4') + 1);
    const silent = await t.gql(`{ sensor(id: "w4") { trust { status reasons { kind } } } }`);
    expect(silent.data!.sensor.trust).toMatchObject({ status: 'OFFLINE', reasons: [{ kind: 'OFFLINE' }] });
  });

  it('judges DRIFT windows with the readings, and a sweep leaves them to the next reading', async () => {
    // Ten more minutes from w0..w3: their windows are judged as the readings are applied.
    const start = T0 + MINUTES * MIN;
    const more = ['w0', 'w1', 'w2', 'w3'].flatMap((id, i) =>
      Array.from({ length: 10 }, (_, m) => ({
        sensorId: id,
        timestamp: new Date(start + m * MIN + 1000),
        value: 21 + i * 0.2 + Math.sin((MINUTES + m) / 7) * 0.3,
      })),
    );
    const before = await judged('w0');
    now = new Date(start + 10 * MIN);
    expect((await t.app.services.readings.ingest(more)).rejected).toBe(0);
    await t.processed();
    await t.app.services.trustStream.judgeAt(null, now); // writes what is in memory
    const stored = await judged('w0');
    expect(stored).toBeGreaterThan(before);
    const versionsBefore = await versions();
    now = new Date(start + 10 * MIN + 30_000);
    await t.app.services.trustStream.judgeAt(null, now);
    expect((await versions()).w0).toBe(versionsBefore.w0);
    expect(await judged('w0')).toBe(stored);
  });
});
