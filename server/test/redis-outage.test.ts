// Redis goes away mid-traffic and comes back: a throwaway `redis-server` of the test's
// own (free port, no persistence), two real server processes on one PostgreSQL sharing
// it. While Redis is down, ingestion and queries go on on both instances with no error,
// /readyz stays 200 and says `redis: "down"`, and subscribers still get the events of
// their own instance. When it is back, cross-instance events resume by themselves, and
// a registry change made during the outage holds on the other instance (its sensor
// cache was dropped on reconnect). Skips with a message without PostgreSQL or
// `redis-server`.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresReachable, type TestDatabase } from './support/databases.js';
import { collect, connected, sleep, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { gqlHttp, startServerProcess, type ServerProcess } from './support/server-process.js';
import { freePort, killRedis, redisServer, startRedis } from './support/throwaway-redis.js';

const pgUp = await postgresReachable();
if (!pgUp || !redisServer) {
  console.warn(
    `Redis outage test skipped: needs PostgreSQL (DATABASE_URL, ${pgUp ? 'ok' : 'unreachable or unset'}) ` +
      `and redis-server on PATH (${redisServer ? 'ok' : 'missing'}).`,
  );
}

const INGEST = 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected errors { code } } }';
const READING_ADDED = 'subscription($id: ID) { readingAdded(sensorId: $id) { sensorId value } }';
const DASHBOARD = '{ dashboardSummary { sensorCount readingsLastHour } zoneStats { zoneId sensorCount } }';
const SENSORS = ['r0', 'r1', 'r2', 'r3'];
/** r3 is retired mid-test: the traffic leaves it alone. */
const TRAFFIC = ['r0', 'r1', 'r2'];

