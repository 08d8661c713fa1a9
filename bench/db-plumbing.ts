// The database plumbing against its maintained alternatives, on the ingest path
// (issue 11): the same ingest transaction (readings-ingest-repository.ts'
// insertBatch: one statement per batch) through
//   pglite-thread   today's embedded mode: PGlite on a worker thread behind our own
//                   message protocol (db/pglite-thread.ts, db/pglite-worker.mjs)
//   pglite-socket   PGlite on a worker thread behind @electric-sql/pglite-socket,
//                   reached with the plain `pg` driver (pool of one: one session)
//   pg-queue        the PostgreSQL path as it was: pg pool + our own statement queue per
//                   transaction (kept here, for the record, as pgQueueTransactions)
//   pg-direct       today's sql-transaction.ts: statements straight to client.query
//   pg-pipeline     the same on pg's pipeline mode (`pipeline: true`, pg ≥ 8.20): BEGIN, the
//                   statements and COMMIT go out without waiting for each other's answers
// and a Prisma read (findMany of 50 sensors with their zone) through today's
// PrismaPGlite-on-the-thread and @prisma/adapter-pg on the socket.
//
// Rounds alternate the variants (A B C D A B C D …) so that load from others on a
// shared machine falls on all of them alike; compare the ratios inside one run.
//
//   npm i --no-save --prefix /tmp/pglite-socket @electric-sql/pglite-socket@0.1.6
//   PGLITE_SOCKET_DIR=/tmp/pglite-socket/node_modules DATABASE_URL=postgres://… npx tsx bench/db-plumbing.ts
//
// (0.1.6 is the release for PGlite 0.4.6, the one the app uses.) Without
// PGLITE_SOCKET_DIR the socket variants are skipped; without DATABASE_URL the pg ones.
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../server/src/generated/prisma/client.js';
import { loadMigrations, migrate, type MigrationConnection } from '../server/src/db/migrate.js';
import { startPgliteThread } from '../server/src/db/pglite-thread.js';
import {
  pgliteTransactions,
  pgTransactions,
  toParameterizedSql,
  type RunInTransaction,
  type SqlTx,
} from '../server/src/db/sql-transaction.js';
import { createReadingsIngestRepository } from '../server/src/modules/readings/readings-ingest-repository.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BATCHES = Number(process.env.BATCHES ?? 40); // per round and variant
const BATCH = Number(process.env.BATCH ?? 500);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
const READS = Number(process.env.READS ?? 100); // Prisma reads per round
const SENSORS = 200;
const PORT = Number(process.env.PORT ?? 41150);

interface Variant {
  name: string;
  transaction: RunInTransaction;
  prisma?: PrismaClient;
  close(): Promise<void>;
}

const repo = createReadingsIngestRepository();

async function seed(conn: MigrationConnection): Promise<void> {
  await migrate(conn, await loadMigrations());
  await conn.exec(`INSERT INTO zone (id, name, updated_at) VALUES ('z', 'Z', now())`);
  await conn.exec(
    `INSERT INTO sensor (id, name, kind, zone_id, updated_at)
     SELECT 's' || i, 'S' || i, 'temperature', 'z', now() FROM generate_series(1, ${SENSORS}) i`,
  );
}

async function pgliteThread(): Promise<Variant> {
  const db = await startPgliteThread(null);
  await seed({
    query: async (s, p) => (await db.query(s, p)).rows as never,
    exec: async (s) => void (await db.exec(s)),
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db.asPglite()) });
  return { name: 'pglite-thread', transaction: pgliteTransactions(db.asPglite()), prisma, close: () => db.close() };
}

const SOCKET_WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { createRequire } = require('node:module');
  const req = createRequire(workerData.dir + '/');
  (async () => {
    const { PGlite } = await import(req.resolve('@electric-sql/pglite'));
    const { PGLiteSocketServer } = await import(req.resolve('@electric-sql/pglite-socket'));
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, port: workerData.port, host: '127.0.0.1' });
    await server.start();
    parentPort.postMessage('ready');
  })().catch((err) => parentPort.postMessage(String(err && err.stack || err)));
