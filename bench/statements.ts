// BENCH_SECTION=statements: the candidate ingest statements, bare on one pg connection, on a
// table shaped like `reading` (day partitions, xid8 log column defaulting to the
// transaction's id, its index), interleaved over BENCH_STATEMENT_ROUNDS rounds on fresh rows.
// Every candidate keeps what ingestion needs: the count stored and the transaction id in one
// round trip after the rows are sent, so duplicates are found only when some were skipped.
//   unnest:      the server's statement today (three comma-joined text parameters);
//   copy-text:   BEGIN; COPY a temporary staging table FROM STDIN; INSERT … SELECT … ON CONFLICT
//                DO NOTHING RETURNING; COMMIT;
//   copy-binary: the same with binary COPY.
import os from 'node:os';
import pg from 'pg';
import { buildCopyPayloads, copyIn, type CopyFormat } from './ceiling.js';
import { createFleet, readingAt, type Fleet, type ReadingSet } from './fleet.js';
import { createScratchDatabase, probePostgres } from './postgres-admin.js';
import { log, redacted, settings } from './settings.js';
import { generateShape, type ShapeName } from './shapes.js';
import { percentile, round } from './stats.js';

const DDL = [
  `CREATE TABLE reading (sensor_id TEXT NOT NULL, ts TIMESTAMPTZ(3) NOT NULL, value DOUBLE PRECISION NOT NULL,
     xid xid8 NOT NULL DEFAULT pg_current_xact_id(), received_at TIMESTAMPTZ(3),
     CONSTRAINT reading_pkey PRIMARY KEY (sensor_id, ts)) PARTITION BY RANGE (ts)`,
  'CREATE INDEX reading_xid_idx ON reading (xid)',
  'CREATE TABLE reading_default PARTITION OF reading DEFAULT',
];

