// Benchmark settings from the environment (see bench/README.md) and the
// child server's environment.

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/**
 * BENCH_QUICK=1: about two minutes on a quiet machine, for ratios (shapes, verdict lag,
 * memory) rather than absolute budgets: a small main ingestion and fleet, 20,000
 * readings per shape, no dashboard or subscriber bench. Any variable set explicitly wins.
 */
const quick = process.env.BENCH_QUICK === '1';
const q = (full: number, small: number) => (quick ? small : full);

export const settings = {
  quick,
  readings: intEnv('BENCH_READINGS', q(1_000_000, 20_000)),
  clients: intEnv('BENCH_CLIENTS', 4),
  batch: intEnv('BENCH_BATCH', 1000),
  zones: intEnv('BENCH_ZONES', q(100, 10)),
  sensorsPerZone: intEnv('BENCH_SENSORS_PER_ZONE', 100),
  modes: (process.env.BENCH_MODES ?? 'postgres,pglite')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean),
  postgresUrl: process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432',
  dashboard: (process.env.BENCH_DASHBOARD ?? (quick ? '0' : '1')) !== '0',
  dashboardRows: intEnv('BENCH_DASHBOARD_ROWS', 10_000_000),
  subscribers: intEnv('BENCH_SUBSCRIBERS', q(1000, 0), 0),
  keepDatabase: process.env.BENCH_KEEP_DB === '1',
  /** Arrival shapes run after the main ingestion, each on its own 1,000 sensors ('' or 0 skips). */
  shapes: parseShapes(process.env.BENCH_SHAPES ?? 'live,gateway,backfill'),
  shapeReadings: intEnv('BENCH_SHAPE_READINGS', q(100_000, 20_000)),
  /** Verdict lag: seconds of live batches at half the live capacity, with probes (0 skips). */
  lagSeconds: intEnv('BENCH_LAG_SECONDS', q(30, 10), 0),
  /** What runs, in order: `modes` (BENCH_MODES' runs) and the scaling sections (bench/scale.ts). */
  sections: parseList('BENCH_SECTIONS', 'modes,grouping,replica,fanout,cluster,redis', [
    'modes',
    'grouping',
    'replica',
    'fanout',
    'cluster',
    'redis',
  ]),
  /** Incident grouping A/B (section grouping): pairs of arms, warm-up readings per arm, modes. */
  abPairs: intEnv('BENCH_AB_PAIRS', 3),
  abWarmUpReadings: intEnv('BENCH_AB_WARMUP_READINGS', q(50_000, 10_000)),
  abModes: (process.env.BENCH_AB_MODES ?? 'postgres')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean),
  replicaReadings: intEnv('BENCH_REPLICA_READINGS', q(200_000, 50_000)),
  replicaReadRounds: intEnv('BENCH_REPLICA_READ_ROUNDS', q(200, 50)),
  fanoutSubscribers: intEnv('BENCH_FANOUT_SUBSCRIBERS', q(10_000, 1_000)),
  fanoutSlow: intEnv('BENCH_FANOUT_SLOW', 20, 0),
  fanoutRounds: intEnv('BENCH_FANOUT_ROUNDS', 5),
  clusterReadings: intEnv('BENCH_CLUSTER_READINGS', q(200_000, 40_000)),
  clusterClients: intEnv('BENCH_CLUSTER_CLIENTS', 12),
  /** BENCH_SERVER_NODE_ARGS: extra node flags for every server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  serverNodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
};

function parseList<T extends string>(name: string, fallback: string, allowed: T[]): T[] {
  const names = (process.env[name] || fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!allowed.includes(n as T)) throw new Error(`${name}: unknown section "${n}" (${allowed.join(', ')})`);
  return names as T[];
}

function parseShapes(raw: string): ('live' | 'gateway' | 'backfill')[] {
  if (raw.trim() === '0') return [];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (n !== 'live' && n !== 'gateway' && n !== 'backfill')
      throw new Error(`BENCH_SHAPES: unknown shape "${n}" (live, gateway, backfill)`);
  return names as ('live' | 'gateway' | 'backfill')[];
}

export const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Environment of the child server; the parent's DATABASE_URL/REDIS_URL must not leak in. */
export function serverEnv(extra: Record<string, string | undefined>) {
  return {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: undefined,
    DATA_DIR: undefined,
    REDIS_URL: process.env.BENCH_REDIS_URL || undefined,
    GRAPHIQL: 'false',
    // Registration sends 100 aliased upserts per request (the default limit is 30).
    QUERY_MAX_ALIASES: process.env.QUERY_MAX_ALIASES ?? '100',
    ...extra,
  };
}

/** The URL without its password, for logs and results.json. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