`;

async function pgliteSocket(dir: string): Promise<Variant> {
  const worker = new Worker(SOCKET_WORKER, { eval: true, workerData: { dir, port: PORT } });
  const answer = await new Promise((resolve) => worker.once('message', resolve));
  if (answer !== 'ready') throw new Error(`pglite-socket did not start: ${String(answer)}`);
  // One session: PGlite is single-user PostgreSQL.
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${PORT}/postgres`, max: 1 });
  await seed({
    query: async <T>(s: string, p?: unknown[]) => (await pool.query(s, p)).rows as T[],
    exec: async (s) => void (await pool.query(s)),
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
  return {
    name: 'pglite-socket',
    transaction: pgTransactions(pool),
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
      await worker.terminate();
    },
  };
}

/** sql-transaction.ts before issue 11: statements queued per transaction by a promise chain. */
function pgQueueTransactions(pool: pg.Pool): RunInTransaction {
  return async (work) => {
    const client = await pool.connect();
    let tail: Promise<unknown> = Promise.resolve();
    const run = (text: string, values: unknown[]) => {
      const result = tail.then(() => client.query({ text, values }));
      tail = result.catch(() => undefined);
      return result;
    };
    const tx: SqlTx = {
      $queryRaw: async <T>(s: TemplateStringsArray, ...v: unknown[]) => (await run(toParameterizedSql(s), v)).rows as T,
      $executeRaw: async (s: TemplateStringsArray, ...v: unknown[]) =>
        (await run(toParameterizedSql(s), v)).rowCount ?? 0,
      $queryRawUnsafe: async <T>(text: string, ...v: unknown[]) => (await run(text, v)).rows as T,
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      throw err;
    }
  };
}

/** pg's pipeline mode: BEGIN is not awaited, so it travels with the first statement; COMMIT likewise. */
function pgPipelineTransactions(pool: pg.Pool): RunInTransaction {
  return async (work) => {
    const client = await pool.connect();
    const run = async (text: string, values: unknown[]) => client.query({ text, values });
    const tx: SqlTx = {
      $queryRaw: async <T>(s: TemplateStringsArray, ...v: unknown[]) => (await run(toParameterizedSql(s), v)).rows as T,
      $executeRaw: async (s: TemplateStringsArray, ...v: unknown[]) =>
        (await run(toParameterizedSql(s), v)).rowCount ?? 0,
      $queryRawUnsafe: async <T>(text: string, ...v: unknown[]) => (await run(text, v)).rows as T,
    };
    const begun = client.query('BEGIN');
    begun.catch(() => undefined);
    try {
      const result = await work(tx);
      await begun;
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      throw err;
    }
  };
}

