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
