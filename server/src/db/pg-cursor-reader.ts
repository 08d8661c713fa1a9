// Rows of one query in chunks from a server-side cursor (pg-cursor) on a pooled
// connection: the next chunk is fetched only when the consumer asks for it, so a
// slow client holds one chunk in memory, not the result. Used by the streamed
// exports (modules/readings/export-repository.ts). PGlite has no portals to keep
// open between calls: the exports page it by keyset instead.
import Cursor from 'pg-cursor';
import type pg from 'pg';

export type CursorReader = <T>(sql: string, params: unknown[], chunkRows: number) => AsyncGenerator<T[]>;

export function pgCursorReader(pool: pg.Pool): CursorReader {
  return async function* read<T>(sql: string, params: unknown[], chunkRows: number) {
    const client = await pool.connect();
    const cursor = client.query(new Cursor<T>(sql, params));
    let broken: Error | undefined;
    try {
      for (;;) {
        const rows = await cursor.read(chunkRows);
        if (rows.length === 0) return;
        yield rows;
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      // Also when the consumer stops early (a download cancelled): the portal is closed
      // and the connection goes back to the pool (discarded if it failed).
      await cursor.close().catch((err: Error) => (broken ??= err));
      client.release(broken);
    }
  };
}
