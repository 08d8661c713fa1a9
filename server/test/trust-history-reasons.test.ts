// Why a sensor was not healthy at a past moment (TrustPoint.reasons, stored with every
// trust-history point), and awaitTrust: the documented wait until the trust stream has
// applied everything accepted before the call, without a sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T00:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`;
const HISTORY = `query($id: ID!) { sensor(id: $id) {
  trust { status reasons { kind severity active } }
  trustHistory { at score status reasons { kind severity advisory } }
} }`;
const AWAIT = `query($ms: Int) { awaitTrust(timeoutMs: $ms) { position oldestUnprocessedMs } }`;

interface Point {
  at: string;
  status: string;
  reasons: { kind: string; severity: string; advisory: boolean }[];
}

const reading = (sensorId: string, minute: number, value: number) => ({
  sensorId,
  timestamp: new Date(T0 + minute * 60_000).toISOString(),
  value,
});

describe.each(TARGETS)('trust history reasons and awaitTrust on %s', (target) => {
  let database: TestDatabase;
  let t: TestApp;
  let other: TestApp | undefined;
  const start = () =>
    // A slow stream tick: only the wait (or the ingest's own kick) gets readings applied soon.
    startTestApp(target, {
      database,
      now: () => new Date(T0 + 200 * 60_000),
      env: { TRUST_STREAM_INTERVAL_MS: '5000' },
    });

  beforeAll(async () => {
    database = await createTestDatabase(target);
    t = await start();
    for (const id of ['hot', 'wait'])
      expect(
        (
          await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
            i: { id, name: id, kind: 'temperature', unit: '°C', minValue: -20, maxValue: 60 },
          })
        ).errors,
      ).toBeUndefined();
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await database?.drop();
  });

  it('keeps the fault kinds active at each history point, with their severity then', async () => {
    const healthy = Array.from({ length: 40 }, (_, i) => reading('hot', i, 21 + Math.sin(i / 5) * 0.3));
    const hot = Array.from({ length: 5 }, (_, i) => reading('hot', 40 + i, 250));
    const back = Array.from({ length: 60 }, (_, i) => reading('hot', 45 + i, 21 + Math.sin(i / 5) * 0.3));
    for (const batch of [healthy, hot, back]) await t.gql(INGEST, { r: batch });

    const got = await t.gql(HISTORY, { id: 'hot' });
    expect(got.errors).toBeUndefined();
    const sensor = got.data!.sensor;
    const history = sensor.trustHistory as Point[];
    const bad = history.filter((p) => p.status === 'DEGRADED' || p.status === 'FAULTY');
    expect(bad.length).toBeGreaterThan(0);
    // The point where it turned unhealthy says why: out of range, at the severity the verdict had.
    const turned = bad[0]!;
    expect(Date.parse(turned.at)).toBeGreaterThanOrEqual(T0 + 40 * 60_000);
    const oor = turned.reasons.find((r) => r.kind === 'OUT_OF_RANGE');
    expect(oor).toBeDefined();
    expect(['MEDIUM', 'HIGH', 'CRITICAL']).toContain(oor!.severity);
    expect(oor!.advisory).toBe(false);
    // Before the hot readings nothing was wrong; every reason listed is a real fault kind.
    for (const p of history.filter((q) => Date.parse(q.at) < T0 + 40 * 60_000))
      expect(p.reasons.filter((r) => !r.advisory)).toEqual([]);
    // Highest severity first.
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
    for (const p of history) {
      const ranks = p.reasons.map((r) => order.indexOf(r.severity));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
    // The last point agrees with the current verdict's active kinds.
    const last = history.at(-1)!;
    const activeNow = (sensor.trust.reasons as { kind: string; active: boolean }[])
      .filter((r) => r.active)
      .map((r) => r.kind)
      .sort();
    if (last.status === sensor.trust.status) expect(last.reasons.map((r) => r.kind).sort()).toEqual(activeNow);
  });

  it('includePrevious adds the newest point before the range: the trust the range starts with', async () => {
    const all = (await t.gql(HISTORY, { id: 'hot' })).data!.sensor.trustHistory as Point[];
    expect(all.length).toBeGreaterThan(2);
    const last = all.at(-1)!;
    const later = new Date(Date.parse(last.at) + 60_000).toISOString();
    const RANGE = `query($id: ID!, $from: DateTime!, $p: Boolean) { sensor(id: $id) {
      trustHistory(from: $from, includePrevious: $p) { at status reasons { kind } } } }`;
    const without = await t.gql(RANGE, { id: 'hot', from: later, p: false });
    expect(without.data!.sensor.trustHistory).toEqual([]);
    const withPrevious = await t.gql(RANGE, { id: 'hot', from: later, p: true });
    expect(withPrevious.data!.sensor.trustHistory).toEqual([
      { at: last.at, status: last.status, reasons: last.reasons.map((r) => ({ kind: r.kind })) },
    ]);
    // Inside the history: the point before, then the range's own, oldest first.
    const middle = all[Math.floor(all.length / 2)]!;
    const inside = (await t.gql(RANGE, { id: 'hot', from: middle.at, p: true })).data!.sensor.trustHistory as Point[];
    const index = all.indexOf(middle);
    expect(inside.map((p) => p.at)).toEqual(all.slice(index - 1).map((p) => p.at));
  });

  it('awaitTrust returns once the readings accepted before it are applied, and refuses a bad timeout', async () => {
    const batch = Array.from({ length: 30 }, (_, i) => reading('wait', i, i < 25 ? 21 : 300));
    const ingest = await t.gqlNow(INGEST, { r: batch });
    expect(ingest.data!.ingestReadings.accepted).toBe(30);
    const waited = await t.gqlNow(AWAIT, { ms: 20_000 });
    expect(waited.errors).toBeUndefined();
    expect(waited.data!.awaitTrust.oldestUnprocessedMs).toBeGreaterThanOrEqual(0);
    // Read without any further wait: the verdict includes the last readings.
    const trust = (await t.gqlNow(HISTORY, { id: 'wait' })).data!.sensor.trust;
    expect(trust.reasons.map((r: { kind: string }) => r.kind)).toContain('OUT_OF_RANGE');

    for (const ms of [-1, 60_001]) {
      const bad = await t.gqlNow(AWAIT, { ms });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('awaitTrust answers TRUST_LAG_TIMEOUT while no instance applies trust, and returns once another one does', async () => {
    // This instance stops applying trust (as if its stream had died); its API still answers.
    await t.app.services.trustStream.stop();
    await t.gqlNow(INGEST, { r: [reading('wait', 31, 21), reading('wait', 32, 400)] });
    const started = performance.now();
    const res = await t.gqlNow(AWAIT, { ms: 300 });
    expect(res.errors?.[0]?.extensions?.code).toBe('TRUST_LAG_TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    // A second instance on the same database takes the stream over; the wait on the first returns.
    if (target === 'pglite') return; // one embedded database serves one process
    other = await start();
    const waited = await t.gqlNow(AWAIT, { ms: 30_000 });
    expect(waited.errors).toBeUndefined();
  });
});
