// The ceiling: the same rows inserted by a bare driver with one unnest
// statement per 1,000-row batch, into a fresh table shaped like `reading`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { readingAt, type Fleet, type ReadingSet } from './fleet.js';

export interface CeilingRun {
  driver: string;
  readings: number;
  batchSize: number;
  seconds: number;
  readingsPerSecond: number;
}

const insertSql = (table: string) =>
  `INSERT INTO ${table} (sensor_id, ts, value) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[]) ON CONFLICT DO NOTHING`;

/** Same columns and primary key as the `reading` table of the first migration. */
const readingDdl = (table: string) => `CREATE TABLE ${table} (
  sensor_id TEXT NOT NULL,
  ts TIMESTAMPTZ(3) NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  CONSTRAINT ${table}_pkey PRIMARY KEY (sensor_id, ts)
)`;

/** Parameters per batch, built before the clock starts (as the server gets parsed JSON). */
function buildParams(fleet: Fleet, set: ReadingSet, batchSize: number): [string[], string[], number[]][] {
  const params: [string[], string[], number[]][] = [];
  const batches = Math.ceil(set.count / batchSize);
  for (let b = 0; b < batches; b++) {
    const from = b * batchSize;
    const to = Math.min(set.count, from + batchSize);
    const ids: string[] = [];
    const ts: string[] = [];
    const values: number[] = [];
    for (let i = from; i < to; i++) {
      const r = readingAt(fleet, set, i);
      ids.push(r.sensorId);
      ts.push(new Date(r.tsMs).toISOString());
      values.push(r.value);
    }
    params.push([ids, ts, values]);
  }
  return params;
}

async function timed(
  params: [string[], string[], number[]][],
  insert: (p: [string[], string[], number[]]) => Promise<number>,
): Promise<{ seconds: number; inserted: number }> {
  let inserted = 0;
  const started = performance.now();
  for (const p of params) inserted += await insert(p);
  return { seconds: (performance.now() - started) / 1000, inserted };
}

export async function pgCeiling(
  databaseUrl: string,
  fleet: Fleet,
  set: ReadingSet,
  batchSize: number,
): Promise<CeilingRun> {
  const params = buildParams(fleet, set, batchSize);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const table = 'bench_ceiling_reading';
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(readingDdl(table));
    await client.query('CHECKPOINT');
    const sql = insertSql(table);
    const { seconds, inserted } = await timed(params, async (p) => (await client.query(sql, p)).rowCount ?? 0);
    if (inserted !== set.count) throw new Error(`bare pg ceiling inserted ${inserted} of ${set.count} rows`);
    await client.query(`DROP TABLE ${table}`);
    return {
      driver: 'pg, 1 connection',
      readings: set.count,
      batchSize,
      seconds,
      readingsPerSecond: set.count / seconds,
    };
  } finally {
    await client.end();
  }
}

/** Bare PGlite in this process, on disk like the server's embedded mode. */
export async function pgliteCeiling(
  fleet: Fleet,
  set: ReadingSet,
  batchSize: number,
): Promise<CeilingRun & { version: string }> {
  const params = buildParams(fleet, set, batchSize);
  const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-bare-'));
  const unregister = onCleanup(`PGlite ceiling dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const db = await PGlite.create(dir);
  try {
    await db.exec(readingDdl('reading'));
    const version = ((await db.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? '').split(' on ')[0] ?? '';
    const sql = insertSql('reading');
    const { seconds, inserted } = await timed(params, async (p) => (await db.query(sql, p)).affectedRows ?? 0);
    if (inserted !== set.count) throw new Error(`bare PGlite ceiling inserted ${inserted} of ${set.count} rows`);
    return {
      driver: 'PGlite in-process',
      readings: set.count,
      batchSize,
      seconds,
      readingsPerSecond: set.count / seconds,
      version,
    };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
    unregister();
  }
}
