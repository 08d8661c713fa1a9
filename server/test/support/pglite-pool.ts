// In-memory PGlite threads for test apps, reused across the apps of one test process.
// Starting one from the migrated template takes seconds (unpacking the data directory
// and starting PostgreSQL inside the WASM); putting a used one back into the template's
// state takes a TRUNCATE of the tables that got rows. A thread comes back only when its
// schema is still the template's (no partition, table, index, function, trigger, type
// or role added or dropped); otherwise it is closed and the next app gets a fresh one.
//
//   const app = await buildApp(config, { inMemoryDatabase: true, inMemoryPglite: takePglite });
import { startInMemoryPglite } from '../../src/db/database.js';
import type { PgliteThread } from '../../src/db/pglite-thread.js';

/** What a fresh thread holds: its schema's fingerprint and the rows the migrations seeded. */
interface Baseline {
  schema: string;
  tables: string[];
  partitions: string[];
  seeded: { table: string; columns: string; rows: string }[];
}

const idle: PgliteThread[] = [];
// Test files share a worker process (isolate: false), so idle threads outlive the file that
// started them; a file with several apps open at once must not leave them all behind.
const MAX_IDLE = 2;
let baseline: Promise<Baseline> | null = null;
const counts = { started: 0, reused: 0, discarded: 0 };

/** Threads started, loans served by a reset thread, and threads closed because their schema changed. */
export function pglitePoolCounts(): Readonly<typeof counts> {
  return { ...counts };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Everything a test could add to or drop from the schema, as one comparable string. */
const SCHEMA_FINGERPRINT = `
  SELECT md5(string_agg(item, ',' ORDER BY item)) AS schema FROM (
    SELECT 'rel ' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relnatts AS item
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       AND n.nspname NOT LIKE 'pg_temp%'
    UNION ALL
    SELECT 'fn ' || p.proname || ':' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'trigger ' || tgname || ':' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':'
           || a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'constraint ' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'role ' || rolname FROM pg_roles
    UNION ALL
    SELECT 'setting ' || setdatabase || ':' || setrole || ':' || array_to_string(setconfig, ' ') FROM pg_db_role_setting
    UNION ALL
    SELECT 'extension ' || extname || ':' || extversion FROM pg_extension
  ) items`;

async function schemaOf(thread: PgliteThread): Promise<string> {
  return (await thread.query<{ schema: string }>(SCHEMA_FINGERPRINT)).rows[0]!.schema;
}

async function readBaseline(thread: PgliteThread): Promise<Baseline> {
  const tables = (
    await thread.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    )
  ).rows.map((r) => r.name);
  const seeded: Baseline['seeded'] = [];
  for (const table of await nonEmpty(thread, tables)) {
    const columns = (
      await thread.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute
          WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
        [table],
      )
    ).rows
      .map((r) => quote(r.name))
      .join(', ');
    const rows = (
      await thread.query<{ rows: string }>(`SELECT json_agg(t)::text AS rows FROM (SELECT ${columns} FROM ${table}) t`)
    ).rows[0]!.rows;
    seeded.push({ table, columns, rows });
  }
  return { schema: await schemaOf(thread), tables, partitions: await partitionsOf(thread), seeded };
}

/** Partitions of partitioned tables (readings get one per day as they arrive). */
async function partitionsOf(thread: PgliteThread): Promise<string[]> {
  const rows = await thread.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class parent ON parent.oid = i.inhparent
      WHERE parent.relkind = 'p' ORDER BY 1`,
  );
  return rows.rows.map((r) => r.name);
}

/** The tables that hold any row, in one statement. */
async function nonEmpty(thread: PgliteThread, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const probe = tables.map((t, i) => `SELECT ${i} AS i WHERE EXISTS (SELECT 1 FROM ${t})`).join(' UNION ALL ');
  return (await thread.query<{ i: number }>(probe)).rows.map((r) => tables[r.i]!);
}

/** Puts a used thread back into the template's state; false when its schema changed. */
async function reset(thread: PgliteThread, base: Baseline): Promise<boolean> {
  const added = (await partitionsOf(thread)).filter((p) => !base.partitions.includes(p));
  if (added.length > 0) await thread.exec(`DROP TABLE ${added.join(', ')}`);
  if ((await schemaOf(thread)) !== base.schema) return false;
  const used = new Set([...(await nonEmpty(thread, base.tables)), ...base.seeded.map((s) => s.table)]);
  const sequences = (
    await thread.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences WHERE last_value IS NOT NULL`,
    )
  ).rows.map((r) => r.name);
  await thread.transaction(async (tx) => {
    await tx.exec(`TRUNCATE ${[...used].join(', ')} RESTART IDENTITY CASCADE`);
    // Sequences not owned by a truncated table's column start over too.
    for (const seq of sequences) await tx.query(`ALTER SEQUENCE ${seq} RESTART`);
    for (const s of base.seeded)
      await tx.query(
        `INSERT INTO ${s.table} (${s.columns}) SELECT * FROM json_populate_recordset(NULL::${s.table}, $1)`,
        [s.rows],
      );
    // As its migration sets it: the trust stream's log starts after the transaction that made it.
    await tx.exec(`UPDATE trust_stream_origin SET position = (pg_current_xact_id()::text::bigint + 1)::text::xid8`);
  });
  // Session state (settings, prepared statements, temporary tables) and statistics.
  await thread.exec('DISCARD ALL');
  await thread.query('SELECT pg_stat_reset()');
  return true;
}

/**
 * An in-memory PGlite in the template's state for one app: an idle one of this process
 * when there is one, else a fresh one. Closing it hands it back (reset) instead of
 * ending its thread.
 */
export async function takePglite(): Promise<PgliteThread> {
  let thread = idle.pop();
  if (thread) counts.reused++;
  else {
    counts.started++;
    thread = (await startInMemoryPglite()).thread;
    baseline ??= readBaseline(thread);
    await baseline;
  }
  return lend(thread);
}

function lend(thread: PgliteThread): PgliteThread {
  let returned = false;
  // After close, a late call of the app that borrowed it must not reach the next app's database.
  const closed = () => Promise.reject(new Error('the embedded database was closed'));
  const loan: PgliteThread = {
    ...thread,
    query: (sql, params, options) => (returned ? closed() : thread.query(sql, params, options)),
    exec: (sql) => (returned ? closed() : thread.exec(sql)),
    transaction: (work) => (returned ? closed() : thread.transaction(work)),
    async close() {
      if (returned) return;
      returned = true;
      if (idle.length >= MAX_IDLE) return thread.close();
      const back = await reset(thread, await baseline!).catch(() => false);
      if (back) idle.push(thread);
      else {
        counts.discarded++;
        await thread.close();
      }
    },
    asPglite: () => loan as unknown as ReturnType<PgliteThread['asPglite']>,
  };
  return loan;
}
