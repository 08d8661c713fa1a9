// Scratch PostgreSQL databases for the benchmark: reachability, create/drop,
// row counts and the fast SQL top-up to the dashboard budget's data volume.
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import type { Fleet } from './fleet.js';

export async function probePostgres(
  serverUrl: string,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const client = new pg.Client({
    connectionString: withDatabase(serverUrl, 'postgres'),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { ok: true, version: `PostgreSQL ${rows[0]!.v.split(' ')[0]}` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message || err.constructor.name : String(err) };
  } finally {
    await client.end().catch(() => {});
  }
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates a fresh database; it is dropped on cleanup (also on errors and Ctrl-C). */
export async function createScratchDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void>; keep(): void }> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  const unregister = onCleanup(`database ${name}`, drop);
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      await drop();
      unregister();
    },
    keep: unregister,
  };
}

export async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function countReadings(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (c) =>
    Number((await c.query<{ n: string }>('SELECT count(*)::bigint AS n FROM reading')).rows[0]!.n),
  );
}

export interface TopUp {
  before: number;
  after: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Adds older history (before `beforeMs`, one reading a minute per sensor) with
 * generate_series until `reading` holds `target` rows. Maintaining the
 * primary key row by row would take minutes, so the indexes of `reading` are
 * dropped, the rows inserted in chunks of sensors, and the indexes rebuilt
 * exactly as they were (same names and definitions); VACUUM ANALYZE then
 * leaves a settled table. Nothing may write readings meanwhile (the server is
 * idle between the ingestion and the dashboard bench).
 */
export async function topUpReadings(
  databaseUrl: string,
  fleet: Fleet,
  target: number,
  beforeMs: number,
  chunkSensors = 1000,
): Promise<TopUp> {
  return withClient(databaseUrl, async (c) => {
    const before = Number((await c.query<{ n: string }>('SELECT count(*)::bigint AS n FROM reading')).rows[0]!.n);
    const missing = target - before;
    const started = performance.now();
    if (missing > 0) {
      await c.query("SET maintenance_work_mem = '512MB'");
      const constraints = (
        await c.query<{ name: string; def: string }>(
          `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
           WHERE conrelid = 'reading'::regclass AND contype IN ('p', 'u')`,
        )
      ).rows;
      const indexes = (
        await c.query<{ name: string; def: string }>(
          `SELECT indexname AS name, indexdef AS def FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename = 'reading' AND NOT (indexname = ANY($1::text[]))`,
          [constraints.map((k) => k.name)],
        )
      ).rows;
      for (const k of constraints) await c.query(`ALTER TABLE reading DROP CONSTRAINT "${k.name}"`);
      for (const i of indexes) await c.query(`DROP INDEX "${i.name}"`);

      const sensors = fleet.sensorIds.length;
      const perSensor = Math.floor(missing / sensors);
      const extra = missing - perSensor * sensors; // the first `extra` sensors get one more
      const sql = `INSERT INTO reading (sensor_id, ts, value)
        SELECT s.id, to_timestamp($2::float8 / 1000) - make_interval(secs => g * 60),
               s.min_value + (s.max_value - s.min_value) * (0.45 + 0.1 * random())
        FROM sensor s CROSS JOIN generate_series($3::int, 1, -1) g
        WHERE s.id = ANY($1::text[])`;
      for (let from = 0; from < sensors; from += chunkSensors) {
        const ids = fleet.sensorIds.slice(from, from + chunkSensors);
        const withExtra = ids.slice(0, Math.max(0, Math.min(ids.length, extra - from)));
        const rest = ids.slice(withExtra.length);
        if (withExtra.length) await c.query(sql, [withExtra, beforeMs, perSensor + 1]);
        if (rest.length && perSensor > 0) await c.query(sql, [rest, beforeMs, perSensor]);
      }

      for (const k of constraints) await c.query(`ALTER TABLE reading ADD CONSTRAINT "${k.name}" ${k.def}`);
      // A partitioned table's index reads "ON ONLY reading" in pg_indexes: that form would
      // index the parent alone (invalid, no partition indexed), so it is created on all of them.
      for (const i of indexes) await c.query(i.def.replace(' ON ONLY ', ' ON '));
    }
    const seconds = (performance.now() - started) / 1000;
    await c.query('VACUUM ANALYZE reading');
    const after = Number((await c.query<{ n: string }>('SELECT count(*)::bigint AS n FROM reading')).rows[0]!.n);
    return { before, after, seconds, rowsPerSecond: Math.max(0, after - before) / seconds };
  });
}
