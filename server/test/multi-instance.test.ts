// Two real server processes on one PostgreSQL and one Redis: an event produced
// on one instance reaches subscribers on the other (mqemitter-redis), each
// instance pushes its own coalesced dashboardUpdated exactly once per window,
// and the shared Redis cache is invalidated for every instance by a write on any.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisReachable, redisUrl } from './support/redis.js';
import { createTestDatabase, postgresReachable, type TestDatabase } from './support/databases.js';
import { collect, connected, sleep, wsClient } from './support/graphql-ws-client.js';
import { gqlHttp, startServerProcess, type ServerProcess } from './support/server-process.js';

const pg = await postgresReachable();
const redis = await redisReachable();
if (!pg || !redis) {
  console.warn(
    `multi-instance test skipped: needs PostgreSQL (DATABASE_URL=postgres://postgres@127.0.0.1:5432/test: ${pg ? 'ok' : process.env.DATABASE_URL ? 'unreachable' : 'not set'}) ` +
      `and Redis (REDIS_URL=${redisUrl}, ${redis ? 'ok' : 'unreachable'}).`,
  );
}

const READING_ADDED = `subscription($sensorId: ID, $zoneId: ID) { readingAdded(sensorId: $sensorId, zoneId: $zoneId) { sensorId value } }`;
const DASHBOARD = `subscription { dashboardUpdated { sensorCount readingsLastHour generatedAt } }`;
const SENSOR_UPDATED = `subscription($sensorId: ID) { sensorUpdated(sensorId: $sensorId) { id name zone { id } } }`;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;
const SUMMARY = `{ dashboardSummary { sensorCount } }`;

