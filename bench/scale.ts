// The scaling sections of `npm run bench` (BENCH_SECTIONS): reads with and without a read
// replica, subscribers at scale over two instances, the cluster's ingest rate against one
// instance's, and Redis's PUBLISH rate. Each one skips with a message when what it needs
// (PostgreSQL server binaries, PostgreSQL, Redis, nginx, redis-benchmark) is missing.
// What each measures: bench/README.md.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { nginxAvailable, startCluster, type Cluster } from '../server/src/cluster/cluster.js';
import { startThrowawayCluster, throwawayPostgresUsable } from '../server/test/support/throwaway-postgres.js';
import { onCleanup } from './cleanup.js';
import { FANOUT_SERVER_ENV, runFanout } from './fanout.js';
import { groupingSection } from './grouping-ab.js';
import { createFleet, generateReadings, type Fleet } from './fleet.js';
import { createGraphqlClient, type GraphqlClient } from './http-client.js';
import { buildBodies, checkIngestResponse, INGEST_MUTATION, runIngest } from './ingest.js';
import { createScratchDatabase, probePostgres } from './postgres-admin.js';
import { registerFleet } from './register.js';
import { freePort, startServer, type ServerHandle } from './server-process.js';
import { table } from './report.js';
import { log, serverEnv, settings } from './settings.js';
import { percentile, round } from './stats.js';

export type SectionName = 'grouping' | 'replica' | 'fanout' | 'cluster' | 'redis';
export const SECTION_NAMES: SectionName[] = ['grouping', 'replica', 'fanout', 'cluster', 'redis'];

export interface SectionResult {
  section: SectionName;
  status: 'ran' | 'skipped' | 'failed';
  reason?: string;
  figures?: Record<string, number | string>;
  /** A table printed after the figures (the grouping A/B), and its raw runs for results.json. */
  header?: string[];
  rows?: string[][];
  arms?: unknown[];
}

const redisUrl = () => process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const adminKey = () => `st_bench_${randomBytes(18).toString('hex')}`;

async function redisReachable(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' ? null : 'no PONG';
  } catch (err) {
    return err instanceof Error ? err.message || err.constructor.name : String(err);
  } finally {
    redis.disconnect();
  }
}

/** Why a section cannot run here, or null. */
async function missing(needs: ('postgres' | 'redis' | 'nginx' | 'initdb' | 'redis-benchmark')[]) {
  for (const need of needs) {
    if (need === 'postgres') {
      const probe = await probePostgres(settings.postgresUrl);
      if (!probe.ok) return `PostgreSQL unreachable: ${probe.reason}`;
    } else if (need === 'redis') {
      const why = await redisReachable(redisUrl());
      if (why) return `Redis unreachable at ${redisUrl()} (BENCH_REDIS_URL): ${why}`;
    } else if (need === 'nginx' && !nginxAvailable()) return 'nginx is not installed (apt-get install nginx)';
    else if (need === 'initdb' && !throwawayPostgresUsable)
      return 'no usable PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) for a throwaway primary and replica';
    else if (need === 'redis-benchmark' && !existsSync('/usr/bin/redis-benchmark'))
      return 'redis-benchmark is not installed (apt-get install redis-tools)';
  }
  return null;
}

/** One ingestReadings batch per call with a reading of every sensor given, stamped now. */
function liveBatch(client: GraphqlClient, sensorIds: string[]) {
  let last = 0;
  return async () => {
    const ts = new Date((last = Math.max(Date.now(), last + 1))).toISOString();
    const readings = sensorIds.map((sensorId) => ({ sensorId, timestamp: ts, value: 20 + Math.random() }));
    const res = await client.postRaw(JSON.stringify({ query: INGEST_MUTATION, variables: { readings } }));
    const r = checkIngestResponse(res, readings.length, 'live batch');
    if (r.accepted !== readings.length) throw new Error(`live batch: ${r.accepted} of ${readings.length} accepted`);
  };
}

async function timedReads(client: GraphqlClient, query: string, variables: Record<string, unknown>, n: number) {
  for (let i = 0; i < 5; i++) await client.request(query, variables);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.request(query, variables);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 0.5), 2), p99: round(percentile(times, 0.99), 2) };
}