async function postgres(url: string): Promise<{ variants: Variant[]; drop(): Promise<void> }> {
  const name = `bench_plumbing_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 4 });
  const pipelined = new pg.Pool({ connectionString: dbUrl.toString(), max: 4, pipeline: true });
  // Other people's outage tests may terminate sessions on the shared server: report, don't crash.
  for (const p of [pool, pipelined]) p.on('error', (err) => console.warn(`idle client lost: ${err.message}`));
  admin.on('error', (err) => console.warn(`admin connection lost: ${err.message}`));
  await seed({
    query: async <T>(s: string, p?: unknown[]) => (await pool.query(s, p)).rows as T[],
    exec: async (s) => void (await pool.query(s)),
  });
  const none = async () => undefined;
  return {
    variants: [
      { name: 'pg-queue', transaction: pgQueueTransactions(pool), close: none },
      { name: 'pg-direct', transaction: pgTransactions(pool), close: none },
      { name: 'pg-pipeline', transaction: pgPipelineTransactions(pipelined), close: none },
    ],
    drop: async () => {
      await pool.end();
      await pipelined.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

let clock = Date.parse('2026-11-01T00:00:00Z');
/** BATCHES batches of BATCH new readings, IN_FLIGHT at a time; returns readings per second. */
async function ingest(v: Variant): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next++ < BATCHES) {
      const base = (clock += BATCH * 1000);
      const columns = { sensorIds: [] as string[], ts: [] as number[], values: [] as number[] };
      for (let i = 0; i < BATCH; i++) {
        columns.sensorIds.push(`s${(i % SENSORS) + 1}`);
        columns.ts.push(base + i * 1000);
        columns.values.push(20 + (i % 7));
      }
      const { duplicates: dup } = await v.transaction((tx) => repo.insertBatch(tx, columns, Date.now()));
      if (dup.length) throw new Error(`${v.name}: ${dup.length} unexpected duplicates`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (BATCHES * BATCH) / ((performance.now() - started) / 1000);
}

/** READS Prisma reads (50 sensors with their zone), 4 in flight; returns reads per second. */
async function reads(prisma: PrismaClient): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next++ < READS) {
      const rows = await prisma.sensor.findMany({ take: 50, orderBy: { id: 'asc' }, include: { zone: true } });
      if (rows.length !== 50) throw new Error('short read');
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
  return READS / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const variants: Variant[] = [await pgliteThread()];
  const socketDir = process.env.PGLITE_SOCKET_DIR;
  if (socketDir) variants.push(await pgliteSocket(socketDir));
  else console.log('PGLITE_SOCKET_DIR not set: pglite-socket skipped');
  const pgSetup = process.env.DATABASE_URL ? await postgres(process.env.DATABASE_URL) : null;
  if (pgSetup) variants.push(...pgSetup.variants);
  else console.log('DATABASE_URL not set: pg variants skipped');

  const ingestRates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const readRates = new Map<string, number[]>();
  try {
    for (const v of variants) await ingest(v); // warm-up (JIT, plans, WASM)
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of variants) {
        ingestRates.get(v.name)!.push(await ingest(v));
        if (v.prisma) {
          if (!readRates.has(v.name)) {
            await reads(v.prisma); // warm-up
            readRates.set(v.name, []);
          }
          readRates.get(v.name)!.push(await reads(v.prisma));
        }
      }
    }
  } finally {
    for (const v of variants) {
      await v.prisma?.$disconnect();
      await v.close();
    }
    await pgSetup?.drop();
  }

  // Each variant against its baseline in the same round (load on a shared machine
  // drifts between rounds): the median of those per-round ratios, and their range.
  const report = (title: string, unit: string, rates: Map<string, number[]>, baselines: Record<string, string>) => {
    console.log(`\n${title}`);
    for (const [name, xs] of rates) {
      const baseName = baselines[name] ?? name;
      const base = rates.get(baseName)!;
      const ratios = xs.map((x, i) => (100 * x) / base[i]!);
      console.log(
        `  ${name.padEnd(14)} median ${median(xs).toFixed(0).padStart(7)} ${unit} ` +
          `(${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})   ` +
          `per round vs ${baseName.padEnd(13)} median ${median(ratios).toFixed(1)} % ` +
          `(${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)} %)`,
      );
    }
  };
  console.log(
    `${ROUNDS} rounds; ingest: ${BATCHES} batches × ${BATCH} readings, ${IN_FLIGHT} in flight; ` +
      `Prisma reads: ${READS} × findMany(50 sensors + zone), 4 in flight; in-memory PGlite`,
  );
  report('ingest (readings/s)', 'r/s', ingestRates, {
    'pglite-socket': 'pglite-thread',
    'pg-direct': 'pg-queue',
    'pg-pipeline': 'pg-queue',
  });
  report('Prisma reads (queries/s)', 'q/s', readRates, { 'pglite-socket': 'pglite-thread' });
}

await main();
