// SQL of the readings' daily partitions (docs/history.md): list them, create them ahead
// (reading_ensure_partitions, migration 20261207200000), compact old days into per-sensor hour
// blocks (reading_compact, migration 20261208100000), drop whole days and their blocks for
// retention, trim the rollups, and measure what a reading costs on disk, hot and compacted.
import type { SqlTx } from '../../db/sql-transaction.js';
import { ensurePartitions } from './readings-ingest-repository.js';

export interface ReadingPartition {
  name: string;
  /** UTC day (days since the epoch). */
  day: number;
}

const NAME = /^reading_p(\d{4})(\d{2})(\d{2})$/;
const DAY_MS = 86_400_000;

export function partitionDay(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

export function createReadingPartitionsRepository(streamPartitions: number) {
  /**
   * The lowest position of every trust stream partition and of its rollups (the origin counts
   * for a partition with no row, `$1` the number of partitions): every reading below it is
   * processed and rolled up.
   */
  const PROCESSED_BELOW = `
    SELECT LEAST(min(LEAST(t.position, COALESCE(t.rollup_position, t.position))),
                 CASE WHEN count(*) < $1::int THEN (SELECT position FROM trust_stream_origin) END)
      FROM trust_stream t`;
  return {
    ensure: ensurePartitions,

    /** The day partitions, oldest first (the default partition is not among them). */
    async list(tx: SqlTx): Promise<ReadingPartition[]> {
      const rows = await tx.$queryRaw<{ name: string }[]>`
        SELECT c.relname AS name
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'reading'::regclass`;
      const out: ReadingPartition[] = [];
      for (const { name } of rows) {
        const day = partitionDay(name);
        if (day !== null) out.push({ name, day });
      }
      return out.sort((a, b) => a.day - b.day);
    },

    /** UTC days of the rows waiting in the default partition. */
    async defaultDays(tx: SqlTx): Promise<number[]> {
      const rows = await tx.$queryRaw<{ day: number }[]>`
        SELECT DISTINCT floor(extract(epoch FROM ts) / 86400)::int AS day FROM reading_default`;
      return rows.map((r) => r.day);
    },

    /** Drops one day partition whole (its rows and index entries go with it, no row deletes). */
    async drop(tx: SqlTx, name: string): Promise<void> {
      if (partitionDay(name) === null) throw new Error(`not a reading partition: ${name}`);
      await tx.$queryRawUnsafe(`DROP TABLE IF EXISTS "${name}"`);
    },

    /**
     * Compacts one day partition into blocks and drops it, in this transaction (reading_compact):
     * the readings moved, 0 when it is gone already, -1 when it holds a reading the trust stream
     * has not processed and rolled up yet (below the lowest position of every stream partition;
     * the origin counts for a partition with no row), which keeps it hot until a later run.
     */
    async compact(tx: SqlTx, name: string): Promise<number> {
      const rows = await tx.$queryRawUnsafe<{ n: number }[]>(
        `SELECT reading_compact($2, (${PROCESSED_BELOW}))::float8 AS n`,
        streamPartitions,
        name,
      );
      return rows[0]?.n ?? 0;
    },

    /**
     * Deletes the ingest receipts (reading_receipt) of transactions below the lowest position
     * of the trust stream and its rollups: the stream never reads those rows again, so it never
     * asks for their receipt. Returns how many it deleted.
     */
    async pruneReceipts(tx: SqlTx): Promise<number> {
      const rows = await tx.$queryRawUnsafe<{ n: number }[]>(
        `WITH d AS (DELETE FROM reading_receipt WHERE xid < (${PROCESSED_BELOW}) RETURNING 1)
         SELECT count(*)::float8 AS n FROM d`,
        streamPartitions,
      );
      return rows[0]?.n ?? 0;
    },

    /** Deletes the blocks of hours before `before` (retention of compacted days). */
    async dropBlocks(tx: SqlTx, before: Date): Promise<number> {
      return tx.$executeRaw`DELETE FROM reading_block WHERE hour < ${before}`;
    },

    /** Deletes rollup rows of buckets before `before` (minute and hour rollups each their own cutoff). */
    async trimRollups(tx: SqlTx, minuteBefore: Date | null, hourBefore: Date | null): Promise<number> {
      let n = 0;
      if (minuteBefore) n += await tx.$executeRaw`DELETE FROM reading_rollup_minute WHERE bucket < ${minuteBefore}`;
      if (hourBefore) n += await tx.$executeRaw`DELETE FROM reading_rollup_hour WHERE bucket < ${hourBefore}`;
      return n;
    },

    /**
     * Bytes on disk of the hot readings (every partition, indexes and TOAST included, and the
     * ingest receipts not pruned yet) and their count.
     */
    async hotSize(tx: SqlTx): Promise<{ bytes: number; rows: number }> {
      const rows = await tx.$queryRaw<{ bytes: number; rows: number }[]>`
        SELECT (SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::float8
                  FROM pg_inherits i WHERE i.inhparent = 'reading'::regclass)
               + pg_total_relation_size('reading_receipt')::float8 AS bytes,
               (SELECT count(*)::float8 FROM reading) AS rows`;
      return rows[0] ?? { bytes: 0, rows: 0 };
    },

    /** Bytes on disk of the compacted readings (reading_block with its index and TOAST) and their count. */
    async compactedSize(tx: SqlTx): Promise<{ bytes: number; rows: number }> {
      const rows = await tx.$queryRaw<{ bytes: number; rows: number }[]>`
        SELECT pg_total_relation_size('reading_block')::float8 AS bytes,
               (SELECT coalesce(sum(cardinality(deltas)), 0)::float8 FROM reading_block) AS rows`;
      return rows[0] ?? { bytes: 0, rows: 0 };
    },
  };
}

export type ReadingPartitionsRepository = ReturnType<typeof createReadingPartitionsRepository>;