describe.skipIf(!pg || !redis)('two instances on one PostgreSQL and one Redis', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = {
      DATABASE_URL: db.url!,
      REDIS_URL: redisUrl,
      DASHBOARD_COALESCE_MS: '200',
      SWEEP_INTERVAL_SECONDS: '0',
      DB_POOL_SIZE: '4',
    };
    a = await startServerProcess(env); // migrates first
    b = await startServerProcess(env);
    const reg = await gqlHttp(
      a.url,
      `mutation {
      east: upsertZone(input: { id: "east", name: "East" }) { id }
      west: upsertZone(input: { id: "west", name: "West" }) { id }
    }`,
    );
    expect(reg.errors).toBeUndefined();
    for (const [id, zoneId] of [
      ['m1', 'east'],
      ['m2', 'west'],
      ['m3', 'east'],
      ['probe', 'west'],
    ]) {
      const res = await gqlHttp(
        a.url,
        `mutation($id: ID!, $n: String!, $z: ID) { upsertSensor(input: { id: $id, name: $n, kind: "temperature", zoneId: $z }) { id } }`,
        { id, n: id, z: zoneId },
      );
      expect(res.errors).toBeUndefined();
    }
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    const codes = await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  });

  it('delivers events produced on one instance to filtered subscribers on the other, and dashboard pushes once per instance', async () => {
    const onB = wsClient(b.url, { lazy: false });
    const onA = wsClient(a.url, { lazy: false });
    clients.push(onA, onB);
    await Promise.all([connected(onB), connected(onA)]);
    const m1 = collect(onB, READING_ADDED, { sensorId: 'm1' });
    const east = collect(onB, READING_ADDED, { zoneId: 'east' });
    const sensorM1 = collect(onB, SENSOR_UPDATED, { sensorId: 'm1' });
    const dashB = collect(onB, DASHBOARD);
    const dashA = collect(onA, DASHBOARD);
    const probe = collect(onB, READING_ADDED, { sensorId: 'probe' });
    // Subscriptions on one socket are set up in order: once the probe (last)
    // receives, every subscription above is live on B.
    let t0 = Date.now() - 120_000;
    for (let i = 0; probe.items.length === 0; i++) {
      expect(i).toBeLessThan(50);
      await gqlHttp(a.url, INGEST, { r: [{ sensorId: 'probe', timestamp: new Date(t0++).toISOString(), value: 1 }] });
      await sleep(100); // poll interval: retry until the probe (an observable condition) arrives
    }
    // The probe's trust is applied by the stream after its ingest: wait for it, then let the
    // probe's dashboard pushes pass.
    expect((await gqlHttp(a.url, `mutation { evaluateTrust(sensorIds: []) }`)).errors).toBeUndefined();
    // A sleep: a coalescer in another process has no observable "nothing pending" signal.
    await sleep(500);
    const dashBefore = { a: dashA.items.length, b: dashB.items.length };
    const countedBefore = (dash: typeof dashA) =>
      (dash.items.at(dash === dashA ? dashBefore.a - 1 : dashBefore.b - 1)?.dashboardUpdated.readingsLastHour ??
        0) as number;
    const before = { a: countedBefore(dashA), b: countedBefore(dashB) };

    const ts = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    const res = await gqlHttp(a.url, INGEST, {
      r: [
        { sensorId: 'm1', timestamp: ts(0), value: 10 },
        { sensorId: 'm2', timestamp: ts(0), value: 20 },
        { sensorId: 'm3', timestamp: ts(0), value: 30 },
        { sensorId: 'm1', timestamp: ts(1), value: 11 },
      ],
    });
    expect(res.data.ingestReadings).toEqual({ accepted: 4, rejected: 0 });

    expect((await m1.waitFor(2)).map((i) => i.readingAdded)).toEqual([
      { sensorId: 'm1', value: 10 },
      { sensorId: 'm1', value: 11 },
    ]);
    expect((await east.waitFor(3)).map((i) => i.readingAdded.sensorId).sort()).toEqual(['m1', 'm1', 'm3']);
    await dashB.waitFor(dashBefore.b + 1);
    await dashA.waitFor(dashBefore.a + 1);
    // readingsLastHour is the stream's minute rollup, written at its next checkpoint
    // (TRUST_CHECKPOINT_MS, 1 s; later on a loaded machine): wait for the push that carries it.
    await vi.waitFor(
      () => {
        expect(dashA.items.at(-1)?.dashboardUpdated.readingsLastHour).toBeGreaterThanOrEqual(before.a + 4);
        expect(dashB.items.at(-1)?.dashboardUpdated.readingsLastHour).toBeGreaterThanOrEqual(before.b + 4);
      },
      { timeout: 20_000, interval: 50 },
    );
    // A sleep: trailing pushes land within 200 ms + compute, and another process's coalescer has no
    // observable "nothing pending" signal (the m1/east counts below ride on the same wait).
    await sleep(700);
    expect(m1.items).toHaveLength(2);
    expect(east.items).toHaveLength(3);
    for (const dash of [dashA, dashB]) {
      const fresh = dash.items.slice(dash === dashA ? dashBefore.a : dashBefore.b);
      // One write is up to three changes now (the readings at ingest, their trust when the stream
      // applies them, the rollup at its checkpoint; a late probe rollup may add one): coalesced
      // pushes at least the interval apart, never one per instance.
      expect(fresh.length).toBeGreaterThanOrEqual(1);
      expect(fresh.length).toBeLessThanOrEqual(4);
      const at = fresh.map((i) => Date.parse(i.dashboardUpdated.generatedAt));
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(199);
      expect(fresh.at(-1)!.dashboardUpdated.readingsLastHour).toBeGreaterThanOrEqual(
        (dash === dashA ? before.a : before.b) + 4,
      );
    }

    // A registry write on A reaches B's sensorUpdated subscriber with the loaded row.
    await gqlHttp(
      a.url,
      `mutation { upsertSensor(input: { id: "m1", name: "Renamed", kind: "temperature", zoneId: "east" }) { id } }`,
    );
    const updates = await sensorM1.waitFor(1);
    expect(updates.at(-1)).toEqual({ sensorUpdated: { id: 'm1', name: 'Renamed', zone: { id: 'east' } } });
    for (const s of [m1, east, sensorM1, dashA, dashB, probe]) expect(s.errors).toEqual([]);
  });

  it('shares one Redis cache: a write on one instance is visible in the next summary read on the other', async () => {
    const before = (await gqlHttp(b.url, SUMMARY)).data.dashboardSummary.sensorCount;
    expect((await gqlHttp(b.url, SUMMARY)).data.dashboardSummary.sensorCount).toBe(before); // cached on Redis now
    const res = await gqlHttp(
      a.url,
      `mutation { upsertSensor(input: { id: "m9", name: "New", kind: "co2", zoneId: "west" }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect((await gqlHttp(b.url, SUMMARY)).data.dashboardSummary.sensorCount).toBe(before + 1);
  });
});
