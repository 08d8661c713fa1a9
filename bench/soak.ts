// `npm run soak`: the real server for SOAK_MINUTES (default 10) under steady load:
// live ingestion at half the capacity measured first with the subscribers attached (or SOAK_RATE readings/s),
// SOAK_SUBSCRIBERS (200) graphql-ws subscribers and a dashboard reader. Prints a
// progress line every 30 s, then errors (must be 0), the server's RSS (flat?), and
// p50/p99 of ingest and dashboard latencies; writes bench/soak-results.json. Exits 1
// on any error. A script, not a test. Knobs and what it reports: bench/README.md.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { cleanupAll, installSignalHandlers } from './cleanup.js';
import { createFleet, type Fleet } from './fleet.js';
import { createGraphqlClient, type GraphqlClient } from './http-client.js';
import { INGEST_MUTATION } from './ingest.js';
import { createScratchDatabase, probePostgres } from './postgres-admin.js';
import { registerFleet } from './register.js';
import { sampleRss, startServer } from './server-process.js';
import { log, serverEnv } from './settings.js';
import { percentile, round } from './stats.js';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  return value;
};
const MINUTES = num('SOAK_MINUTES', 10);
const SUBSCRIBERS = num('SOAK_SUBSCRIBERS', 200);
const BATCH = num('SOAK_BATCH', 100);
const CLIENTS = num('SOAK_CLIENTS', 4);
const ZONES = 10;
const PER_ZONE = 100;
const MODE = process.env.SOAK_MODE ?? 'postgres';
const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DASHBOARD = `{ dashboardSummary { sensorCount averageTrust readingsLastHour openTickets statusCounts { status count } }
  zoneStats { zoneId sensorCount averageTrust openTickets } }`;

/** Live readings: each sensor's timestamps strictly increase and follow the clock. */
function liveBatches(fleet: Fleet) {
  const last = new Float64Array(fleet.sensorIds.length);
  let next = 0;
  return (size: number): string => {
    const now = Date.now();
    const items = [];
    for (let i = 0; i < size; i++) {
      const s = next++ % fleet.sensorIds.length;
      const ts = Math.max(now, last[s]! + 1);
      last[s] = ts;
      const k = fleet.kindOf(s);
      const value = k.mean + k.amplitude * Math.sin(ts / 3_600_000) + (Math.random() - 0.5) * k.noise;
      items.push({ sensorId: fleet.sensorIds[s], timestamp: new Date(ts).toISOString(), value: round(value, 3) });
    }
    return JSON.stringify({ query: INGEST_MUTATION, variables: { readings: items } });
  };
}

interface Tally {
  errors: string[];
  ingestMs: number[];
  dashboardMs: number[];
  readings: number;
}

async function ingestOnce(client: GraphqlClient, body: string, size: number, tally: Tally): Promise<void> {
  const started = performance.now();
  try {
    const res = await client.postRaw(body);
    const out = res.data?.ingestReadings as { accepted: number; duplicates: number; rejected: number } | undefined;
    if (res.errors?.length || !out || out.accepted !== size)
      tally.errors.push(`ingest: HTTP ${res.status} ${JSON.stringify(res.errors ?? out).slice(0, 300)}`);
    else tally.readings += size;
  } catch (err) {
    tally.errors.push(`ingest: ${String(err)}`);
  }
  tally.ingestMs.push(performance.now() - started);
}

/** Readings/s the server takes with CLIENTS clients going flat out for `seconds`. */
async function measureCapacity(client: GraphqlClient, next: (n: number) => string, seconds: number) {
  const tally: Tally = { errors: [], ingestMs: [], dashboardMs: [], readings: 0 };
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) await ingestOnce(client, next(BATCH), BATCH, tally);
    }),
  );
  if (tally.errors.length) throw new Error(`capacity run failed: ${tally.errors[0]}`);
  return tally.readings / ((performance.now() - started) / 1000);
}

/** Set when the soak ends: completions after that are our own dispose(). */
let ending = false;

function subscribe(url: string, i: number, fleet: Fleet, tally: Tally, received: { n: number }): Client {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  // Half watch the dashboard, half one zone's readings: the two fan-outs a control room uses.
  const query =
    i % 2 === 0
      ? 'subscription { dashboardUpdated { sensorCount readingsLastHour } }'
      : `subscription { readingAdded(zoneId: "${fleet.zoneIds[i % ZONES]}") { sensorId value } }`;
  client.subscribe(
    { query },
    {
      next: (msg) => {
        if (msg.errors) tally.errors.push(`subscriber ${i}: ${JSON.stringify(msg.errors).slice(0, 200)}`);
        received.n++;
      },
      error: (err) => {
        if (!ending) tally.errors.push(`subscriber ${i}: ${String((err as Error).message ?? err)}`);
      },
      complete: () => {
        if (!ending) tally.errors.push(`subscriber ${i}: completed by the server`);
      },
    },
  );
  return client;
}

