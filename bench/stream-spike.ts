// Spike for docs/trust-stream.md: what does it cost to make `reading` a log the
// trust stream can consume in commit-correct order, and is the transaction-id
// high-water mark correct under concurrent writers?
//
//   npx tsx bench/stream-spike.ts            # PostgreSQL (BENCH_PG_URL) and PGlite
//   SPIKE_ROWS=50000 npx tsx bench/stream-spike.ts
//
// Per engine, in the same run on fresh tables, the live shape (one reading for
// each of 1,000 sensors per 1,000-row batch), single connection:
//   bare      = the `reading` table as today (PK only), unnest insert;
//   logged    = + `xid xid8 DEFAULT pg_current_xact_id()` and an index on xid;
//   consumer  = reading the logged rows back by xid range (the stream's read).
// Ratios against `bare` of the same run are what to look at: the machine is shared.
// PostgreSQL only: W concurrent writers + one consumer polling
// `xid >= hw AND xid < pg_snapshot_xmin(pg_current_snapshot())`: every row must
// be read exactly once (a plain sequence high-water mark skips rows here).
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const ROWS = Number(process.env.SPIKE_ROWS ?? 100_000);
const SENSORS = 1000;
const PG_URL = `${process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432'}/test`;

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

const ddl = (table: string, logged: boolean) => `
  DROP TABLE IF EXISTS ${table};
  CREATE TABLE ${table} (
    sensor_id TEXT NOT NULL, ts TIMESTAMPTZ(3) NOT NULL, value DOUBLE PRECISION NOT NULL,
    ${logged ? 'xid xid8 NOT NULL DEFAULT pg_current_xact_id(),' : ''}
    PRIMARY KEY (sensor_id, ts));
  ${logged ? `CREATE INDEX ${table}_xid ON ${table} (xid);` : ''}`;

function batches(): [string[], string[], number[]][] {
  const out: [string[], string[], number[]][] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let b = 0; b * SENSORS < ROWS; b++) {
    const ids: string[] = [];
    const ts: string[] = [];
    const vs: number[] = [];
    for (let s = 0; s < SENSORS; s++) {
      ids.push(`spike-s${String(s).padStart(4, '0')}`);
      ts.push(new Date(t0 + b * 60_000).toISOString());
      vs.push(20 + Math.sin(b + s));
    }
    out.push([ids, ts, vs]);
  }
  return out;
}

const insert = (table: string) =>
  `INSERT INTO ${table} (sensor_id, ts, value) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[]) ON CONFLICT DO NOTHING`;

async function timeInserts(q: Query, table: string, data: [string[], string[], number[]][]): Promise<number> {
  const started = performance.now();
  for (const p of data) await q(insert(table), p);
  return ROWS / ((performance.now() - started) / 1000);
}

async function timeConsumer(q: Query, table: string): Promise<number> {
  const started = performance.now();
  // One statement: rows committed below the snapshot's xmin, from the last high-water mark.
  const { rows } = await q(
    `WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x)
     SELECT sensor_id, ts, value FROM ${table}, s WHERE xid >= $1::xid8 AND xid < s.x ORDER BY xid`,
    ['0'],
  );
  if (rows.length !== ROWS) throw new Error(`consumer read ${rows.length} of ${ROWS}`);
  return ROWS / ((performance.now() - started) / 1000);
}

async function shapeRun(label: string, q: Query, exec: (sql: string) => Promise<unknown>) {
  const data = batches();
  await exec(ddl('spike_bare', false));
  await exec(ddl('spike_logged', true));
  // Alternate to share the machine's noise between both.
  const bare1 = await timeInserts(q, 'spike_bare', data.slice(0, data.length / 2));
  const logged1 = await timeInserts(q, 'spike_logged', data.slice(0, data.length / 2));
  const logged2 = await timeInserts(q, 'spike_logged', data.slice(data.length / 2));
  const bare2 = await timeInserts(q, 'spike_bare', data.slice(data.length / 2));
  const bare = (bare1 + bare2) / 2 / 2; // each half inserted ROWS/2 rows: rates were computed for ROWS
  const logged = (logged1 + logged2) / 2 / 2;
  const consumer = await timeConsumer(q, 'spike_logged');
  console.log(
    `${label}: bare ${Math.round(bare)}/s, logged (xid8 + index) ${Math.round(logged)}/s = ${(logged / bare).toFixed(2)} of bare; consumer read ${Math.round(consumer)}/s = ${(consumer / bare).toFixed(1)}× bare insert`,
  );
  await exec('DROP TABLE spike_bare; DROP TABLE spike_logged;');
}

async function concurrentWriters(writers: number) {
  const pool = new pg.Pool({ connectionString: PG_URL, max: writers + 1 });
  await pool.query(ddl('spike_conc', true));
  await pool.query('ALTER TABLE spike_conc ADD COLUMN id bigserial');
  const perWriter = 200;
  const seen = new Map<string, number>();
  let done = false;
  let hw = '0';
  let polls = 0;
  // The naive consumer: "rows with id above the largest id seen" (a sequence).
  const seenBySequence = new Set<string>();
  let maxId = '0';
  const naive = (async () => {
    for (;;) {
      const finished = done;
      const { rows } = await pool.query<{ sensor_id: string; ts: Date; id: string }>(
        'SELECT sensor_id, ts, id::text FROM spike_conc WHERE id > $1::bigint ORDER BY id',
        [maxId],
      );
      for (const r of rows) seenBySequence.add(`${r.sensor_id}@${r.ts.getTime()}`);
      maxId = rows.at(-1)?.id ?? maxId;
      if (finished) break;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const consumer = (async () => {
    for (;;) {
      const finished = done;
      const { rows } = await pool.query<{ sensor_id: string; ts: Date; hw: string }>(
        `WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x)
         SELECT r.sensor_id, r.ts, s.x::text AS hw FROM s LEFT JOIN spike_conc r ON r.xid >= $1::xid8 AND r.xid < s.x`,
        [hw],
      );
      polls++;
      for (const r of rows) {
        if (r.sensor_id === null) continue;
        const key = `${r.sensor_id}@${r.ts.getTime()}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      if (rows[0]) hw = rows[0].hw;
      if (finished) break;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(insert('spike_conc'), [[`w${w}`], [new Date(i * 1000).toISOString()], [i]]);
          // Random hold: transactions commit in another order than their xids were assigned.
          if (Math.random() < 0.3) await new Promise((r) => setTimeout(r, Math.random() * 20));
          await c.query('COMMIT');
        } finally {
          c.release();
        }
      }
    }),
  );
  done = true;
  await Promise.all([consumer, naive]);
  const total = writers * perWriter;
  const doubled = [...seen.values()].filter((n) => n > 1).length;
  console.log(
    `concurrent writers (${writers}, ${total} single-row transactions, random commit delays): consumer saw ${seen.size} of ${total}, ${doubled} twice, in ${polls} polls; a sequence high-water mark saw ${seenBySequence.size} (skipped ${total - seenBySequence.size})`,
  );
  await pool.query('DROP TABLE spike_conc');
  await pool.end();
  if (seen.size !== total || doubled) throw new Error('high-water mark lost or doubled rows');
}

async function main() {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await shapeRun(
      'PostgreSQL',
      (sql, params) => client.query(sql, params),
      (sql) => client.query(sql),
    );
  } finally {
    await client.end();
  }
  await concurrentWriters(8);
  const lite = await PGlite.create();
  try {
    await shapeRun(
      'PGlite (in memory)',
      (sql, params) => lite.query(sql, params),
      (sql) => lite.exec(sql),
    );
  } finally {
    await lite.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
