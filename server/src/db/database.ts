// Opens the database of the configured runtime mode: embedded PGlite under
// DATA_DIR, or PostgreSQL through a bounded pg pool. One Prisma client per
// process serves both; `migrate` runs first on a raw connection of the same driver.
import { mkdir } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { readTemplate, saveTemplate, templatePath } from './pglite-template.js';
import { createReadRouter, type ReadRouter, type ReplicaStatus } from './read-replicas.js';
import { startPgliteThread, type PgliteThread } from './pglite-thread.js';
import { pgCopyReader, type CopyReader } from './pg-copy-reader.js';
import { loadMigrations, migrate, type Migration, type MigrationConnection, type MigrationReport } from './migrate.js';
import {
  inProcessLock,
  pgAdvisoryLock,
  pgApiReads,
  pgAutocommit,
  pgliteAutocommit,
  pgliteTransactions,
  pgTransactions,
  type RunInTransaction,
  type WithAdvisoryLock,
} from './sql-transaction.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /**
   * Lag-tolerant reads (dashboard, zone statistics, search, history, series, export): a
   * healthy streaming replica when DATABASE_READ_URL names one, else the primary.
   */
  reads: ReadRouter;
  /** A transaction on the raw driver for the raw-SQL hot path (ingestion, sweeps). */
  transaction: RunInTransaction;
  /**
   * Statements in autocommit on the raw driver, each its own transaction: the ingest insert
   * (ONE statement: no BEGIN/COMMIT round trips) and the trust stream's reads.
   */
  autocommit: RunInTransaction;
  /**
   * API reads that may be large (per-sensor lists under a list of sensors): on PostgreSQL a
   * read-only transaction with API_STATEMENT_TIMEOUT_MS as its statement timeout, so no query
   * holds a pool connection for longer; on embedded PGlite (one connection, statements in
   * turn) plain autocommit, bounded by the query cost limits alone.
   */
  apiRead: RunInTransaction;
  /** Work that spans transactions under an advisory lock (one instance at a time). */
  withAdvisoryLock: WithAdvisoryLock;
  /** PostgreSQL: the text of a `COPY (query) TO STDOUT` in chunks (null on PGlite: page by keyset). */
  copyOut: CopyReader | null;
  /** Statements Prisma sent so far (tests assert there is no N+1). */
  statementCount(): number;
  migrations: MigrationReport;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Connections now (metrics): see PoolStats. */
  pool(): PoolStats;
  /**
   * Routine upkeep autovacuum would do: statistics for the planner and dead row
   * versions of the constantly updated tables. Embedded PGlite runs PostgreSQL in
   * single-user mode, where autovacuum never runs; PostgreSQL does it itself (no-op).
   */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: the pg pool's connections (size = DB_POOL_SIZE), checked out, and
 * callers queued for one. Embedded PGlite has one connection on its own thread:
 * in use while a transaction is open or a statement runs; waiting = statements
 * queued at the thread behind the running one.
 */
export interface PoolStats {
  size: number;
  inUse: number;
  waiting: number;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  poolSize: number;
  /** Use an in-memory PGlite (tests). */
  inMemory?: boolean;
  /**
   * Supplies the in-memory PGlite instead of starting one from the template (tests hand
   * out a thread reset to the template's state: starting one takes seconds).
   */
  inMemoryPglite?: () => Promise<PgliteThread>;
  /** Count statements (costs a little per query; tests only). */
  countStatements?: boolean;
  /** Streaming replicas of the PostgreSQL primary (read-replicas.ts). */
  readReplicas?: { urls: string[]; maxLagMs: number; checkMs: number };
  /** Told when a replica starts or stops being used. */
  onReplicaChange?: (status: ReplicaStatus) => void;
  /** API_STATEMENT_TIMEOUT_MS for apiRead on PostgreSQL (0: none). */
  apiStatementTimeoutMs?: number;
}

function createPrisma(adapter: PrismaPg | PrismaPGlite, countStatements: boolean) {
  let count = 0;
  const prisma = new PrismaClient({
    adapter,
    transactionOptions: TRANSACTION_OPTIONS,
    ...(countStatements ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {}),
  });
  if (countStatements)
    (prisma as unknown as { $on(e: 'query', cb: () => void): void }).$on('query', () => void count++);
  return { prisma, statementCount: () => count };
}