async function main() {
  installSignalHandlers();
  const env: Record<string, string | undefined> = { ...serverEnv({}), REDIS_URL: undefined };
  let conditions: string;
  if (MODE === 'postgres') {
    const probe = await probePostgres(PG_URL);
    if (!probe.ok) throw new Error(`PostgreSQL at BENCH_PG_URL: ${probe.reason}`);
    const db = await createScratchDatabase(PG_URL, `soak_${Date.now()}`);
    env.DATABASE_URL = db.url;
    env.REDIS_URL = REDIS_URL || undefined;
    conditions = `${probe.version}${REDIS_URL ? ' + Redis' : ''}`;
  } else {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    env.DATA_DIR = await mkdtemp(`${tmpdir()}/soak-`);
    conditions = 'embedded PGlite';
  }
  const server = await startServer(env, 'soak');
  const http = createGraphqlClient(server.baseUrl, CLIENTS + 2);
  const fleet = createFleet(ZONES, PER_ZONE, 'soak');
  await registerFleet(http, fleet, 4);
  const next = liveBatches(fleet);
  // The subscribers connect first, so the capacity is measured with them attached:
  // half of what the server manages while it also pushes to them.
  const tally: Tally = { errors: [], ingestMs: [], dashboardMs: [], readings: 0 };
  const received = { n: 0 };
  const wsUrl = server.baseUrl.replace(/^http/, 'ws') + '/graphql';
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i) => subscribe(wsUrl, i, fleet, tally, received));
  log(
    `${conditions}: server up, ${fleet.sensorIds.length} sensors registered, ${SUBSCRIBERS} subscribers; measuring capacity (20 s)…`,
  );
  const capacity = await measureCapacity(http, next, 20);
  const rate = process.env.SOAK_RATE ? num('SOAK_RATE', 0) : capacity / 2;
  log(`capacity ${Math.round(capacity)} readings/s → soak at ${Math.round(rate)} readings/s for ${MINUTES} min`);
  received.n = 0;
  const rss = sampleRss(server.pid, 5000);
  const started = performance.now();
  const endAt = started + MINUTES * 60_000;
  const intervalMs = (BATCH / rate) * 1000;
  let behind = 0;

  // Ingestion on a fixed schedule (at most CLIENTS batches in flight); a tick that
  // finds them all busy is counted as behind, not queued.
  let inFlight = 0;
  const ingestion = (async () => {
    for (let tick = 0; ; tick++) {
      const due = started + tick * intervalMs;
      if (due >= endAt) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inFlight >= CLIENTS) {
        behind++;
        continue;
      }
      inFlight++;
      void ingestOnce(http, next(BATCH), BATCH, tally).finally(() => inFlight--);
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  })();
  // The dashboard reader: what an open dashboard without a socket polls, once a second.
  const reader = (async () => {
    while (performance.now() < endAt) {
      const t0 = performance.now();
      try {
        await http.request(DASHBOARD);
      } catch (err) {
        tally.errors.push(`dashboard: ${String(err)}`);
      }
      tally.dashboardMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - t0))));
    }
  })();
  const progress = setInterval(() => {
    const min = (performance.now() - started) / 60_000;
    log(
      `${round(min, 1)} min: ${tally.readings} readings, ${received.n} pushes, ${tally.errors.length} errors, ` +
        `RSS ${round(server.rssMb() ?? NaN, 0)} MB, behind ${behind}`,
    );
  }, 30_000);
  await Promise.all([ingestion, reader]);
  clearInterval(progress);
  rss.stop();
  const elapsedS = (performance.now() - started) / 1000;
  ending = true;
  await Promise.all(subscribers.map(async (c) => c.dispose()));
  http.close();
  await server.stop();

  // Memory: the first minute is warm-up (caches, JIT); flat = the last minute within
  // a few MB of the second, and the slope after warm-up small.
  const samples = rss.samples.filter((s) => s.atMs >= 60_000);
  const avg = (list: { rssMb: number }[]) => list.reduce((a, s) => a + s.rssMb, 0) / (list.length || 1);
  const secondMinute = avg(samples.filter((s) => s.atMs < 120_000));
  const lastMinute = avg(samples.filter((s) => s.atMs >= elapsedS * 1000 - 60_000));
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.atMs, 0) / (n || 1);
  const my = avg(samples);
  const slope =
    samples.reduce((a, s) => a + (s.atMs - mx) * (s.rssMb - my), 0) /
    (samples.reduce((a, s) => a + (s.atMs - mx) ** 2, 0) || 1);
  const ingestSorted = [...tally.ingestMs].sort((a, b) => a - b);
  const dashSorted = [...tally.dashboardMs].sort((a, b) => a - b);
  const result = {
    conditions,
    minutes: round(elapsedS / 60, 2),
    capacityPerSecond: Math.round(capacity),
    targetPerSecond: Math.round(rate),
    achievedPerSecond: Math.round(tally.readings / elapsedS),
    readings: tally.readings,
    batchSize: BATCH,
    behindTicks: behind,
    subscribers: SUBSCRIBERS,
    pushesReceived: received.n,
    dashboardReads: tally.dashboardMs.length,
    errors: tally.errors.length,
    firstErrors: tally.errors.slice(0, 10),
    rssMb: {
      secondMinute: round(secondMinute, 0),
      lastMinute: round(lastMinute, 0),
      max: round(Math.max(...rss.samples.map((s) => s.rssMb)), 0),
      slopeMbPerMinute: round(slope * 60_000, 2),
    },
    ingestMs: { p50: round(percentile(ingestSorted, 0.5)), p99: round(percentile(ingestSorted, 0.99)) },
    dashboardMs: { p50: round(percentile(dashSorted, 0.5)), p99: round(percentile(dashSorted, 0.99)) },
    rssSamples: rss.samples,
  };
  await writeFile(fileURLToPath(new URL('soak-results.json', import.meta.url)), JSON.stringify(result, null, 2) + '\n');
  const { rssSamples: _, ...shown } = result;
  console.log(JSON.stringify(shown, null, 2));
  await cleanupAll();
  process.exit(tally.errors.length ? 1 : 0);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  await cleanupAll();
  process.exit(1);
});
