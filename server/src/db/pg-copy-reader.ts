// The text of one `COPY (query) TO STDOUT` in chunks (pg-copy-streams) on a pooled
// connection: the server formats the rows, Node only forwards bytes, and the socket is
// read only as fast as the consumer takes the chunks, so a slow client holds one chunk in
// memory, not the result. Used by the streamed exports (modules/readings/export-repository.ts).
// PGlite has no COPY TO STDOUT stream: the exports page it by keyset instead.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

export type CopyReader = (sql: string) => AsyncGenerator<Buffer>;

export function pgCopyReader(pool: pg.Pool): CopyReader {
  return async function* read(sql: string) {
    const client = await pool.connect();
    const stream = client.query(copyTo(sql));
    let done = false;
    let broken: Error | undefined;
    try {
      for await (const chunk of stream) yield chunk as Buffer;
      done = true;
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      // A COPY stopped early (a download cancelled) leaves the connection mid-protocol:
      // it is discarded, not given back to the pool.
      if (!done) stream.destroy();
      client.release(done ? undefined : (broken ?? new Error('COPY stopped early')));
    }
  };
}