/** Day partitions covering the rows (as reading_ensure_partitions makes them). */
async function partitions(client: pg.Client, set: ReadingSet) {
  const day = 86_400_000;
  for (let d = Math.floor(set.firstTsMs / day); d <= Math.floor(set.lastTsMs / day); d++) {
    const from = new Date(d * day).toISOString().slice(0, 10);
    const to = new Date((d + 1) * day).toISOString().slice(0, 10);
    await client.query(
      `CREATE TABLE IF NOT EXISTS reading_${from.replace(/-/g, '')} PARTITION OF reading FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
  }
}

const STORED_AND_XID = `SELECT (SELECT count(*)::int FROM ins) AS stored, pg_current_xact_id()::text AS xid`;

type Candidate = 'unnest' | 'copy-text' | 'copy-binary';
const CANDIDATES: Candidate[] = ['unnest', 'copy-text', 'copy-binary'];

/** Prepared inputs of one candidate for one set of rows (built before the clock starts). */
function prepare(candidate: Candidate, fleet: Fleet, set: ReadingSet): unknown[] {
  if (candidate !== 'unnest') return buildCopyPayloads(fleet, set, set.batchSize, candidate.slice(5) as CopyFormat);
  const out: [string, string, string][] = [];
  for (let from = 0; from < set.count; from += set.batchSize) {
    const ids: string[] = [];
    const ts: number[] = [];
    const values: number[] = [];
    for (let i = from; i < Math.min(set.count, from + set.batchSize); i++) {
      const r = readingAt(fleet, set, i);
      ids.push(r.sensorId);
      ts.push(r.tsMs);
      values.push(r.value);
    }
    out.push([ids.join(','), ts.join(','), values.join(',')]);
  }
  return out;
}

async function runBatch(client: pg.Client, candidate: Candidate, input: unknown, receivedAt: number) {
  if (candidate === 'unnest') {
    const [ids, ts, values] = input as [string, string, string];
    const res = await client.query<{ stored: number; xid: string }>(
      `WITH ins AS (
         INSERT INTO reading (sensor_id, ts, value, received_at)
         SELECT u.s, to_timestamp(u.t / 1000.0)::timestamptz(3), u.v, to_timestamp($4::float8 / 1000.0)
           FROM unnest(string_to_array($1::text, ','), string_to_array($2::text, ',')::float8[],
                       string_to_array($3::text, ',')::float8[]) AS u(s, t, v)
         ON CONFLICT DO NOTHING RETURNING 1)
       ${STORED_AND_XID}`,
      [ids, ts, values, receivedAt],
    );
    return res.rows[0]!.stored;
  }
  await client.query('BEGIN');
  const format = candidate === 'copy-binary' ? ' (FORMAT binary)' : '';
  await copyIn(client, `COPY reading_stage (sensor_id, ts, value) FROM STDIN${format}`, input as Buffer);
  const res = await client.query<{ stored: number; xid: string }>(
    `WITH ins AS (
       INSERT INTO reading (sensor_id, ts, value, received_at)
       SELECT sensor_id, ts, value, to_timestamp($1::float8 / 1000.0) FROM reading_stage
       ON CONFLICT DO NOTHING RETURNING 1)
     ${STORED_AND_XID}`,
    [receivedAt],
  );
  await client.query('COMMIT');
  return res.rows[0]!.stored;
}

export async function runStatementsBench(): Promise<number> {
  const probe = await probePostgres(settings.postgresUrl);
  if (!probe.ok) {
    log(`PostgreSQL unreachable at ${redacted(settings.postgresUrl)}: ${probe.reason}`);
    return 1;
  }
  const db = await createScratchDatabase(settings.postgresUrl, `bench_statements_${Date.now()}`);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const sql of DDL) await client.query(sql);
    await client.query(
      'CREATE TEMPORARY TABLE reading_stage (sensor_id TEXT NOT NULL, ts TIMESTAMPTZ(3) NOT NULL, value DOUBLE PRECISION NOT NULL) ON COMMIT DELETE ROWS',
    );
    const rounds = Number(process.env.BENCH_STATEMENT_ROUNDS || 3);
    const shapes = settings.shapes as ShapeName[];
    const rates = new Map<string, number[]>();
    log(`statements: ${rounds} interleaved rounds, ${settings.shapeReadings} readings per shape and candidate`);
    for (let round_ = 0; round_ <= rounds; round_++) {
      for (const shape of shapes) {
        // Round 0 is the warm-up; later rounds rotate the order so no candidate always goes first.
        const order = CANDIDATES.map((_, i) => CANDIDATES[(i + round_) % CANDIDATES.length]!);
        for (const candidate of order) {
          const fleet = createFleet(10, 100, `st-${candidate}-${round_}`);
          const set = generateShape(fleet, shape, settings.shapeReadings, settings.batch, Date.now());
          await partitions(client, set);
          const inputs = prepare(candidate, fleet, set);
          const receivedAt = Date.now();
          const started = performance.now();
          let stored = 0;
          for (const input of inputs) stored += await runBatch(client, candidate, input, receivedAt);
          const seconds = (performance.now() - started) / 1000;
          if (stored !== set.count) throw new Error(`${candidate}: stored ${stored} of ${set.count}`);
          if (round_ === 0) continue;
          const key = `${shape} ${candidate}`;
          rates.set(key, [...(rates.get(key) ?? []), set.count / seconds]);
        }
      }
    }
    const med = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
    console.log(`\nIngest statements, bare, 1 connection (load average 1m now ${round(os.loadavg()[0]!, 2)}):`);
    for (const shape of shapes) {
      const base = med(rates.get(`${shape} unnest`)!);
      for (const candidate of CANDIDATES) {
        const xs = rates.get(`${shape} ${candidate}`)!;
        console.log(
          `  ${shape.padEnd(9)} ${candidate.padEnd(12)} ${Math.round(med(xs)).toLocaleString('en-US').padStart(8)}/s (${Math.round(Math.min(...xs)).toLocaleString('en-US')}–${Math.round(Math.max(...xs)).toLocaleString('en-US')})  ÷ unnest ${(med(xs) / base).toFixed(2)}`,
        );
      }
    }
    return 0;
  } finally {
    await client.end();
    await db.drop();
  }
}
