// SQL of the trust stream (docs/trust-stream.md): the reading table read as a log
// by transaction id, the per-partition positions (compare-and-set), the minute
// rollup the stream keeps, and the barrier evaluateTrust waits on.
import type { SqlTx } from '../../db/sql-transaction.js';
import { lowestXid, onlyRow, xidLess } from '../../db/rows.js';
import type { TrustStatus } from '../../trust/types.js';
import { nextXid } from './trust-stream-local-log.js';
import { sensorProfileSelectList, type SensorProfileRow } from '../sensors/index.js';

/** One stored reading read back from the log. */
export interface LogRow {
  sensorId: string;
  /** epoch ms */
  ts: number;
  value: number;
  /** epoch ms, server clock at ingestion (null for rows written by other means) */
  receivedAt: number | null;
  /** the inserting transaction's id (xid8 text): its log position */
  xid: string;
  /** its partition */
  part: number;
}

/** A partition's stored checkpoint: the log position its trust covers, and its rollup's. */
export interface StoredPosition {
  position: string;
  rollup: string;
}

/** A sensor's trust row as the stream loads it (no lock: the partition's owner is its only stream writer). */
export interface StreamSensorRow {
  sensorId: string;
  engineState: string | null;
  status: TrustStatus;
  score: number;
  reasons: unknown;
  statusSince: Date | null;
  version: number;
  /** xid8 text: the log rows below it are in engineState */
  streamPosition: string;
  /** The partition whose owner wrote it last (null: not recorded yet). */
  streamPartition: number | null;
  registeredAt: Date | null;
}

/** A sensor in service and the partition its zone puts it in. */
export interface PartitionMember {
  id: string;
  part: number;
}

/** A request for time-driven judgements of a partition: its number and the time to judge at. */
export interface SweepRequest {
  partition: number;
  seq: string;
  /** epoch ms */
  at: number;
  /** the sensors asked about (null: all) */
  ids: string[] | null;
}

/** Signals that another consumer advanced a partition first: the transaction must roll back. */
export class PartitionMovedError extends Error {
  constructor(readonly partitions: number[]) {
    super(`trust stream partitions ${partitions.join(', ')} were advanced by another consumer`);
  }
}

/** xid8 values travel as decimal text (see xidLess). */
export function xidMax(a: string, b: string): string {
  return xidLess(a, b) ? b : a;
}

/** The profile cache's loader inside the stream: the one profile column list (sensor-profile.ts). */
const SENSORS_SQL = `SELECT ${sensorProfileSelectList('s')}, s.retired_at AS "retiredAt"
  FROM sensor s WHERE s.id = ANY($1::text[])`;

