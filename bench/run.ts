// `npm run bench`: the real server (child process) on PostgreSQL and on
// PGlite, 10,000 sensors, ≥ 1,000,000 readings through HTTP GraphQL, a bare
// unnest insert of the same rows as the ceiling, then the dashboard and
// subscriber benches; prints one table and writes bench/results.json.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pgCeiling, pgliteCeiling } from './ceiling.js';
import { cleanupAll, installSignalHandlers, onCleanup } from './cleanup.js';
import { createFleet, generateReadings, type Fleet, type ReadingSet } from './fleet.js';
import { createGraphqlClient, type GraphqlClient } from './http-client.js';
import { buildBodies, checkIngestResponse, INGEST_MUTATION, runIngest } from './ingest.js';
import { describeMachine } from './machine.js';
import { countReadings, createScratchDatabase, probePostgres, topUpReadings } from './postgres-admin.js';
import { registerFleet } from './register.js';
import { budgets, renderReport, type ExtraFigures, type ModeResult, type RssSummary } from './report.js';
import { readCpuSeconds, sampleRss, startServer, type ServerHandle } from './server-process.js';
import { round } from './stats.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

const settings = {
  readings: intEnv('BENCH_READINGS', 1_000_000),
  clients: intEnv('BENCH_CLIENTS', 4),
  batch: intEnv('BENCH_BATCH', 1000),
  zones: intEnv('BENCH_ZONES', 100),
  sensorsPerZone: intEnv('BENCH_SENSORS_PER_ZONE', 100),
  modes: (process.env.BENCH_MODES ?? 'postgres,pglite').split(',').map((m) => m.trim()).filter(Boolean),
  postgresUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432',
  dashboard: process.env.BENCH_DASHBOARD !== '0',
  dashboardRows: intEnv('BENCH_DASHBOARD_ROWS', 10_000_000),
  subscribers: intEnv('BENCH_SUBSCRIBERS', 1000, 0),
  keepDatabase: process.env.BENCH_KEEP_DB === '1',
};

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Environment of the child server; the parent's DATABASE_URL/REDIS_URL must not leak in. */
function serverEnv(extra: Record<string, string | undefined>) {
  return {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: undefined,
    DATA_DIR: undefined,
    REDIS_URL: process.env.BENCH_REDIS_URL || undefined,
    GRAPHIQL: 'false',
    ...extra,
  };
}

async function ingestWithRss(server: ServerHandle, client: GraphqlClient, bodies: Buffer[], set: ReadingSet) {
  const beforeMb = server.rssMb() ?? NaN;
  const sampler = sampleRss(server.pid, 250);
  const serverCpu0 = readCpuSeconds(server.pid) ?? NaN;
  const clientCpu0 = process.cpuUsage();
  const ingest = await runIngest(client, bodies, set, settings.clients);
  const clientCpu = process.cpuUsage(clientCpu0);
  ingest.cpuSeconds = {
    server: (readCpuSeconds(server.pid) ?? NaN) - serverCpu0,
    benchClient: (clientCpu.user + clientCpu.system) / 1e6,
  };
  sampler.stop();
  await new Promise((r) => setTimeout(r, 2000)); // let in-flight background work settle
  const afterMb = server.rssMb() ?? NaN;
  const samples = sampler.samples;
  const half = samples.length >> 1;
  const peak = (xs: typeof samples) => Math.max(...xs.map((s) => s.rssMb));
  const rss: RssSummary = {
    beforeMb,
    peakMb: peak(samples),
    afterMb,
    firstHalfPeakMb: peak(samples.slice(0, Math.max(1, half))),
    secondHalfPeakMb: peak(samples.slice(half)),
    samples: samples.map((s) => ({ atMs: s.atMs, rssMb: round(s.rssMb, 1) })),
  };
  return { ingest, rss };
}

async function registerTimed(client: GraphqlClient, fleet: Fleet) {
  const started = performance.now();
  const sensors = await registerFleet(client, fleet, Math.max(8, settings.clients));
  return { zones: fleet.zones, sensors, seconds: (performance.now() - started) / 1000 };
}

/** One small ingestReadings batch with fresh timestamps (the subscriber bench's trigger). */
function smallIngest(client: GraphqlClient, fleet: Fleet) {
  let lastTs = 0;
  return async () => {
    const ts = Math.max(Date.now(), lastTs + 1);
    lastTs = ts;
    const readings = fleet.sensorIds.slice(0, 10).map((sensorId, i) => {
      const k = fleet.kindOf(i);
      return { sensorId, timestamp: new Date(ts).toISOString(), value: k.mean };
    });
    const res = await client.postRaw(JSON.stringify({ query: INGEST_MUTATION, variables: { readings } }));
    const result = checkIngestResponse(res, readings.length, 'subscriber-bench ingest');
    if (result.accepted !== readings.length) throw new Error(`subscriber-bench ingest accepted ${result.accepted} of ${readings.length}`);
  };
}

