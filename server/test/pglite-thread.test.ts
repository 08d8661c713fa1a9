// The embedded database on its worker thread: what crosses the thread (values,
// caller-supplied parsers, database errors) and how transactions behave when
// their statements follow BEGIN without waiting for it.
import { messages } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteThread, type PgliteThread } from '../src/db/pglite-thread.js';

describe('PGlite on its own thread', () => {
  let db: PgliteThread;

  beforeAll(async () => {
    db = await startPgliteThread(null);
    await db.exec(`
      CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL, at timestamptz, doc jsonb, tags text[]);
      CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
      INSERT INTO counter VALUES (1, 0);`);
  });
  afterAll(() => db?.close());

  it('returns typed values, as PGlite does in-thread', async () => {
    const at = new Date('2026-11-28T12:00:00.000Z');
    const inserted = await db.query('INSERT INTO item VALUES ($1, $2, $3, $4, $5)', [
      1,
      'one',
      at,
      JSON.stringify({ a: [1, 2] }),
      ['x', 'y'],
    ]);
    expect(inserted.affectedRows).toBe(1);
    const { rows, fields } = await db.query<{ id: number; label: string; at: Date; doc: unknown; tags: string[] }>(
      'SELECT * FROM item WHERE id = $1',
      [1],
    );
    expect(rows).toEqual([{ id: 1, label: 'one', at, doc: { a: [1, 2] }, tags: ['x', 'y'] }]);
    expect(fields.map((f) => f.name)).toEqual(['id', 'label', 'at', 'doc', 'tags']);
  });

  it('applies caller-supplied parsers (functions stay on this thread) in array row mode', async () => {
    const TIMESTAMPTZ = 1184;
    const { rows } = await db.query('SELECT id, at FROM item WHERE id = 1', [], {
      rowMode: 'array',
      parsers: { [TIMESTAMPTZ]: (text: string) => `parsed:${text}` },
    });
    expect(rows[0]).toEqual([1, expect.stringMatching(/^parsed:2026-11-28 12:00:00/)]);
  });

  it('throws PGlite DatabaseError with the protocol fields', async () => {
    const err = await db.query('INSERT INTO item (id, label) VALUES (1, $1)', ['again']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(messages.DatabaseError);
    expect(err).toMatchObject({ code: '23505', constraint: 'item_pkey', table: 'item', severity: 'ERROR' });
    expect((err as Error).message).toMatch(/duplicate key value/);
  });

  it('commits a transaction, and rolls back one whose work throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO item (id, label) VALUES (2, $1)', ['two']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO item (id, label) VALUES (3, $1)', ['three']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const failed = db.transaction(async (tx) => {
      await tx.query('INSERT INTO item (id, label) VALUES (4, $1)', ['four']);
      await tx.query('INSERT INTO item (id, label) VALUES (2, $1)', ['duplicate']);
    });
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    const { rows } = await db.query<{ id: number }>('SELECT id FROM item ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('honours an explicit tx.rollback()', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO item (id, label) VALUES (5, $1)', ['five']);
      await tx.rollback();
      expect(tx.closed).toBe(true);
    });
    expect((await db.query('SELECT 1 FROM item WHERE id = 5')).rows).toHaveLength(0);
  });

  it('runs statements sent together in order, and concurrent transactions one after another', async () => {
    const bump = () =>
      db.transaction(async (tx) => {
        // Both statements leave before either answers; the second sees the first's write.
        const [, read] = await Promise.all([
          tx.query('UPDATE counter SET n = n + 1 WHERE id = 1'),
          tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1'),
        ]);
        await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [read.rows[0]!.n * 10]);
        return read.rows[0]!.n;
      });
    const seen = await Promise.all([bump(), bump(), bump()]);
    // Serialised: each transaction saw the previous one's committed value (+1).
    expect(seen).toEqual([1, 11, 111]);
    expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows[0]!.n).toBe(1110);
  });

  it('answers every call after close with an error instead of hanging', async () => {
    const other = await startPgliteThread(null);
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow(/exited/);
  });
});