export function createTrustStreamRepository() {
  return {
    /** Creates missing partition rows at the origin (after the readings stored before the stream existed). */
    async ensurePartitions(tx: SqlTx, count: number): Promise<void> {
      await tx.$executeRaw`
        INSERT INTO trust_stream (partition, position)
        SELECT g, o.position FROM generate_series(0, ${count - 1}::int) AS g, trust_stream_origin o
        ON CONFLICT DO NOTHING`;
    },

    async positions(tx: SqlTx, partitions: number[]): Promise<Map<number, StoredPosition>> {
      const rows = await tx.$queryRaw<{ partition: number; position: string; rollup: string }[]>`
        SELECT partition, position::text AS position, COALESCE(rollup_position, position)::text AS rollup
          FROM trust_stream WHERE partition = ANY(${partitions}::int[])`;
      return new Map(rows.map((r) => [r.partition, { position: r.position, rollup: r.rollup }]));
    },

    /** Trust rows of these sensors, creating missing ones (a sensor always has one; this only repairs). */
    async loadSensors(tx: SqlTx, ids: string[]): Promise<StreamSensorRow[]> {
      const read = () => tx.$queryRaw<StreamSensorRow[]>`
        SELECT t.sensor_id AS "sensorId", t.engine_state #>> '{}' AS "engineState", t.status::text AS status, t.score,
               t.reasons, t.status_since AS "statusSince", t.version, t.stream_position::text AS "streamPosition",
               t.stream_partition AS "streamPartition", s.created_at AS "registeredAt"
          FROM trust_state t JOIN sensor s ON s.id = t.sensor_id WHERE t.sensor_id = ANY(${ids}::text[])`;
      let rows = await read();
      if (rows.length < ids.length) {
        await tx.$executeRaw`
          INSERT INTO trust_state (sensor_id) SELECT unnest(${ids}::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`;
        rows = await read();
      }
      return rows;
    },

    /**
     * Exclusive upper bound of the next range to read from `from`: the oldest transaction
     * still running (every transaction below it has finished, so the rows below it are
     * final), or sooner, after about `limit` rows (never inside a transaction's rows: the
     * range ends after the transaction of the limit-th row). Always above `from` when there
     * is a row to read.
     */
    async upperBound(tx: SqlTx, from: string, limit: number): Promise<string> {
      const rows = await tx.$queryRaw<{ upper: string }[]>`
        WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),
             b AS (SELECT r.xid FROM reading r, s WHERE r.xid >= ${from}::xid8 AND r.xid < s.x
                    ORDER BY r.xid OFFSET ${limit}::int LIMIT 1)
        SELECT LEAST((SELECT x FROM s), COALESCE(((SELECT xid FROM b)::text::bigint + 1)::text::xid8, (SELECT x FROM s)))::text AS upper`;
      return onlyRow(rows, 'upperBound').upper;
    },

    /** The partition of each of these sensor ids (as readRange computes it; unknown ids are absent). */
    async partitionsOf(tx: SqlTx, ids: string[], mask: number): Promise<Map<string, number>> {
      const rows = await tx.$queryRaw<PartitionMember[]>`
        SELECT id, trust_key & ${mask}::int AS part FROM sensor WHERE id = ANY(${ids}::text[])`;
      return new Map(rows.map((r) => [r.id, r.part]));
    },

    /** The sensors in service of these partitions (their owner judges them all, with or without readings). */
    async members(tx: SqlTx, partitions: number[], mask: number): Promise<PartitionMember[]> {
      return tx.$queryRaw<PartitionMember[]>`
        SELECT id, trust_key & ${mask}::int AS part FROM sensor
         WHERE retired_at IS NULL AND (trust_key & ${mask}::int) = ANY(${partitions}::int[]) ORDER BY id`;
    },

    /**
     * Each sensor's rows with its from ≤ xid < its upper: the handover of a sensor whose zone
     * moved it into a partition whose read position is past rows its stored state lacks.
     */
    async sensorRows(
      tx: SqlTx,
      catchUps: { sensorId: string; part: number; from: string; upper: string }[],
    ): Promise<LogRow[]> {
      if (catchUps.length === 0) return [];
      return tx.$queryRaw<LogRow[]>`
        SELECT r.sensor_id AS "sensorId", (extract(epoch FROM r.ts) * 1000)::float8 AS ts, r.value,
               (extract(epoch FROM rc.received_at) * 1000)::float8 AS "receivedAt", r.xid::text AS xid, c.part
          FROM unnest(${catchUps.map((c) => c.sensorId)}::text[], ${catchUps.map((c) => c.part)}::int[],
                      ${catchUps.map((c) => c.from)}::text[], ${catchUps.map((c) => c.upper)}::text[]) AS c(id, part, lo, hi)
          JOIN reading r ON r.sensor_id = c.id AND r.xid >= c.lo::xid8 AND r.xid < c.hi::xid8
          LEFT JOIN reading_receipt rc ON rc.xid = r.xid`;
    },

    /** Requests for time-driven judgements of these partitions not committed yet (evaluateTrust). */
    async sweepRequests(tx: SqlTx, partitions: number[]): Promise<SweepRequest[]> {
      return tx.$queryRaw<SweepRequest[]>`
        SELECT partition, sweep_seq::text AS seq, (extract(epoch FROM sweep_at) * 1000)::float8 AS at, sweep_ids AS ids
          FROM trust_stream
         WHERE partition = ANY(${partitions}::int[]) AND sweep_seq > sweep_done AND sweep_at IS NOT NULL`;
    },

    /**
     * Asks every partition's owner to judge `ids` (null: all) at `at`; a request still pending
     * is merged into this one. The request number per partition.
     */
    async requestSweep(tx: SqlTx, at: Date, ids: string[] | null, partitions: number): Promise<Map<number, string>> {
      const rows = await tx.$queryRaw<{ partition: number; seq: string }[]>`
        UPDATE trust_stream SET sweep_seq = sweep_seq + 1, sweep_at = ${at},
               sweep_ids = CASE WHEN sweep_seq <= sweep_done THEN ${ids}::text[]
                                WHEN sweep_ids IS NULL OR ${ids}::text[] IS NULL THEN NULL
                                ELSE sweep_ids || ${ids}::text[] END
         WHERE partition < ${partitions}::int RETURNING partition, sweep_seq::text AS seq`;
      return new Map(rows.map((r) => [r.partition, r.seq]));
    },

    /** Whether every partition has committed the request numbered as given (or a later one). */
    async sweepsDone(tx: SqlTx, requests: ReadonlyMap<number, string>): Promise<boolean> {
      const parts = [...requests.keys()];
      const rows = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT NOT EXISTS (SELECT 1 FROM trust_stream t
                             JOIN unnest(${parts}::int[], ${parts.map((p) => requests.get(p)!)}::bigint[]) AS q(part, seq)
                               ON q.part = t.partition
                            WHERE t.sweep_done < q.seq) AS ok`;
      return rows[0]?.ok === true;
    },

    /** Marks requests committed (in the owner's checkpoint transaction). */
    async sweptUpTo(tx: SqlTx, partitions: number[], seqs: string[]): Promise<void> {
      await tx.$executeRaw`
        UPDATE trust_stream t SET sweep_done = GREATEST(t.sweep_done, q.seq)
          FROM unnest(${partitions}::int[], ${seqs}::bigint[]) AS q(part, seq) WHERE t.partition = q.part`;
    },

    /** How many of these sensors (null: all) are in service. */
    async countInService(tx: SqlTx, ids: string[] | null): Promise<number> {
      const rows = await tx.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM sensor
         WHERE retired_at IS NULL AND (${ids}::text[] IS NULL OR id = ANY(${ids}::text[]))`;
      return rows[0]?.n ?? 0;
    },

    /** The oldest transaction still running: every row below it is final. */
    async snapshotXmin(tx: SqlTx): Promise<string> {
      const rows = await tx.$queryRaw<{ x: string }[]>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`;
      return onlyRow(rows, 'snapshotXmin').x;
    },

    /**
     * Whether the table holds a row with lowest ≤ xid < upper from a transaction other than
     * `xids` (sorted): one index probe per gap between them, which finds nothing when every
     * row came from those transactions (no row of theirs is visited).
     */
    async rowsBetween(tx: SqlTx, lowest: string, upper: string, xids: string[]): Promise<boolean> {
      const lo = [lowest, ...xids.map(nextXid)];
      const hi = [...xids, upper];
      const rows = await tx.$queryRaw<{ found: boolean }[]>`
        SELECT EXISTS (
          SELECT 1 FROM unnest(${lo}::xid8[], ${hi}::xid8[]) AS g(lo, hi)
           WHERE g.lo < g.hi AND EXISTS (SELECT 1 FROM reading r WHERE r.xid >= g.lo AND r.xid < g.hi)) AS found`;
      return onlyRow(rows, 'rowsBetween').found;
    },

    /** Rows of the given partitions with position ≤ xid < upper (per partition), any order. */
    async readRange(
      tx: SqlTx,
      partitions: number[],
      positions: string[],
      upper: string,
      mask: number,
    ): Promise<LogRow[]> {
      const from = lowestXid(positions);
      if (from === undefined) return [];
      return tx.$queryRaw<LogRow[]>`
        SELECT r.sensor_id AS "sensorId", (extract(epoch FROM r.ts) * 1000)::float8 AS ts, r.value,
               (extract(epoch FROM rc.received_at) * 1000)::float8 AS "receivedAt", r.xid::text AS xid, p.part
          FROM reading r
          JOIN sensor s ON s.id = r.sensor_id
          JOIN unnest(${partitions}::int[], ${positions}::text[]) AS p(part, pos)
            ON p.part = (s.trust_key & ${mask}::int)
          LEFT JOIN reading_receipt rc ON rc.xid = r.xid
         WHERE r.xid >= ${from}::xid8 AND r.xid < ${upper}::xid8 AND r.xid >= p.pos::xid8`;
    },

    /** Profiles of these sensors (retired ones too, marked), read in the stream's transaction. */
    async sensors(tx: SqlTx, ids: string[]): Promise<SensorProfileRow[]> {
      return tx.$queryRawUnsafe<SensorProfileRow[]>(SENSORS_SQL, ids);
    },

    /**
     * Compare-and-set of the partitions' checkpoints (position and rollup position, from
     * what this instance stored last to the new ones); throws PartitionMovedError when one moved.
     */
    async advance(tx: SqlTx, partitions: number[], from: StoredPosition[], to: StoredPosition[]): Promise<void> {
      const rows = await tx.$queryRaw<{ partition: number }[]>`
        UPDATE trust_stream t SET position = n.next::xid8, rollup_position = n.next_rollup::xid8, updated_at = now()
          FROM unnest(${partitions}::int[], ${from.map((f) => f.position)}::text[], ${from.map((f) => f.rollup)}::text[],
                      ${to.map((f) => f.position)}::text[], ${to.map((f) => f.rollup)}::text[])
               AS n(part, prev, prev_rollup, next, next_rollup)
         WHERE t.partition = n.part AND t.position = n.prev::xid8
           AND COALESCE(t.rollup_position, t.position) = n.prev_rollup::xid8
        RETURNING t.partition`;
      if (rows.length !== partitions.length) {
        const done = new Set(rows.map((r) => r.partition));
        throw new PartitionMovedError(partitions.filter((p) => !done.has(p)));
      }
    },

    /** Adds counts to the per-minute rollup behind readingsLastHour (minutes in ascending order). */
    async addMinutes(tx: SqlTx, minutes: number[], counts: number[], shard: number): Promise<void> {
      if (minutes.length === 0) return;
      await tx.$executeRaw`
        INSERT INTO reading_minute (minute, shard, count)
        SELECT to_timestamp(m / 1000.0), ${shard}::smallint, c
          FROM unnest(${minutes}::float8[], ${counts}::int[]) AS u(m, c) ORDER BY 1
        ON CONFLICT (minute, shard) DO UPDATE SET count = reading_minute.count + EXCLUDED.count`;
    },

    /**
     * The lowest stored checkpoint, and the age (server clock) of the oldest reading at or
     * past its partition's checkpoint (one index probe per partition).
     */
    async lag(tx: SqlTx, partitions: number): Promise<{ position: string; oldestUnprocessedMs: number }> {
      const rows = await tx.$queryRaw<{ position: string | null; oldest: number | null }[]>`
        SELECT (SELECT min(position)::text FROM trust_stream WHERE partition < ${partitions}::int) AS position,
               (SELECT extract(epoch FROM now() - min(f.received_at)) * 1000
                  FROM trust_stream t
                  CROSS JOIN LATERAL (SELECT (SELECT rc.received_at FROM reading_receipt rc WHERE rc.xid = r.xid) AS received_at
                                        FROM reading r JOIN sensor s ON s.id = r.sensor_id
                                       WHERE r.xid >= t.position AND (s.trust_key & ${partitions - 1}::int) = t.partition
                                       ORDER BY r.xid LIMIT 1) f
                 WHERE t.partition < ${partitions}::int)::float8 AS oldest`;
      const row = onlyRow(rows, 'lag');
      return { position: row.position ?? '0', oldestUnprocessedMs: Math.max(0, row.oldest ?? 0) };
    },

    /**
     * Transactions (other than this one) holding an xid for at least `minAgeMs`: the oldest
     * of them is pg_snapshot_xmin, below which the stream reads, so they stall it.
     */
    async snapshotHolders(
      tx: SqlTx,
      minAgeMs: number,
    ): Promise<
      {
        pid: number;
        state: string | null;
        queryStart: Date | null;
        xactStart: Date | null;
        application: string | null;
        database: string | null;
      }[]
    > {
      return tx.$queryRaw`
        SELECT pid, state, query_start AS "queryStart", xact_start AS "xactStart",
               application_name AS application, datname AS database
          FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
           AND xact_start < now() - make_interval(secs => ${minAgeMs}::float8 / 1000)
         ORDER BY xact_start LIMIT 5`;
    },

    /** Every transaction that committed before this call has an id below the returned one. */
    async barrier(tx: SqlTx): Promise<string> {
      const rows = await tx.$queryRaw<{ x: string }[]>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`;
      return onlyRow(rows, 'barrier').x;
    },

    /**
     * True when everything committed below `barrier` has been applied: every transaction
     * below it has finished, and no partition has a stored reading between its position and
     * the barrier. (An idle partition need not have moved its position: the instance that
     * owns it may have nothing to do.)
     */
    async caughtUp(tx: SqlTx, barrier: string, partitions: number): Promise<boolean> {
      const rows = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ${barrier}::xid8
               AND (SELECT count(*) FROM trust_stream WHERE partition < ${partitions}::int) = ${partitions}::int
               AND NOT EXISTS (
                 SELECT 1 FROM trust_stream t
                   JOIN reading r ON r.xid >= t.position AND r.xid < ${barrier}::xid8
                   JOIN sensor s ON s.id = r.sensor_id AND (s.trust_key & ${partitions - 1}::int) = t.partition
                  WHERE t.partition < ${partitions}::int AND t.position < ${barrier}::xid8) AS ok`;
      return rows[0]?.ok === true;
    },
  };
}

export type TrustStreamRepository = ReturnType<typeof createTrustStreamRepository>;