async function optionalBench(file: string, run: (mod: Record<string, unknown>) => Promise<unknown>): Promise<ExtraFigures> {
  const path = join(BENCH_DIR, file);
  if (!existsSync(path)) return { status: 'not available yet', reason: `bench/${file} does not exist` };
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const result = await run(mod);
    const figures: Record<string, number> = {};
    for (const [k, v] of Object.entries((result ?? {}) as Record<string, unknown>)) if (typeof v === 'number') figures[k] = v;
    return { status: 'ran', figures };
  } catch (err) {
    log(`${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
  }
}

async function runPostgres(fleet: Fleet, set: ReadingSet, bodies: Buffer[]): Promise<ModeResult> {
  const probe = await probePostgres(settings.postgresUrl);
  if (!probe.ok) {
    log(`PostgreSQL at ${settings.postgresUrl} is unreachable (${probe.reason}): SKIPPING the PostgreSQL mode`);
    return { mode: 'postgres', status: 'skipped', reason: `PostgreSQL unreachable at ${settings.postgresUrl}: ${probe.reason}` };
  }
  const name = `bench_${Date.now()}`;
  log(`PostgreSQL: local ${probe.version} at ${settings.postgresUrl}, fresh database ${name}`);
  const db = await createScratchDatabase(settings.postgresUrl, name);
  const result: ModeResult = { mode: 'postgres', status: 'ran', database: `${probe.version}, database ${name}` };
  try {
    // The ceiling first, with no server running, on a table shaped like `reading`.
    log(`bare pg ceiling: ${set.count.toLocaleString('en-US')} rows, ${settings.batch}-row unnest batches, one connection`);
    result.ceiling = await pgCeiling(db.url, fleet, set, settings.batch);
    log(`bare pg ceiling: ${Math.round(result.ceiling.readingsPerSecond).toLocaleString('en-US')} readings/s`);

    const server = await startServer(serverEnv({ DATABASE_URL: db.url }), 'PostgreSQL');
    const client = createGraphqlClient(server.baseUrl, Math.max(settings.clients, 8));
    try {
      log(`server pid ${server.pid} on ${server.baseUrl}; registering ${fleet.sensorIds.length} sensors`);
      result.registration = await registerTimed(client, fleet);
      log(`registered in ${result.registration.seconds.toFixed(1)} s; ingesting`);
      await checkpoint(db.url);
      const { ingest, rss } = await ingestWithRss(server, client, bodies, set);
      Object.assign(result, { ingest, rss, ratio: ingest.readingsPerSecond / result.ceiling.readingsPerSecond });
      log(`ingested at ${Math.round(ingest.readingsPerSecond).toLocaleString('en-US')} readings/s (p50 ${ingest.batchMs.p50.toFixed(1)} ms, p99 ${ingest.batchMs.p99.toFixed(1)} ms)`);
      result.storedRows = await countReadings(db.url);
      if (result.storedRows !== set.count) throw new Error(`reading holds ${result.storedRows} rows after ingesting ${set.count}`);

      if (settings.dashboard) {
        log(`topping reading up to ${settings.dashboardRows.toLocaleString('en-US')} rows with generate_series`);
        result.topUp = await topUpReadings(db.url, fleet, settings.dashboardRows, set.firstTsMs);
        log(`top-up: ${result.topUp.after.toLocaleString('en-US')} rows (${result.topUp.seconds.toFixed(1)} s)`);
        result.dashboard = await optionalBench('dashboard-bench.ts', async (mod) => {
          if (typeof mod.runDashboardBench !== 'function') throw new Error('runDashboardBench is not exported');
          log('running dashboard bench');
          return mod.runDashboardBench({ databaseUrl: db.url, baseUrl: server.baseUrl });
        });
      } else {
        result.dashboard = { status: 'skipped', reason: 'BENCH_DASHBOARD=0' };
      }
      if (settings.subscribers > 0) {
        result.subscribers = await optionalBench('subscribers-bench.ts', async (mod) => {
          if (typeof mod.runSubscribersBench !== 'function') throw new Error('runSubscribersBench is not exported');
          log(`running subscribers bench with ${settings.subscribers} subscribers`);
          return mod.runSubscribersBench({ baseUrl: server.baseUrl, subscribers: settings.subscribers, ingest: smallIngest(client, fleet) });
        });
      } else {
        result.subscribers = { status: 'skipped', reason: 'BENCH_SUBSCRIBERS=0' };
      }
    } finally {
      client.close();
      await server.stop();
    }
  } catch (err) {
    Object.assign(result, { status: 'failed', reason: err instanceof Error ? err.message : String(err) });
    log(`PostgreSQL mode FAILED: ${result.reason}`);
  } finally {
    if (settings.keepDatabase) log(`keeping database ${name} (BENCH_KEEP_DB=1)`);
    else await db.drop();
  }
  return result;
}

async function checkpoint(databaseUrl: string) {
  const { withClient } = await import('./postgres-admin.js');
  await withClient(databaseUrl, (c) => c.query('CHECKPOINT'));
}

async function runPglite(fleet: Fleet, set: ReadingSet, bodies: Buffer[]): Promise<ModeResult> {
  const result: ModeResult = { mode: 'pglite', status: 'ran' };
  const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-pglite-server-'));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  const unregister = onCleanup(`PGlite data dir ${dataDir}`, removeDir);
  try {
    log(`bare PGlite ceiling (in this process): ${set.count.toLocaleString('en-US')} rows, ${settings.batch}-row unnest batches`);
    const ceiling = await pgliteCeiling(fleet, set, settings.batch);
    result.ceiling = ceiling;
    result.database = `embedded ${ceiling.version} (PGlite), DATA_DIR ${dataDir}`;
    log(`bare PGlite ceiling: ${Math.round(ceiling.readingsPerSecond).toLocaleString('en-US')} readings/s`);

    const server = await startServer(serverEnv({ DATA_DIR: dataDir }), 'PGlite');
    const client = createGraphqlClient(server.baseUrl, Math.max(settings.clients, 8));
    try {
      log(`server pid ${server.pid} on ${server.baseUrl}; registering ${fleet.sensorIds.length} sensors`);
      result.registration = await registerTimed(client, fleet);
      log(`registered in ${result.registration.seconds.toFixed(1)} s; ingesting`);
      const { ingest, rss } = await ingestWithRss(server, client, bodies, set);
      Object.assign(result, { ingest, rss, ratio: ingest.readingsPerSecond / ceiling.readingsPerSecond });
      log(`ingested at ${Math.round(ingest.readingsPerSecond).toLocaleString('en-US')} readings/s (p50 ${ingest.batchMs.p50.toFixed(1)} ms, p99 ${ingest.batchMs.p99.toFixed(1)} ms)`);
    } finally {
      client.close();
      await server.stop();
    }
  } catch (err) {
    Object.assign(result, { status: 'failed', reason: err instanceof Error ? err.message : String(err) });
    log(`PGlite mode FAILED: ${result.reason}`);
  } finally {
    await removeDir();
    unregister();
  }
  return result;
}

async function main() {
  installSignalHandlers();
  const machine = describeMachine();
  log(`settings: ${JSON.stringify(settings)}`);
  const fleet = createFleet(settings.zones, settings.sensorsPerZone);
  // Readings end a few minutes before now so later live readings (the subscriber
  // bench) follow them in time and none is in the future.
  const t0 = performance.now();
  const set = generateReadings(fleet, settings.readings, settings.batch, Date.now() - 5 * 60_000);
  const bodies = buildBodies(fleet, set);
  const prepSeconds = (performance.now() - t0) / 1000;
  const megabytes = bodies.reduce((n, b) => n + b.length, 0) / 2 ** 20;
  log(`pre-built ${bodies.length} request bodies (${megabytes.toFixed(0)} MiB) in ${prepSeconds.toFixed(1)} s: ${set.shape}`);

  const modes: ModeResult[] = [];
  for (const mode of settings.modes) {
    if (mode === 'postgres') modes.push(await runPostgres(fleet, set, bodies));
    else if (mode === 'pglite') modes.push(await runPglite(fleet, set, bodies));
    else throw new Error(`BENCH_MODES: unknown mode "${mode}" (postgres, pglite)`);
  }

  const pg = modes.find((m) => m.mode === 'postgres');
  const lite = modes.find((m) => m.mode === 'pglite');
  const budgetLines = budgets(pg, lite);
  const databaseVersions = modes.filter((m) => m.database).map((m) => m.database!);
  const clientNote = `${settings.clients} concurrent keep-alive HTTP clients in the bench process, sharing the ${machine.cores} cores with the server and the database; request bodies pre-built before timing`;
  const loadAfter = round(os.loadavg()[0]!, 2);
  console.log(renderReport({ machine, databaseVersions, shape: `${settings.batch} readings: ${set.shape}`, clientNote, modes, budgetLines, loadAfter }));

  const resultsPath = join(BENCH_DIR, 'results.json');
  await writeFile(
    resultsPath,
    JSON.stringify({ at: new Date().toISOString(), machine, loadAverage1mAtEnd: loadAfter, settings: { ...settings, postgresUrl: settings.postgresUrl }, batchShape: set.shape, modes, budgets: budgetLines }, null, 2),
  );
  console.log(`\nresults written to ${resultsPath}`);
}

main()
  .then(() => cleanupAll())
  .then(() => process.exit(0))
  .catch(async (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanupAll();
    process.exit(1);
  });
