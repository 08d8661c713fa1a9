// Time-driven judgements of a fleet larger than one zone: every partition's owner judges
// all of its sensors (whole zones, DRIFT peers together) with its checkpoint, and two
// concurrent requests both complete (no global lock: each owner is the one writer).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T00:00:00.000Z');
const ZONES = 3;
const PER_ZONE = 300; // 900 sensors in three zones

describe.each(TARGETS)('fleet judgements on %s', (target) => {
  let t: TestApp;
  let now = new Date(T0 + 20 * 60_000);
  beforeAll(async () => {
    t = await startTestApp(target, { now: () => now });
    const prisma = t.app.db.prisma;
    await prisma.zone.createMany({
      data: Array.from({ length: ZONES }, (_, z) => ({ id: `z${z}`, name: `Zone ${z}` })),
    });
    const sensors = Array.from({ length: ZONES * PER_ZONE }, (_, i) => ({
      id: `s${String(i).padStart(4, '0')}`,
      name: `S${i}`,
      kind: 'temperature',
      unit: '°C',
      zoneId: `z${i % ZONES}`,
    }));
    await prisma.sensor.createMany({ data: sensors });
    await prisma.trustState.createMany({ data: sensors.map((s) => ({ sensorId: s.id })) });
    const readings = sensors.flatMap((s, i) =>
      Array.from({ length: 10 }, (_, k) => ({
        sensorId: s.id,
        timestamp: new Date(T0 + k * 60_000),
        value: 20 + (i % 7) * 0.1 + Math.sin(k) * 0.2,
      })),
    );
    for (let i = 0; i < readings.length; i += 3000) {
      const out = await t.app.services.readings.ingest(readings.slice(i, i + 3000));
      expect(out.rejected).toBe(0);
    }
    await t.processed(); // the trust stream has applied them
  }, 180_000);
  afterAll(() => t?.close());

  it('judges every sensor across chunks and marks the silent fleet OFFLINE', async () => {
    now = new Date(T0 + 3 * 3_600_000);
    const evaluated = await t.app.services.trustStream.judgeAt(null, now);
    expect(evaluated).toBe(ZONES * PER_ZONE);
    const offline = await t.gql(`{ sensors(filter: { status: [OFFLINE] }, first: 1) { totalCount } }`);
    expect(offline.data!.sensors.totalCount).toBe(ZONES * PER_ZONE);
  });

  it('completes two concurrent requests, each counting the fleet', async () => {
    now = new Date(T0 + 4 * 3_600_000);
    const [a, b] = await Promise.all([
      t.app.services.trustStream.judgeAt(null, now),
      t.app.services.trustStream.judgeAt(['s0000', 'nope'], now),
    ]);
    expect([a, b]).toEqual([ZONES * PER_ZONE, 1]);
  });
});
