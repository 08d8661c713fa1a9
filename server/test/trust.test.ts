// The trust shell through the real app: verdicts right after ingest, history points,
// persisted engine state surviving a restart, the offline sweep and its job.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Topic, type SensorsUpdatedPayload } from '../src/events/topics.js';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T00:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;
const TRUST = `query($id: ID!) { sensor(id: $id) {
  trust { score status severity reasons { kind severity message since } }
  trustHistory { at score status }
} }`;

/** A deterministic signal with noise, a spike, an out-of-range stretch and a stuck tail. */
function signal(n: number): { ts: number; value: number }[] {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, (_, i) => {
    let value = 21 + Math.sin(i / 20) + 0.2 * rand();
    if (i === 90) value += 15;
    if (i >= 140 && i < 143) value = 80;
    if (i >= n - 40) value = 21.25;
    return { ts: T0 + i * 60_000, value: Math.round(value * 1000) / 1000 };
  });
}

const toInput = (sensorId: string) => (r: { ts: number; value: number }) => ({
  sensorId,
  timestamp: new Date(r.ts).toISOString(),
  value: r.value,
});

async function register(t: TestApp, id: string, extra: Record<string, unknown> = {}) {
  const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
    i: { id, name: id, kind: 'temperature', unit: '°C', minValue: -20, maxValue: 60, ...extra },
  });
  expect(res.errors).toBeUndefined();
}

describe.each(TARGETS)('trust shell on %s', (target) => {
  let now = T0 + 400 * 60_000;
  const clock = () => new Date(now);
  let database: TestDatabase;
  let dataDir: string;
  let t: TestApp;

  const start = () =>
    startTestApp(target, {
      database,
      now: clock,
      inMemoryDatabase: false,
      env: { DATA_DIR: dataDir },
    });

  beforeAll(async () => {
    database = await createTestDatabase(target);
    dataDir = await mkdtemp(join(tmpdir(), 'trust-test-'));
    t = await start();
    for (const id of ['whole', 'halves', 'quiet', 'hot']) await register(t, id);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives a stream fed in two halves with a restart in between the same verdict and history as in one go', async () => {
    const readings = signal(300);
    const one = await t.gql(INGEST, { r: readings.map(toInput('whole')) });
    expect(one.data!.ingestReadings.accepted).toBe(300);
    const first = await t.gql(INGEST, { r: readings.slice(0, 150).map(toInput('halves')) });
    expect(first.data!.ingestReadings.accepted).toBe(150);

    await t.close();
    t = await start(); // same DATA_DIR / same database, empty in-process caches

    const second = await t.gql(INGEST, { r: readings.slice(150).map(toInput('halves')) });
    expect(second.data!.ingestReadings.accepted).toBe(150);
    const whole = (await t.gql(TRUST, { id: 'whole' })).data!.sensor;
    const halves = (await t.gql(TRUST, { id: 'halves' })).data!.sensor;
    expect(whole.trust.reasons.map((r: { kind: string }) => r.kind)).toContain('STUCK');
    expect(halves).toEqual(whole);
    expect(whole.trustHistory.length).toBeGreaterThan(1);
    // Event time: history points carry the readings' timestamps, not the server clock.
    for (const p of whole.trustHistory) {
      expect(Date.parse(p.at)).toBeGreaterThanOrEqual(T0);
      expect(Date.parse(p.at)).toBeLessThanOrEqual(readings[299]!.ts);
    }
  });

  it('reports OUT_OF_RANGE in the trust reasons right after the ingest that carried it, and announces it', async () => {
    const updated: SensorsUpdatedPayload[] = [];
    const off = t.app.events.on(Topic.SensorsUpdated, (p) => updated.push(p));
    try {
      const ok = signal(20).map(toInput('hot'));
      await t.gql(INGEST, { r: ok });
      const res = await t.gql(INGEST, {
        r: [{ sensorId: 'hot', timestamp: new Date(T0 + 20 * 60_000).toISOString(), value: 250 }],
      });
      expect(res.data!.ingestReadings.accepted).toBe(1);
      const trust = (await t.gql(TRUST, { id: 'hot' })).data!.sensor.trust;
      expect(trust.reasons.map((r: { kind: string }) => r.kind)).toContain('OUT_OF_RANGE');
      expect(trust.status).not.toBe('HEALTHY');
      const oor = trust.reasons.find((r: { kind: string }) => r.kind === 'OUT_OF_RANGE');
      expect(oor.since).toBe(new Date(T0 + 20 * 60_000).toISOString());
      await vi.waitFor(() => expect(updated.flatMap((u) => u.sensors.map((s) => s.sensorId))).toContain('hot'));
    } finally {
      off();
    }
  });

  it('evaluateTrust marks a sensor OFFLINE once it has been silent for several intervals', async () => {
    const readings = signal(30).map((r) => ({ ...r, ts: r.ts + 370 * 60_000 })); // ends at T0 + 399 min
    await t.gql(INGEST, { r: readings.map(toInput('quiet')) });
    const before = (await t.gql(TRUST, { id: 'quiet' })).data!.sensor.trust;
    expect(before.status).not.toBe('OFFLINE');

    now += 60 * 60_000;
    const res = await t.gql(`mutation { evaluateTrust(sensorIds: ["quiet"]) }`);
    expect(res.data!.evaluateTrust).toBe(1);
    const after = (await t.gql(TRUST, { id: 'quiet' })).data!.sensor;
    expect(after.trust.status).toBe('OFFLINE');
    expect(after.trust.reasons.map((r: { kind: string }) => r.kind)).toContain('OFFLINE');
    expect(after.trustHistory.at(-1)).toMatchObject({ status: 'OFFLINE', at: new Date(now).toISOString() });

    const all = await t.gql(`mutation { evaluateTrust }`);
    expect(all.data!.evaluateTrust).toBe(4);
  });

  it('runs the periodic sweep when background jobs are on', async () => {
    const jobDb = await createTestDatabase(target);
    let jobNow = T0 + 60 * 60_000;
    const job = await startTestApp(target, {
      database: jobDb,
      now: () => new Date(jobNow),
      backgroundJobs: true,
      env: { SWEEP_INTERVAL_SECONDS: '1' },
    });
    try {
      await register(job, 'silent');
      await job.gql(INGEST, { r: signal(60).map(toInput('silent')) });
      jobNow += 2 * 60 * 60_000;
      await vi.waitFor(
        async () => expect((await job.gql(TRUST, { id: 'silent' })).data!.sensor.trust.status).toBe('OFFLINE'),
        { timeout: 10_000, interval: 250 },
      );
    } finally {
      await job.close();
      await jobDb.drop();
    }
  });
});

describe('trust config file', () => {
  it('fails fast at start-up with a message naming the file and the bad key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trust-config-'));
    const file = join(dir, 'trust.json');
    await writeFile(file, JSON.stringify({ byKind: { temperature: { spikeK: -1 } } }));
    try {
      await expect(startTestApp('pglite', { env: { TRUST_CONFIG_FILE: file } })).rejects.toThrow(
        /TRUST_CONFIG_FILE .*trust\.json.*spikeK/,
      );
      await writeFile(file, '{ not json');
      await expect(startTestApp('pglite', { env: { TRUST_CONFIG_FILE: file } })).rejects.toThrow(/not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
