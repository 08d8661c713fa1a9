// The migration runner: each migration once, in order, in a transaction, and
// an edited applied migration is refused.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MigrationError, type MigrationConnection } from '../src/db/migrate.js';

function connection(db: PGlite): MigrationConnection {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async (sql) => void (await db.exec(sql)),
  };
}

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'st-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('migration runner', () => {
  it('applies the project migrations once and records them like Prisma does', async () => {
    const db = new PGlite();
    const migrations = await loadMigrations();
    const first = await migrate(connection(db), migrations);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await migrate(connection(db), migrations);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length });
    const rows = await db.query<{ migration_name: string; checksum: string; applied_steps_count: number }>(
      'SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.rows).toEqual(
      migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })),
    );
    await db.close();
  });

  it('turns a reading table holding rows into daily partitions, each row kept with its xid', async () => {
    const db = new PGlite();
    const all = await loadMigrations();
    const at = all.findIndex((m) => m.name.endsWith('_reading_partitions'));
    await migrate(connection(db), all.slice(0, at));
    await db.exec(`INSERT INTO reading (sensor_id, ts, value) VALUES
      ('m-1', '2025-03-01T23:59:59.500Z', 1.5), ('m-1', '2025-03-02T00:00:00Z', 2.5), ('m-2', '2025-03-02T12:00:00Z', 3.5)`);
    const before = (
      await db.query<{ sensor_id: string; ts: Date; value: number; xid: string }>(
        'SELECT sensor_id, ts, value, xid::text AS xid FROM reading ORDER BY 1, 2',
      )
    ).rows;
    await migrate(connection(db), all);
    const after = await db.query<{ sensor_id: string; ts: Date; value: number; xid: string; part: string }>(
      'SELECT sensor_id, ts, value, xid::text AS xid, tableoid::regclass::text AS part FROM reading ORDER BY 1, 2',
    );
    expect(after.rows.map(({ part: _, ...r }) => r)).toEqual(before);
    expect(after.rows.map((r) => r.part)).toEqual(['reading_p20250301', 'reading_p20250302', 'reading_p20250302']);
    const kind = await db.query<{ k: string }>(`SELECT relkind::text AS k FROM pg_class WHERE relname = 'reading'`);
    expect(kind.rows[0]!.k).toBe('p');
    await db.close();
  });

  it('keeps the received_at of stored rows once per transaction when the column leaves the reading table', async () => {
    const db = new PGlite();
    const all = await loadMigrations();
    const at = all.findIndex((m) => m.name.endsWith('_reading_receipt'));
    await migrate(connection(db), all.slice(0, at));
    // Two transactions; the first stored rows received at two clocks, the second none.
    await db.exec(`INSERT INTO reading (sensor_id, ts, value, received_at) VALUES
      ('m-1', '2025-03-01T10:00:00Z', 1, '2025-03-01T10:00:05Z'), ('m-1', '2025-03-01T10:00:10Z', 2, '2025-03-01T10:00:12Z')`);
    await db.exec(`INSERT INTO reading (sensor_id, ts, value) VALUES ('m-2', '2025-03-01T10:00:00Z', 3)`);
    const xids = (
      await db.query<{ sensor_id: string; xid: string }>(
        'SELECT sensor_id, xid::text AS xid FROM reading ORDER BY 1, ts',
      )
    ).rows;
    await migrate(connection(db), all);
    const receipts = await db.query<{ xid: string; received_at: Date }>(
      'SELECT xid::text AS xid, received_at FROM reading_receipt ORDER BY xid',
    );
    expect(receipts.rows).toEqual([{ xid: xids[0]!.xid, received_at: new Date('2025-03-01T10:00:12Z') }]);
    const rows = await db.query<{ sensor_id: string; xid: string }>(
      'SELECT sensor_id, xid::text AS xid FROM reading ORDER BY 1, ts',
    );
    expect(rows.rows).toEqual(xids);
    await expect(db.query('SELECT received_at FROM reading')).rejects.toThrow(/received_at/);
    await db.close();
  });

  it('applies in name order and rolls a failing migration back whole', async () => {
    const dir = await migrationsDir({
      '2_second': 'CREATE TABLE b (id int REFERENCES a(id));',
      '1_first': 'CREATE TABLE a (id int PRIMARY KEY);',
      '3_broken': 'CREATE TABLE c (id int); SELECT no_such_function();',
    });
    const db = new PGlite();
    await expect(migrate(connection(db), await loadMigrations(dir))).rejects.toThrow(
      /"3_broken" failed and was rolled back/,
    );
    const tables = await db.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(['_prisma_migrations', 'a', 'b']);
    await db.close();
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const dir = await migrationsDir({ '1_first': 'CREATE TABLE a (id int);' });
    const db = new PGlite();
    await migrate(connection(db), await loadMigrations(dir));
    await writeFile(join(dir, '1_first', 'migration.sql'), 'CREATE TABLE a (id bigint);');
    const run = migrate(connection(db), await loadMigrations(dir));
    await expect(run).rejects.toThrow(MigrationError);
    await expect(migrate(connection(db), await loadMigrations(dir))).rejects.toThrow(
      /"1_first" was changed after it was applied/,
    );
    await db.close();
  });
});
