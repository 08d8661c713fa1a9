// The ceiling: the same rows inserted by a bare driver with one unnest
// statement per 1,000-row batch, into a fresh table shaped like `reading`; beside it the
// same rows by one `COPY … FROM STDIN` per batch (text, and binary on PostgreSQL).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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

export type CopyFormat = 'text' | 'binary';

/** PostgreSQL's epoch (2000-01-01) in Unix ms: binary timestamptz counts µs from it. */
const PG_EPOCH_MS = 946_684_800_000;
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);

/** One COPY payload per batch (text: tab-separated lines; binary: PostgreSQL's binary copy format). */
export function buildCopyPayloads(fleet: Fleet, set: ReadingSet, batchSize: number, format: CopyFormat): Buffer[] {
  const out: Buffer[] = [];
  for (let from = 0; from < set.count; from += batchSize) {
    const to = Math.min(set.count, from + batchSize);
    if (format === 'text') {
      const lines: string[] = [];
      for (let i = from; i < to; i++) {
        const r = readingAt(fleet, set, i);
        lines.push(`${r.sensorId}\t${new Date(r.tsMs).toISOString()}\t${r.value}\n`);
      }
      out.push(Buffer.from(lines.join('')));
      continue;
    }
    const parts: Buffer[] = [BINARY_HEADER];
    for (let i = from; i < to; i++) {
      const r = readingAt(fleet, set, i);
      const id = Buffer.from(r.sensorId);
      const row = Buffer.alloc(2 + 4 + id.length + 4 + 8 + 4 + 8);
      let o = row.writeInt16BE(3, 0);
      o = row.writeInt32BE(id.length, o);
      o += id.copy(row, o);
      o = row.writeInt32BE(8, o);
      o = row.writeBigInt64BE(BigInt(Math.round(r.tsMs - PG_EPOCH_MS)) * 1000n, o);
      o = row.writeInt32BE(8, o);
      row.writeDoubleBE(r.value, o);
      parts.push(row);
    }
    parts.push(Buffer.from([0xff, 0xff]));
    out.push(Buffer.concat(parts));
  }
  return out;
}

async function timed<P>(
  params: P[],
  insert: (p: P) => Promise<number>,
): Promise<{ seconds: number; inserted: number }> {
  let inserted = 0;
  const started = performance.now();
  for (const p of params) inserted += await insert(p);
  return { seconds: (performance.now() - started) / 1000, inserted };
}

/** Loads `inputs` one at a time on one fresh connection into a fresh table shaped like `reading`. */
async function pgBareRun<P>(
  databaseUrl: string,
  table: string,
  driver: string,
  set: ReadingSet,
  batchSize: number,
  inputs: P[],
  load: (client: pg.Client, table: string, input: P) => Promise<number>,
): Promise<CeilingRun> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(readingDdl(table));
    await client.query('CHECKPOINT');
    const { seconds, inserted } = await timed(inputs, (p) => load(client, table, p));
    if (inserted !== set.count) throw new Error(`bare ${driver} stored ${inserted} of ${set.count} rows`);
    await client.query(`DROP TABLE ${table}`);
    return { driver, readings: set.count, batchSize, seconds, readingsPerSecond: set.count / seconds };
  } finally {
    await client.end();
  }
}

export function pgCeiling(databaseUrl: string, fleet: Fleet, set: ReadingSet, batchSize: number): Promise<CeilingRun> {
  return pgBareRun(
    databaseUrl,
    'bench_ceiling_reading',
    'pg, 1 connection',
    set,
    batchSize,
    buildParams(fleet, set, batchSize),
    async (client, table, p) => (await client.query(insertSql(table), p)).rowCount ?? 0,
  );
}

/** One COPY … FROM STDIN per batch through pg-copy-streams; resolves with the rows copied. */
export function copyIn(client: pg.Client, sql: string, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve(stream.rowCount ?? 0));
    stream.end(payload);
  });
}

/** The same rows by a bare `COPY … FROM STDIN` per batch, one connection, fresh table. */
export function pgCopyCeiling(
  databaseUrl: string,
  fleet: Fleet,
  set: ReadingSet,
  batchSize: number,
  format: CopyFormat,
): Promise<CeilingRun> {
  const options = format === 'binary' ? ' (FORMAT binary)' : '';
  return pgBareRun(
    databaseUrl,
    'bench_ceiling_copy',
    `pg, 1 connection, ${format} COPY`,
    set,
    batchSize,
    buildCopyPayloads(fleet, set, batchSize, format),
    (client, table, p) => copyIn(client, `COPY ${table} (sensor_id, ts, value) FROM STDIN${options}`, p),
  );
}

/**
 * Bare PGlite in this process, on disk like the server's embedded mode; with `withCopy`, then
 * the same rows by a text `COPY … FROM '/dev/blob'` per batch into a second fresh table.
 */
export async function pgliteCeiling(
  fleet: Fleet,
  set: ReadingSet,
  batchSize: number,
  withCopy = false,
): Promise<CeilingRun & { version: string; copyText?: CeilingRun }> {
  const params = buildParams(fleet, set, batchSize);
  const payloads = withCopy ? buildCopyPayloads(fleet, set, batchSize, 'text') : [];
  const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-bare-'));
  const unregister = onCleanup(`PGlite ceiling dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const db = await PGlite.create(dir);
  try {
    await db.exec(readingDdl('reading'));
    const version = ((await db.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? '').split(' on ')[0] ?? '';
    const sql = insertSql('reading');
    const { seconds, inserted } = await timed(params, async (p) => (await db.query(sql, p)).affectedRows ?? 0);
    if (inserted !== set.count) throw new Error(`bare PGlite ceiling inserted ${inserted} of ${set.count} rows`);
    let copyText: CeilingRun | undefined;
    if (withCopy) {
      await db.exec(readingDdl('reading_copy'));
      const copySql = "COPY reading_copy (sensor_id, ts, value) FROM '/dev/blob'";
      const copied = await timed(
        payloads,
        async (p) => (await db.query(copySql, [], { blob: new Blob([p]) })).affectedRows ?? 0,
      );
      if (copied.inserted !== set.count)
        throw new Error(`bare PGlite text COPY stored ${copied.inserted} of ${set.count} rows`);
      copyText = {
        driver: 'PGlite in-process, text COPY',
        readings: set.count,
        batchSize,
        seconds: copied.seconds,
        readingsPerSecond: set.count / copied.seconds,
      };
    }
    return {
      driver: 'PGlite in-process',
      readings: set.count,
      batchSize,
      seconds,
      readingsPerSecond: set.count / seconds,
      version,
      copyText,
    };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
    unregister();
  }
}
