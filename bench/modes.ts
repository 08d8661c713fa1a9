// One benchmark pass per runtime mode: ceiling, server, registration,
// ingestion with RSS sampling and, on PostgreSQL, the dashboard budgets.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { pgCeiling, pgliteCeiling } from './ceiling.js';
import { isInterrupted, onCleanup } from './cleanup.js';
import { optionalBench, smallIngest } from './extra-benches.js';
import type { Fleet, ReadingSet } from './fleet.js';
import { createGraphqlClient, type GraphqlClient } from './http-client.js';
import { buildBodies, runIngest } from './ingest.js';
import { countReadings, createScratchDatabase, probePostgres, topUpReadings, withClient } from './postgres-admin.js';
import { registerFleet } from './register.js';
import type { ModeResult, RssSummary } from './report.js';
import { readCpuSeconds, readRssMb, sampleRss, startServer, type ServerHandle } from './server-process.js';
import { log, redacted, serverEnv, settings } from './settings.js';
import { percentile, round } from './stats.js';
import { measureVerdictLag, registerShapeFleets, runShapes } from './shapes.js';

/** Serializes the request bodies with the newest reading one second before now. */
function prepareBodies(fleet: Fleet, set: ReadingSet) {
  const started = performance.now();
  const shiftMs = Date.now() - 1000 - set.lastTsMs;
  const bodies = buildBodies(fleet, set, shiftMs);
  const mib = bodies.reduce((n, b) => n + b.length, 0) / 2 ** 20;
  log(
    `pre-built ${bodies.length} request bodies (${mib.toFixed(0)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { bodies, shiftMs };
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
  const median = (xs: typeof samples) =>
    percentile(
      xs.map((s) => s.rssMb).sort((a, b) => a - b),
      0.5,
    );
  const rss: RssSummary = {
    beforeMb,
    peakMb: peak(samples),
    afterMb,
    firstHalfMedianMb: median(samples.slice(0, Math.max(1, half))),
    secondHalfMedianMb: median(samples.slice(half)),
    samples: samples.map((s) => ({ atMs: s.atMs, rssMb: round(s.rssMb, 1) })),
  };
  return { ingest, rss };
}

async function registerTimed(client: GraphqlClient, fleet: Fleet) {
  const started = performance.now();
  const sensors = await registerFleet(client, fleet, Math.max(8, settings.clients));
  const result = { zones: fleet.zones, sensors, seconds: (performance.now() - started) / 1000 };
  if (settings.shapes.length || settings.lagSeconds)
    await registerShapeFleets((f) => registerFleet(client, f, Math.max(8, settings.clients)), settings.shapes);
  return result;
}

/** The arrival shapes and the verdict lag, on the running server (after the main ingestion). */
async function shapesAndLag(
  result: ModeResult,
  server: ServerHandle,
  client: GraphqlClient,
  databaseUrl?: string,
): Promise<void> {
  if (settings.shapes.length) result.shapes = await runShapes(result.mode, { server, client, databaseUrl });
  if (settings.lagSeconds) {
    try {
      // Start the lag run with the stream caught up: the shapes' readings may still be queued
      // (evaluateTrust of no sensor is the barrier: it waits for everything stored before it).
      const drainStart = performance.now();
      await client.request('mutation { evaluateTrust(sensorIds: []) }', {});
      result.streamDrainSeconds = (performance.now() - drainStart) / 1000;
      log(`trust stream caught up ${result.streamDrainSeconds.toFixed(1)} s after the last shape`);
      // Half the live shape's measured capacity (or of the main ingestion when live did not run).
      const live = result.shapes?.find((s) => s.shape === 'live')?.ingest?.readingsPerSecond;
      const capacity = live ?? result.ingest?.readingsPerSecond ?? 2000;
      log(
        `verdict lag at ${Math.round(capacity / 2)} readings/s (half of ${Math.round(capacity)}) for ${settings.lagSeconds} s`,
      );
      result.verdictLag = await measureVerdictLag(client, server.baseUrl, capacity / 2, settings.lagSeconds);
      log(
        `verdict lag: p50 ${result.verdictLag.p50Ms.toFixed(0)} ms, p99 ${result.verdictLag.p99Ms.toFixed(0)} ms (${result.verdictLag.probes} probes, ${result.verdictLag.offeredPerSecond} readings/s offered)`,
      );
    } catch (err) {
      result.verdictLag = { error: err instanceof Error ? err.message : String(err) };
    }
  }
}

export async function runPostgres(fleet: Fleet, set: ReadingSet): Promise<ModeResult> {
  const probe = await probePostgres(settings.postgresUrl);
  if (!probe.ok) {
    log(
      `PostgreSQL at ${redacted(settings.postgresUrl)} is unreachable (${probe.reason}): SKIPPING the PostgreSQL mode`,
    );
    return {
      mode: 'postgres',
      status: 'skipped',
      reason: `PostgreSQL unreachable at ${redacted(settings.postgresUrl)}: ${probe.reason}`,
    };
  }
  const name = `bench_${Date.now()}`;
  log(`PostgreSQL: local ${probe.version} at ${redacted(settings.postgresUrl)}, fresh database ${name}`);
  const db = await createScratchDatabase(settings.postgresUrl, name);
  const result: ModeResult = { mode: 'postgres', status: 'ran', database: `${probe.version}, database ${name}` };
  let serverOutput = () => '';
  try {
    // The ceiling first, with no server running, on a table shaped like `reading`.
    log(
      `bare pg ceiling: ${set.count.toLocaleString('en-US')} rows, ${settings.batch}-row unnest batches, one connection`,
    );
    result.ceiling = await pgCeiling(db.url, fleet, set, settings.batch);
    log(`bare pg ceiling: ${Math.round(result.ceiling.readingsPerSecond).toLocaleString('en-US')} readings/s`);

    const server = await startServer(serverEnv({ DATABASE_URL: db.url }), 'PostgreSQL');
    serverOutput = server.output;
    result.rssStartMb = readRssMb(server.pid);
    const client = createGraphqlClient(server.baseUrl, Math.max(settings.clients, 8));
    try {
      log(`server pid ${server.pid} on ${server.baseUrl}; registering ${fleet.sensorIds.length} sensors`);
      result.registration = await registerTimed(client, fleet);
      log(`registered in ${result.registration.seconds.toFixed(1)} s`);
      const { bodies, shiftMs } = prepareBodies(fleet, set);
      await checkpoint(db.url);
      log('ingesting');
      const { ingest, rss } = await ingestWithRss(server, client, bodies, set);
      Object.assign(result, { ingest, rss, ratio: ingest.readingsPerSecond / result.ceiling.readingsPerSecond });
      log(
        `ingested at ${Math.round(ingest.readingsPerSecond).toLocaleString('en-US')} readings/s (p50 ${ingest.batchMs.p50.toFixed(1)} ms, p99 ${ingest.batchMs.p99.toFixed(1)} ms)`,
      );
      result.storedRows = await countReadings(db.url);
      if (result.storedRows !== set.count)
        throw new Error(`reading holds ${result.storedRows} rows after ingesting ${set.count}`);
      await shapesAndLag(result, server, client, db.url);
      result.rssEndMb = readRssMb(server.pid);

      if (settings.dashboard) {
        log(`topping reading up to ${settings.dashboardRows.toLocaleString('en-US')} rows with generate_series`);
        result.topUp = await topUpReadings(db.url, fleet, settings.dashboardRows, set.firstTsMs + shiftMs);
        log(`top-up: ${result.topUp.after.toLocaleString('en-US')} rows (${result.topUp.seconds.toFixed(1)} s)`);
        result.dashboard = await optionalBench('dashboard-bench.ts', async (mod) => {
          const run = mod.runDashboardBench as ((o: object) => Promise<unknown>) | undefined;
          if (typeof run !== 'function') throw new Error('runDashboardBench is not exported');
          log('running dashboard bench');
          return run({ databaseUrl: db.url, baseUrl: server.baseUrl });
        });
      } else {
        result.dashboard = { status: 'skipped', reason: 'BENCH_DASHBOARD=0' };
      }
      if (settings.subscribers > 0) {
        result.subscribers = await optionalBench('subscribers-bench.ts', async (mod) => {
          const run = mod.runSubscribersBench as ((o: object) => Promise<unknown>) | undefined;
          if (typeof run !== 'function') throw new Error('runSubscribersBench is not exported');
          log(`running subscribers bench with ${settings.subscribers} subscribers`);
          return run({
            baseUrl: server.baseUrl,
            subscribers: settings.subscribers,
            ingest: smallIngest(client, fleet),
          });
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
    if (!isInterrupted()) log(`PostgreSQL mode FAILED: ${result.reason}${tail(serverOutput())}`);
  } finally {
    if (settings.keepDatabase) {
      db.keep();
      log(`keeping database ${name} (BENCH_KEEP_DB=1): ${redacted(db.url)}`);
    } else await db.drop();
  }
  return result;
}

async function checkpoint(databaseUrl: string) {
  await withClient(databaseUrl, (c) => c.query('CHECKPOINT'));
}

export async function runPglite(fleet: Fleet, set: ReadingSet): Promise<ModeResult> {
  const result: ModeResult = { mode: 'pglite', status: 'ran' };
  let serverOutput = () => '';
  const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-pglite-server-'));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  const unregister = onCleanup(`PGlite data dir ${dataDir}`, removeDir);
  try {
    log(
      `bare PGlite ceiling (in this process): ${set.count.toLocaleString('en-US')} rows, ${settings.batch}-row unnest batches`,
    );
    const ceiling = await pgliteCeiling(fleet, set, settings.batch);
    result.ceiling = ceiling;
    result.database = `embedded ${ceiling.version} (PGlite), DATA_DIR ${dataDir}`;
    log(`bare PGlite ceiling: ${Math.round(ceiling.readingsPerSecond).toLocaleString('en-US')} readings/s`);

    const server = await startServer(serverEnv({ DATA_DIR: dataDir }), 'PGlite');
    serverOutput = server.output;
    result.rssStartMb = readRssMb(server.pid);
    const client = createGraphqlClient(server.baseUrl, Math.max(settings.clients, 8));
    try {
      log(`server pid ${server.pid} on ${server.baseUrl}; registering ${fleet.sensorIds.length} sensors`);
      result.registration = await registerTimed(client, fleet);
      log(`registered in ${result.registration.seconds.toFixed(1)} s`);
      const { bodies } = prepareBodies(fleet, set);
      log('ingesting');
      const { ingest, rss } = await ingestWithRss(server, client, bodies, set);
      Object.assign(result, { ingest, rss, ratio: ingest.readingsPerSecond / ceiling.readingsPerSecond });
      log(
        `ingested at ${Math.round(ingest.readingsPerSecond).toLocaleString('en-US')} readings/s (p50 ${ingest.batchMs.p50.toFixed(1)} ms, p99 ${ingest.batchMs.p99.toFixed(1)} ms)`,
      );
      await shapesAndLag(result, server, client);
      result.rssEndMb = readRssMb(server.pid);
    } finally {
      client.close();
      await server.stop();
    }
  } catch (err) {
    Object.assign(result, { status: 'failed', reason: err instanceof Error ? err.message : String(err) });
    if (!isInterrupted()) log(`PGlite mode FAILED: ${result.reason}${tail(serverOutput())}`);
  } finally {
    await removeDir();
    unregister();
  }
  return result;
}

const tail = (output: string) => (output.trim() ? `\n--- last server output ---\n${output.trim()}\n---` : '');
