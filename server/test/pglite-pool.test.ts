// Test apps on PGlite borrow a thread of their process (support/pglite-pool.ts): a returned
// one must come back exactly as fresh from the template (no rows, seeded rows as migrated,
// sequences from the start, no added partitions), and one whose schema a test changed must
// not come back at all.
import { describe, expect, it } from 'vitest';
import { pglitePoolCounts, takePglite } from './support/pglite-pool.js';

const userTables = `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
  WHERE schemaname = 'public' ORDER BY 1`;

describe('PGlite pool of the test apps', () => {
  it('hands a returned thread out again in the state of a fresh one', async () => {
    const fresh = await takePglite();
    const tables = (await fresh.query<{ name: string }>(userTables)).rows.map((r) => r.name);
    const seeded = async (db: typeof fresh) => ({
      migrations: (await db.query('SELECT migration_name, checksum FROM _prisma_migrations ORDER BY 1')).rows,
      origins: (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trust_stream_origin')).rows[0]!.n,
    });
    const before = await seeded(fresh);
    expect(before.migrations.length).toBeGreaterThan(0);
    expect(before.origins).toBe(1);

    await fresh.exec(`INSERT INTO zone (id, name) VALUES ('z1', 'Zone 1')`);
    await fresh.exec(`SELECT reading_ensure_partitions(ARRAY['2026-01-05'::date])`);
    const firstEvent = (await fresh.query<{ id: string }>(`SELECT nextval('ticket_event_id_seq')::text AS id`)).rows[0]!
      .id;
    await fresh.exec(
      `DELETE FROM _prisma_migrations WHERE migration_name = (SELECT min(migration_name) FROM _prisma_migrations)`,
    );
    const { started, reused } = pglitePoolCounts();
    await fresh.close();
    await expect(fresh.query('SELECT 1')).rejects.toThrow('the embedded database was closed');

    const again = await takePglite();
    try {
      expect(pglitePoolCounts()).toMatchObject({ started, reused: reused + 1 });
      expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM zone')).rows[0]!.n).toBe(0);
      expect((await again.query<{ name: string }>(userTables)).rows.map((r) => r.name)).toEqual(tables);
      expect(await seeded(again)).toEqual(before);
      expect((await again.query<{ id: string }>(`SELECT nextval('ticket_event_id_seq')::text AS id`)).rows[0]!.id).toBe(
        firstEvent,
      );
      // The stream's log starts after the reset, as it starts after the migration in a fresh one.
      const origin = await again.query<{ behind: boolean }>(
        `SELECT position::text::bigint > pg_current_xact_id()::text::bigint - 3 AS behind FROM trust_stream_origin`,
      );
      expect(origin.rows[0]!.behind).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('does not hand out again a thread whose schema changed', async () => {
    const db = await takePglite();
    await db.exec('CREATE TABLE scratch (id int)');
    const { discarded } = pglitePoolCounts();
    await db.close();
    expect(pglitePoolCounts().discarded).toBe(discarded + 1);

    const next = await takePglite();
    try {
      const scratch = await next.query<{ t: string | null }>(`SELECT to_regclass('public.scratch')::text AS t`);
      expect(scratch.rows[0]!.t).toBeNull();
    } finally {
      await next.close();
    }
  });
});
