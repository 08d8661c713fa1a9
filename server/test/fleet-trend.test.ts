// The overview's trend: samples of the fleet's figures, one per interval, read back
// through GraphQL on a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TREND = `query($hours: Int) { fleetTrend(hours: $hours) { at sensorCount averageTrust openTickets faulty offline } }`;

describe.each(TARGETS)('fleet trend on %s', (target) => {
  let t: TestApp;
  let clock = T0;

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock), env: { TREND_SAMPLE_SECONDS: '300' } });
    await t.gql(`mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }`);
    for (const id of ['a', 'b']) {
      const res = await t.gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "t", zoneId: "z" }) { id } }`,
        {
          id,
          name: id,
        },
      );
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it('is empty before the first sample', async () => {
    expect(await t.gql(TREND)).toEqual({ data: { fleetTrend: [] } });
  });

  it('stores one sample per interval (a second sample in the same interval is a no-op), oldest first', async () => {
    clock = T0 + 1 * MIN;
    await t.app.services.fleetTrend.sample();
    clock = T0 + 2 * MIN; // same 5-minute interval
    await t.app.services.fleetTrend.sample();
    await t.gql(`mutation { retireSensor(id: "b") { id } }`);
    clock = T0 + 6 * MIN;
    await t.app.services.fleetTrend.sample();

    const res = await t.gql(TREND);
    expect(res.errors).toBeUndefined();
    expect(res.data!.fleetTrend).toEqual([
      { at: iso(T0), sensorCount: 2, averageTrust: 50, openTickets: 0, faulty: 0, offline: 0 },
      { at: iso(T0 + 5 * MIN), sensorCount: 1, averageTrust: 50, openTickets: 0, faulty: 0, offline: 0 },
    ]);
  });

  it('returns only the hours asked for, and refuses a range beyond 7 days', async () => {
    clock = T0 + 90 * MIN;
    expect((await t.gql(TREND, { hours: 1 })).data!.fleetTrend).toEqual([]);
    expect((await t.gql(TREND, { hours: 2 })).data!.fleetTrend).toHaveLength(2);
    const bad = await t.gql(TREND, { hours: 169 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/hours must be a whole number between 1 and 168/);
  });
});