// Timestamps arrive as JS Dates and numbers; transactions under load may wait for
// a pooled connection, so allow more than Prisma's 2 s default before giving up.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 60_000 };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options) : openPglite(options);
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl!,
    max: options.poolSize,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  // A checked-out client whose connection drops (PostgreSQL restarted or killed) emits
  // 'error' besides failing its query; without a listener that would end the process.
  // The query's own rejection reaches the caller (SERVICE_UNAVAILABLE), and the pool
  // discards the client when it is released with the error.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  let migrations: MigrationReport;
  const client = await pool.connect();
  try {
    const conn: MigrationConnection = {
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      exec: async (sql) => {
        await client.query(sql);
      },
    };
    migrations = await migrate(conn, await loadMigrations());
  } finally {
    client.release();
  }
  const { prisma, statementCount } = createPrisma(
    new PrismaPg(pool, { disposeExternalPool: false }),
    options.countStatements ?? false,
  );
  const reads = createReadRouter(prisma, {
    urls: options.readReplicas?.urls ?? [],
    maxLagMs: options.readReplicas?.maxLagMs ?? 5000,
    checkMs: options.readReplicas?.checkMs ?? 1000,
    poolSize: options.poolSize,
    primaryLsn: async () =>
      (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn,
    ...(options.onReplicaChange ? { onChange: options.onReplicaChange } : {}),
  });
  await reads.check();
  return {
    kind: 'postgres',
    prisma,
    reads,
    transaction: pgTransactions(pool),
    autocommit: pgAutocommit(pool),
    apiRead: pgApiReads(pool, options.apiStatementTimeoutMs ?? 0),
    withAdvisoryLock: pgAdvisoryLock(pool),
    copyOut: pgCopyReader(pool),
    statementCount,
    migrations,
    pool: () => ({ size: options.poolSize, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    ping: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    maintain: async () => {},
    close: async () => {
      await reads.close();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Tables whose rows are rewritten (dead versions to reclaim) and ones only appended to (statistics only). */
const UPDATED_TABLES = [
  'trust_state',
  'dashboard_trust',
  'ticket',
  'reading_minute',
  'sensor',
  'zone',
  'maintenance_window',
];
const APPENDED_TABLES = ['reading', 'trust_point', 'ticket_event'];

function pgliteMigrationConnection(db: PgliteThread): MigrationConnection {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/**
 * A migrated in-memory PGlite on its own thread, started from the template when there is
 * one (pglite-template.ts); the first start migrates it and saves the template.
 */
export async function startInMemoryPglite(
  known?: Migration[],
): Promise<{ thread: PgliteThread; migrations: MigrationReport }> {
  const all = known ?? (await loadMigrations());
  const template = await templatePath(all);
  const templateBytes = await readTemplate(template);
  const thread = await startPgliteThread(null, templateBytes);
  const migrations = await migrate(pgliteMigrationConnection(thread), all);
  if (!templateBytes) await saveTemplate(template, () => thread.dump());
  return { thread, migrations };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  if (!options.inMemory) await mkdir(options.dataDir, { recursive: true });
  const known = await loadMigrations();
  let db: PgliteThread;
  let migrations: MigrationReport;
  if (options.inMemory && options.inMemoryPglite) {
    db = await options.inMemoryPglite();
    migrations = await migrate(pgliteMigrationConnection(db), known);
  } else if (options.inMemory) {
    ({ thread: db, migrations } = await startInMemoryPglite(known));
  } else {
    // PGlite on its own thread (pglite-thread.ts): its WASM work overlaps the server's JS.
    db = await startPgliteThread(options.dataDir);
    migrations = await migrate(pgliteMigrationConnection(db), known);
  }
  const { prisma, statementCount } = createPrisma(new PrismaPGlite(db.asPglite()), options.countStatements ?? false);
  return {
    kind: 'pglite',
    prisma,
    reads: createReadRouter(prisma, {
      urls: [],
      maxLagMs: 0,
      checkMs: 1000,
      poolSize: 1,
      primaryLsn: async () => '0/0',
    }),
    transaction: pgliteTransactions(db.asPglite()),
    autocommit: pgliteAutocommit(db.asPglite()),
    apiRead: pgliteAutocommit(db.asPglite()),
    withAdvisoryLock: inProcessLock(),
    copyOut: null,
    statementCount,
    migrations,
    pool: () => {
      const { pending, transactions } = db.load();
      const busy = pending > 0 || transactions > 0;
      return { size: 1, inUse: busy ? 1 : 0, waiting: Math.max(pending - 1, 0) };
    },
    ping: async () => {
      try {
        await db.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    maintain: async () => {
      // One statement each: VACUUM cannot run inside a (multi-statement) transaction.
      for (const table of UPDATED_TABLES) await db.exec(`VACUUM (ANALYZE) "${table}"`);
      for (const table of APPENDED_TABLES) await db.exec(`ANALYZE "${table}"`);
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
