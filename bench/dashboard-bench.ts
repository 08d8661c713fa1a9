// Dashboard read budget: dashboardSummary and zoneStats through HTTP GraphQL
// against a running server, uncached and cached, p50/p99 in milliseconds.
//
//   import { runDashboardBench } from './dashboard-bench.js';
//   const figures = await runDashboardBench({ databaseUrl, baseUrl });
//
// - databaseUrl: the server's PostgreSQL (read only here: it reports the data
//   volume the figures were measured on: sensors, zones, open tickets and the
//   planner's estimate of stored readings).
// - baseUrl: the running server (http://host:port); nobody must subscribe to
//   or write to it meanwhile.
// "Uncached" rounds drop the cache the way production does, with a write the
// dashboard shows (upsertZone on an existing zone, same name: publishes
// DashboardChanged), then time the query alone; "cached" rounds repeat the
// query with no write in between. Budgets: median < 10 ms uncached, < 1 ms cached.
// Run alone: `tsx bench/dashboard-bench.ts <databaseUrl> <baseUrl>`.
import http from 'node:http';
import pg from 'pg';
import { percentile } from './stats.js';

const SUMMARY =
  '{ dashboardSummary { sensorCount averageTrust statusCounts { status count } openTickets openTicketsBySeverity { severity count } readingsLastHour generatedAt } }';
const ZONE_STATS =
  '{ zoneStats { zoneId zoneName sensorCount averageTrust statusCounts { status count } openTickets } }';

export interface DashboardBenchOptions {
  databaseUrl: string;
  baseUrl: string;
  /** Timed requests per figure (default 200 cached, 100 uncached). */
  cachedRounds?: number;
  uncachedRounds?: number;
}

export async function runDashboardBench(opts: DashboardBenchOptions): Promise<Record<string, number>> {
  const volume = await dataVolume(opts.databaseUrl);
  const post = createPoster(opts.baseUrl);
  try {
    const zone = await post<{ zoneStats: { zoneId: string; zoneName: string }[] }>(ZONE_STATS);
    const first = zone.zoneStats[0];
    if (!first) throw new Error('the dashboard bench needs at least one zone with sensors');
    const invalidate = async () => {
      await post(`mutation($input: ZoneInput!) { upsertZone(input: $input) { id } }`, {
        input: { id: first.zoneId, name: first.zoneName },
      });
    };
    const figures: Record<string, number> = { ...volume };
    for (const [name, query] of [
      ['summary', SUMMARY],
      ['zoneStats', ZONE_STATS],
    ] as const) {
      for (let i = 0; i < 10; i++) await post(query); // warm-up: connections, compiled queries
      const uncached: number[] = [];
      for (let i = 0; i < (opts.uncachedRounds ?? 100); i++) {
        await invalidate();
        uncached.push(await timed(() => post(query)));
      }
      await post(query);
      const cached: number[] = [];
      for (let i = 0; i < (opts.cachedRounds ?? 200); i++) cached.push(await timed(() => post(query)));
      Object.assign(figures, summarise(`${name}Uncached`, uncached), summarise(`${name}Cached`, cached));
    }
    return figures;
  } finally {
    post.close();
  }
}

async function dataVolume(databaseUrl: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ sensors: number; zones: number; open_tickets: number; readings: string }>(`
      SELECT (SELECT count(*) FROM sensor)::int AS sensors,
             (SELECT count(*) FROM zone)::int AS zones,
             (SELECT count(*) FROM ticket WHERE status <> 'RESOLVED')::int AS open_tickets,
             (SELECT reltuples::bigint FROM pg_class WHERE oid = 'reading'::regclass)::text AS readings`);
    const r = rows[0]!;
    return {
      sensors: r.sensors,
      zones: r.zones,
      openTickets: r.open_tickets,
      readingsEstimate: Math.max(0, Number(r.readings)),
    };
  } finally {
    await client.end();
  }
}

function summarise(prefix: string, samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { [`${prefix}P50Ms`]: round(at(0.5)), [`${prefix}P99Ms`]: round(at(0.99)) };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** One keep-alive connection: the figure is the server's, not connection set-up. */
function createPoster(baseUrl: string) {
  const url = new URL('/graphql', baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = <T = unknown>(query: string, variables?: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                data?: T;
                errors?: { message: string }[];
              };
              if (json.errors?.length || !json.data)
                reject(new Error(`GraphQL error: ${JSON.stringify(json.errors ?? json)}`));
              else resolve(json.data);
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return Object.assign(post, { close: () => agent.destroy() });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [databaseUrl, baseUrl] = process.argv.slice(2);
  if (!databaseUrl || !baseUrl) {
    console.error('usage: tsx bench/dashboard-bench.ts <databaseUrl> <baseUrl>');
    process.exit(2);
  }
  console.table(await runDashboardBench({ databaseUrl, baseUrl }));
}
