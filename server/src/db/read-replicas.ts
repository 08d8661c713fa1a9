// Read replicas (DATABASE_READ_URL): reads that may be a moment old — dashboard, zone
// statistics, search, trust history, series, export — go to a streaming replica when one
// is healthy; writes and read-after-write paths (a mutation's own result, evaluateTrust,
// the trust stream) always use the primary. A replica that is down or lags more than
// READ_REPLICA_MAX_LAG_MS is skipped until a check finds it healthy again, so the primary
// serves meanwhile and nobody sees an error or data older than the bound.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { isDatabaseUnavailable } from './unavailable.js';

export interface ReplicaStatus {
  /** `replica0`, `replica1`, … in DATABASE_READ_URL's order (URLs carry passwords: never shown). */
  name: string;
  up: boolean;
  /** Replay lag behind the primary at the last check (null while down). */
  lagMs: number | null;
  /** Read statements routed to it so far. */
  reads: number;
}

export interface ReadRouter {
  /** The Prisma client for lag-tolerant reads: a healthy replica's, else the primary's. */
  prisma: PrismaClient;
  replicas(): ReplicaStatus[];
  /** Reads the primary served because no replica was healthy (or none is configured). */
  primaryReads(): number;
  /** Runs one health check of every replica now (tests; the timer does it every checkMs). */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface Replica {
  status: ReplicaStatus;
  pool: pg.Pool;
  prisma: PrismaClient;
}

export interface ReadReplicaOptions {
  urls: string[];
  maxLagMs: number;
  checkMs: number;
  poolSize: number;
  /** Asks the primary for its current WAL position. */
  primaryLsn: () => Promise<string>;
  onChange?: (status: ReplicaStatus) => void;
}

// Replay lag: nothing when the replica has replayed the primary's position read just
// before; otherwise the age of the last transaction it replayed (the primary is writing).
const LAG_SQL = `SELECT pg_is_in_recovery() AS recovery,
  CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
       ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END::float8 AS lag`;

export function createReadRouter(primary: PrismaClient, options: ReadReplicaOptions): ReadRouter {
  let primaryReads = 0;
  let turn = 0;
  const replicas: Replica[] = options.urls.map((url, i) => {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return {
      status: { name: `replica${i}`, up: false, lagMs: null, reads: 0 },
      pool,
      prisma: new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) }),
    };
  });

  function pick(): { client: PrismaClient; replica: Replica | null } {
    const healthy = replicas.filter((r) => r.status.up);
    if (!healthy.length) {
      primaryReads++;
      return { client: primary, replica: null };
    }
    const r = healthy[turn++ % healthy.length]!;
    r.status.reads++;
    return { client: r.prisma, replica: r };
  }

  /**
   * Runs a read on the chosen client; when a replica's connection fails (it went down
   * between two checks), marks it down and runs the same read on the primary, so the
   * caller sees no error. Other errors are the query's own and are thrown as they are.
   */
  function routed(path: (string | symbol)[], args: unknown[]): Promise<unknown> {
    const { client, replica } = pick();
    const call = (target: PrismaClient): Promise<unknown> => {
      let owner: unknown = target;
      for (const key of path.slice(0, -1)) owner = (owner as Record<string | symbol, unknown>)[key];
      const fn = (owner as Record<string | symbol, (...a: unknown[]) => unknown>)[path[path.length - 1]!]!;
      return Promise.resolve(fn.apply(owner, args));
    };
    if (!replica) return call(client);
    return call(client).catch((err: unknown) => {
      if (!isDatabaseUnavailable(err)) throw err;
      if (replica.status.up) {
        replica.status.up = false;
        replica.status.lagMs = null;
        options.onChange?.({ ...replica.status });
      }
      primaryReads++;
      return call(primary);
    });
  }

  // `router.prisma.$queryRaw\`…\`` and `router.prisma.sensor.findMany(…)`: each call picks its
  // target once and runs entirely there.
  const delegate = (model: string | symbol) =>
    new Proxy(
      {},
      {
        get:
          (_t, method) =>
          (...args: unknown[]) =>
            routed([model, method], args),
      },
    );
  const prisma = new Proxy({} as PrismaClient, {
    get(_target, key) {
      const value = (primary as unknown as Record<string | symbol, unknown>)[key];
      if (typeof value === 'function') return (...args: unknown[]) => routed([key], args);
      if (value && typeof value === 'object') return delegate(key);
      return value;
    },
  });

  async function checkOne(r: Replica, lsn: string | null): Promise<void> {
    const before = r.status.up;
    try {
      if (lsn === null) throw new Error('primary position unknown');
      const { rows } = await r.pool.query<{ recovery: boolean; lag: number }>(LAG_SQL, [lsn]);
      const row = rows[0]!;
      r.status.lagMs = Math.round(row.lag);
      // A server that is not in recovery is not a replica of ours (a promoted one, or a typo).
      r.status.up = row.recovery && row.lag <= options.maxLagMs;
    } catch {
      r.status.up = false;
      r.status.lagMs = null;
    }
    if (before !== r.status.up) options.onChange?.({ ...r.status });
  }

  async function check(): Promise<void> {
    const lsn = await options.primaryLsn().catch(() => null);
    await Promise.all(replicas.map((r) => checkOne(r, lsn)));
  }

  let checking: Promise<void> | null = null;
  const timer = replicas.length
    ? setInterval(() => {
        checking ??= check().finally(() => (checking = null));
      }, options.checkMs)
    : null;
  timer?.unref();

  return {
    prisma: replicas.length ? prisma : primary,
    replicas: () => replicas.map((r) => ({ ...r.status })),
    primaryReads: () => primaryReads,
    check,
    async close() {
      if (timer) clearInterval(timer);
      await checking;
      for (const r of replicas) {
        await r.prisma.$disconnect();
        await r.pool.end();
      }
    },
  };
}
