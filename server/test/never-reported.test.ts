// A registered sensor that never sends a reading is OFFLINE ("never reported") once its
// expected intervals have passed since registration, not UNKNOWN "no problems" for ever;
// an advisory: no ticket. Its first reading clears it. Through the app, the sweep and the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const TRUST = `{ sensor(id: "quiet") { trust { status reasons { kind active advisory message } } tickets { id } } }`;

describe.each(TARGETS)('never-reported sensors on %s', (target) => {
  let t: TestApp;
  let clock = Date.now();

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock) });
    const res = await t.gql(
      `mutation { upsertSensor(input: { id: "quiet", name: "Quiet", kind: "temperature", expectedIntervalSeconds: 60 }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('is UNKNOWN at first, OFFLINE "never reported" after its intervals, and clears on its first reading', async () => {
    await t.gql(`mutation { evaluateTrust }`);
    expect((await t.gql(TRUST)).data!.sensor.trust.status).toBe('UNKNOWN');
    clock += 30 * 60_000;
    await t.gql(`mutation { evaluateTrust }`);
    const late = (await t.gql(TRUST)).data!.sensor;
    expect(late.trust.status).toBe('OFFLINE');
    expect(late.trust.reasons).toEqual([
      expect.objectContaining({
        kind: 'OFFLINE',
        active: true,
        advisory: true,
        message: expect.stringMatching(/^never reported/),
      }),
    ]);
    expect(late.tickets).toEqual([]);
    const dashboard = await t.gql(`{ dashboardSummary { statusCounts { status count } } }`);
    expect(dashboard.data!.dashboardSummary.statusCounts).toContainEqual({ status: 'OFFLINE', count: 1 });
    const ingest = await t.gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: [{ sensorId: 'quiet', timestamp: new Date(clock).toISOString(), value: 21 }],
    });
    expect(ingest.data!.ingestReadings.accepted).toBe(1);
    const back = (await t.gql(TRUST)).data!.sensor.trust;
    expect(back.status).not.toBe('OFFLINE');
    expect(back.reasons.filter((r: { active: boolean }) => r.active)).toEqual([]);
  });
});