describe.skipIf(!pgUp || !redisServer)('Redis away and back, two instances mid-traffic', () => {
  let port: number;
  let redis: ChildProcess;
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    db = await createTestDatabase('postgres');
    const env = {
      DATABASE_URL: db.url!,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DB_POOL_SIZE: '4',
      SWEEP_INTERVAL_SECONDS: '0',
      GRAPHIQL: 'false',
      DASHBOARD_COALESCE_MS: '100',
    };
    a = await startServerProcess(env); // migrates first
    b = await startServerProcess(env);
    const reg = await gqlHttp(
      a.url,
      `mutation { z: upsertZone(input: { id: "rz", name: "R" }) { id } ${SENSORS.map((id, i) => `s${i}: upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature", zoneId: "rz" }) { id }`).join(' ')} }`,
    );
    expect(reg.errors).toBeUndefined();
  }, 180_000);

  afterAll(async () => {
    const codes = await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    if (redis) await killRedis(redis);
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  });

  const readyz = async (url: string) => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as { redis?: string; database: string } };
  };

  it('keeps ingesting and answering while Redis is down, and cross-instance events resume when it is back', async () => {
    const ws = wsClient(b.url, { lazy: false });
    await connected(ws);
    const cross = collect<{ readingAdded: { sensorId: string; value: number } }>(ws, READING_ADDED, { id: 'r0' });
    const local = collect<{ readingAdded: { sensorId: string; value: number } }>(ws, READING_ADDED, { id: 'r1' });

    // Unique timestamps per sensor: one counter for every reading this test sends.
    let clock = Date.now() - 3_000_000;
    const reading = (sensorId: string, value: number) => ({
      sensorId,
      timestamp: new Date((clock += 1000)).toISOString(),
      value,
    });
    /** Sends one reading of `sensorId` on `url` until `seen` reports it arrived (the first sends may precede a subscription). */
    const deliver = async (url: string, sensorId: string, seen: (value: number) => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (let value = 1000 + Math.round(Math.random() * 1000); ; value++) {
        const res = await gqlHttp(url, INGEST, { r: [reading(sensorId, value)] });
        expect(res.errors).toBeUndefined();
        const until = Date.now() + 300;
        while (Date.now() < until) {
          if (seen(value)) return performance.now();
          await sleep(10);
        }
        if (Date.now() > deadline) throw new Error(`no event for ${sensorId} from ${url} within ${timeoutMs} ms`);
      }
    };
    const got = (c: typeof cross) => (value: number) => c.items.some((i) => i.readingAdded.value === value);
    await deliver(a.url, 'r0', got(cross), 10_000);
    expect((await readyz(a.url)).body.redis).toBe('up');
    // B knows r3 (its profile is cached there).
    expect((await gqlHttp(b.url, INGEST, { r: [reading('r3', 20)] })).data.ingestReadings.accepted).toBe(1);

    // Traffic: an ingesting client and a dashboard reader on each instance.
    const errors: string[] = [];
    const done = { ingest: 0, reads: 0 };
    let stop = false;
    const ingester = async (url: string) => {
      while (!stop) {
        try {
          const res = await gqlHttp(url, INGEST, { r: TRAFFIC.map((s) => reading(s, 20 + Math.random())) });
          if (res.errors || res.data.ingestReadings.accepted !== TRAFFIC.length)
            errors.push(`ingest ${url}: ${JSON.stringify(res).slice(0, 300)}`);
          else done.ingest++;
        } catch (err) {
          errors.push(`ingest ${url}: ${String(err)}`);
        }
        await sleep(20);
      }
    };
    const reader = async (url: string) => {
      while (!stop) {
        try {
          const res = await gqlHttp(url, DASHBOARD);
          if (res.errors || res.data.dashboardSummary.sensorCount < TRAFFIC.length)
            errors.push(`dashboard ${url}: ${JSON.stringify(res).slice(0, 300)}`);
          else done.reads++;
        } catch (err) {
          errors.push(`dashboard ${url}: ${String(err)}`);
        }
        await sleep(20);
      }
    };
    const traffic = [ingester(a.url), ingester(b.url), reader(a.url), reader(b.url)];
    await waitUntil(() => done.ingest >= 10 && done.reads >= 10, 20_000, 'traffic before the outage');

    await killRedis(redis);
    const killedAt = { ...done };
    const downAt = performance.now();
    // Down: still ready (Redis is not needed to serve), and the probe says what is missing.
    for (const url of [a.url, b.url]) {
      await waitUntil(async () => (await readyz(url)).body.redis === 'down', 10_000, `${url} to notice Redis is gone`);
      expect((await readyz(url)).status).toBe(200);
    }
    await waitUntil(
      () => done.ingest >= killedAt.ingest + 20 && done.reads >= killedAt.reads + 20,
      20_000,
      'traffic during the outage',
    );
    // Subscribers still get their own instance's events.
    await deliver(b.url, 'r1', got(local), 5_000);
    // A registry change on A while the instances cannot tell each other.
    const retired = await gqlHttp(a.url, 'mutation { retireSensor(id: "r3") { id } }');
    expect(retired.errors).toBeUndefined();
    await sleep(200);
    const downFor = { ingest: done.ingest - killedAt.ingest, reads: done.reads - killedAt.reads };

    redis = await startRedis(port);
    const backAt = performance.now();
    const outageMs = Math.round(backAt - downAt);
    for (const url of [a.url, b.url])
      await waitUntil(async () => (await readyz(url)).body.redis === 'up', 15_000, `${url} to reconnect to Redis`);
    // Cross-instance events flow again, with no restart and no resubscription by the client.
    const resumedAt = await deliver(a.url, 'r0', got(cross), 15_000);
    stop = true;
    await Promise.all(traffic);
    console.log(
      `redis outage: ${downFor.ingest} batches and ${downFor.reads} dashboard reads answered in ${outageMs} ms down; ` +
        `cross-instance events back ${Math.round(resumedAt - backAt)} ms after Redis restarted`,
    );
    expect(errors).toEqual([]);
    expect(cross.errors).toEqual([]);
    expect(local.errors).toEqual([]);

    // B learnt of the retirement made on A while Redis was away.
    const late = await gqlHttp(b.url, INGEST, { r: [reading('r3', 20)] });
    expect(late.data.ingestReadings).toEqual({ accepted: 0, rejected: 1, errors: [{ code: 'SENSOR_RETIRED' }] });

    cross.dispose();
    local.dispose();
    await ws.dispose();
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  }, 120_000);
});