const SUMMARY = '{ dashboardSummary { sensorCount averageTrust openTickets readingsLastHour } }';
const ZONE_STATS = '{ zoneStats { zoneId sensorCount averageTrust openTickets } }';
const SERIES =
  'query($id: ID!, $from: DateTime!, $to: DateTime!) { sensor(id: $id) { series(from: $from, to: $to, points: 200) { at min max avg count } } }';

async function routedReads(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^sensor_trust_routed_reads_total\{target="([^"]+)"\} (\d+)/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

/**
 * Dashboard, zone stats and series reads through HTTP GraphQL, uncached
 * (DASHBOARD_CACHE_TTL_SECONDS=0), on a throwaway primary (initdb) with and without its
 * streaming replica (pg_basebackup -R) as DATABASE_READ_URL: idle, then while two clients
 * ingest live batches flat out.
 */
async function replicaSection(): Promise<SectionResult> {
  const why = await missing(['initdb']);
  if (why) return { section: 'replica', status: 'skipped', reason: why };
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = await startThrowawayCluster(primaryPort);
  const unregister = onCleanup(`throwaway PostgreSQL on ${primaryPort}`, () => primary.remove());
  try {
    await primary.createDatabase('bench');
    const replica = primary.replica(replicaPort);
    const fleet = createFleet(10, 100, 'rp');
    const set = generateReadings(fleet, settings.replicaReadings, settings.batch, Date.now() - 1000);
    const rounds = settings.replicaReadRounds;
    const figures: Record<string, number | string> = { readings: set.count, sensors: fleet.sensorIds.length, rounds };
    const from = new Date(set.firstTsMs).toISOString();
    const to = new Date(Date.now()).toISOString();
    for (const target of ['primary', 'replica'] as const) {
      const server: ServerHandle = await startServer(
        serverEnv({
          DATABASE_URL: primary.url('bench'),
          DATABASE_READ_URL: target === 'replica' ? replica.url('bench') : undefined,
          READ_REPLICA_MAX_LAG_MS: '5000',
          DASHBOARD_CACHE_TTL_SECONDS: '0',
          RATE_LIMIT_MAX: '0',
          DB_POOL_SIZE: '8',
        }),
        `replica bench (${target})`,
      );
      const client = createGraphqlClient(server.baseUrl, 8);
      try {
        if (target === 'primary') {
          await registerFleet(client, fleet, 4);
          await runIngest(client, buildBodies(fleet, set), set, settings.clients);
          // Measure with the trust stream caught up (evaluateTrust of no sensor waits for it).
          await client.request('mutation { evaluateTrust(sensorIds: []) }', {});
          log(`replica bench: ${set.count} readings on the throwaway primary, trust stream caught up`);
        } else {
          const end = Date.now() + 30_000;
          const up = async () =>
            ((await (await fetch(`${server.baseUrl}/readyz`)).json()) as { readReplicas?: { up: boolean }[] })
              .readReplicas?.[0]?.up === true;
          while (!(await up())) {
            if (Date.now() > end) throw new Error('the replica did not come up within 30 s');
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        const before = await routedReads(server.baseUrl);
        const series = { id: fleet.sensorIds[0], from, to };
        for (const load of ['idle', 'ingesting'] as const) {
          let stop = false;
          const failure: { error?: Error } = {};
          const send = liveBatch(client, fleet.sensorIds); // one clock: the two loaders never collide
          const loaders =
            load === 'ingesting'
              ? Array.from({ length: 2 }, async () => {
                  while (!stop) {
                    try {
                      await send();
                    } catch (err) {
                      failure.error = err instanceof Error ? err : new Error(String(err));
                      stop = true;
                    }
                  }
                })
              : [];
          for (const [name, query, vars] of [
            ['summary', SUMMARY, {}],
            ['zoneStats', ZONE_STATS, {}],
            ['series', SERIES, series],
          ] as const) {
            const r = await timedReads(client, query, vars, rounds);
            figures[`${target}.${load}.${name}P50Ms`] = r.p50;
            figures[`${target}.${load}.${name}P99Ms`] = r.p99;
          }
          stop = true;
          await Promise.all(loaders);
          if (failure.error) throw failure.error;
        }
        const after = await routedReads(server.baseUrl);
        const onReplica = (after.replica0 ?? 0) - (before.replica0 ?? 0);
        const onPrimary = (after.primary ?? 0) - (before.primary ?? 0);
        if (target === 'replica') {
          // Lag-tolerant reads by the pool that served them (the counter runs when replicas are configured).
          figures.routedToReplica = onReplica;
          figures.routedToPrimary = onPrimary;
        }
        log(`replica bench (${target}): reads routed ${onReplica} to the replica, ${onPrimary} to the primary`);
      } finally {
        client.close();
        await server.stop();
      }
    }
    return { section: 'replica', status: 'ran', figures };
  } finally {
    await primary.remove();
    unregister();
  }
}

/** Two instances (no proxy) on a scratch database and Redis; `run` gets them registered. */
async function withInstances<T>(
  label: string,
  count: number,
  proxy: boolean,
  env: Record<string, string>,
  run: (cluster: Cluster, key: string) => Promise<T>,
): Promise<T> {
  const db = await createScratchDatabase(settings.postgresUrl, `bench_${label}_${Date.now()}`);
  const key = adminKey();
  let cluster: Cluster | undefined;
  const unregister = onCleanup(`${label} instances`, async () => void (await cluster?.stop()));
  try {
    cluster = await startCluster({
      databaseUrl: db.url,
      redisUrl: redisUrl(),
      adminKey: key,
      instances: count,
      proxy,
      nodeArgs: settings.serverNodeArgs,
      env: { QUERY_MAX_ALIASES: '100', RATE_LIMIT_MAX: '0', ...env },
    });
    return await run(cluster, key);
  } finally {
    await cluster?.stop();
    unregister();
    await db.drop();
  }
}

/**
 * BENCH_FANOUT_SUBSCRIBERS graphql-ws subscribers over two instances on PostgreSQL and
 * Redis (bench/fanout.ts), with BENCH_FANOUT_SLOW subscribers that never read.
 */
async function fanoutSection(): Promise<SectionResult> {
  const why = await missing(['postgres', 'redis']);
  if (why) return { section: 'fanout', status: 'skipped', reason: why };
  const fleet: Fleet = createFleet(50, 2, 'fo');
  const figures = await withInstances('fanout', 2, false, FANOUT_SERVER_ENV, async (cluster, key) => {
    const clients = cluster.instances.map((i) => createGraphqlClient(i.url, 4, auth(key)));
    try {
      await registerFleet(clients[0]!, fleet, 2);
      // One reading of every zone's first sensor: each zone subscriber hears one event.
      const perZone = fleet.zoneIds.map((_, z) => fleet.sensorIds[z * fleet.sensorsPerZone]!);
      const writers = clients.map((c) => liveBatch(c, perZone));
      const bulk = liveBatch(clients[0]!, fleet.sensorIds);
      log(`fan-out: opening ${settings.fanoutSubscribers} subscribers over 2 instances (+${settings.fanoutSlow} slow)`);
      return runFanout({
        urls: cluster.instances.map((i) => i.url),
        subscribers: settings.fanoutSubscribers,
        zoneIds: fleet.zoneIds,
        apiKey: key,
        ingest: (round) => writers[round % writers.length]!(),
        serverPids: cluster.instances.map((i) => i.child.pid!),
        rounds: settings.fanoutRounds,
        slow: settings.fanoutSlow,
        flood: async () => {
          for (let i = 0; i < 50; i++) await bulk();
        },
        log: (m) => log(`fan-out: ${m}`),
      });
    } finally {
      for (const c of clients) c.close();
    }
  });
  log(
    `fan-out: p99 ${figures.p99Ms} ms from the ingest response (dashboard ${figures.dashboardP99Ms}, readingAdded ${figures.readingAddedP99Ms}), ${figures.received}/${figures.expected} received, ${figures.serverKbPerSubscriber} KB a subscriber on the servers`,
  );
  return {
    section: 'fanout',
    status: 'ran',
    figures: { ...figures, limitsRaised: Object.keys(FANOUT_SERVER_ENV).join(',') },
  };
}

/**
 * The same readings through nginx to one instance, then to three (`npm run cluster`'s
 * shape), each on a fresh database with Redis, from BENCH_CLUSTER_CLIENTS clients.
 */
async function clusterSection(): Promise<SectionResult> {
  const why = await missing(['postgres', 'redis', 'nginx']);
  if (why) return { section: 'cluster', status: 'skipped', reason: why };
  const fleet = createFleet(10, 100, 'cl');
  const set = generateReadings(fleet, settings.clusterReadings, settings.batch, Date.now());
  const figures: Record<string, number> = {
    readings: set.count,
    clients: settings.clusterClients,
    batch: settings.batch,
  };
  for (const count of [1, 3]) {
    const run = await withInstances(`cluster${count}`, count, true, {}, async (cluster, key) => {
      const client = createGraphqlClient(cluster.url, settings.clusterClients, auth(key));
      try {
        await registerFleet(client, fleet, 4);
        const bodies = buildBodies(fleet, set, Date.now() - 1000 - set.lastTsMs);
        return await runIngest(client, bodies, set, settings.clusterClients);
      } finally {
        client.close();
      }
    });
    figures[`instances${count}ReadingsPerSecond`] = Math.round(run.readingsPerSecond);
    figures[`instances${count}BatchP99Ms`] = round(run.batchMs.p99, 1);
    log(
      `cluster: ${count} instance(s) behind nginx: ${Math.round(run.readingsPerSecond).toLocaleString('en-US')} readings/s`,
    );
  }
  figures.ratio = round(figures.instances3ReadingsPerSecond! / figures.instances1ReadingsPerSecond!, 2);
  return { section: 'cluster', status: 'ran', figures };
}

const execFileP = promisify(execFile);

/** PUBLISH of a 200-byte message from 20 connections, one at a time and pipelined by 16. */
async function redisSection(): Promise<SectionResult> {
  const why = await missing(['redis', 'redis-benchmark']);
  if (why) return { section: 'redis', status: 'skipped', reason: why };
  const url = new URL(redisUrl());
  const figures: Record<string, number> = {};
  for (const pipeline of [1, 16]) {
    const { stdout } = await execFileP('/usr/bin/redis-benchmark', [
      ...['-h', url.hostname, '-p', url.port || '6379', '--csv', '-q', '-c', '20'],
      ...['-n', String(pipeline === 1 ? 50_000 : 200_000), '-P', String(pipeline)],
      ...['PUBLISH', 'sensor-trust:bench', 'x'.repeat(200)],
    ]);
    const row = stdout.trim().split('\n').at(-1)!.split('","');
    figures[pipeline === 1 ? 'publishPerSecond' : 'publishPipelinedPerSecond'] = Math.round(Number(row[1]));
  }
  log(`redis: ${figures.publishPerSecond} PUBLISH/s one at a time, ${figures.publishPipelinedPerSecond}/s pipelined`);
  return { section: 'redis', status: 'ran', figures };
}

const RUNNERS: Record<SectionName, () => Promise<SectionResult>> = {
  grouping: groupingSection,
  replica: replicaSection,
  fanout: fanoutSection,
  cluster: clusterSection,
  redis: redisSection,
};

export async function runSection(name: SectionName): Promise<SectionResult> {
  log(`section ${name}`);
  try {
    const result = await RUNNERS[name]();
    if (result.status === 'skipped') log(`section ${name} SKIPPED: ${result.reason}`);
    return result;
  } catch (err) {
    const reason = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`section ${name} FAILED: ${reason}`);
    return { section: name, status: 'failed', reason: err instanceof Error ? err.message : String(err) };
  }
}

const indent = (text: string, pad: string) =>
  text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

export function renderSections(results: SectionResult[]): string {
  const lines = ['', 'Scaling sections'];
  for (const r of results) {
    if (r.status !== 'ran') {
      lines.push(`  ${r.section}: ${r.status.toUpperCase()} (${r.reason})`);
      continue;
    }
    lines.push(`  ${r.section}:`);
    for (const [k, v] of Object.entries(r.figures ?? {}))
      lines.push(`    ${k.padEnd(40)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
    if (r.header && r.rows) lines.push(indent(table(r.header, r.rows, 3), '    '));
  }
  return lines.join('\n');
}
