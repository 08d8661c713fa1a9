// Ownership of the trust stream's partitions across instances: PostgreSQL
// session-level advisory locks held on one dedicated connection per instance.
// When an instance dies (even kill -9) its socket closes, PostgreSQL ends the
// session and its locks are free; the survivors take them at their next check.
// Every instance also holds a shared "member" lock, so each can count the live
// instances and take about its fair share (ceil(partitions / members)), giving
// back extras when a new instance joins. The locks only avoid wasted work: the
// stream's compare-and-set on its position is what keeps two owners from both
// committing a range (docs/trust-stream.md).
import pg from 'pg';
import { fairShare, partitionsToRelease, partitionsToTry } from './lease-plan.js';

export interface PartitionLeases {
  /** Partitions this instance owns now (sorted). */
  owned(): number[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Embedded PGlite: one process, it owns every partition. */
export function ownAllPartitions(count: number): PartitionLeases {
  const all = Array.from({ length: count }, (_, i) => i);
  return { owned: () => all, start: async () => {}, stop: async () => {} };
}

/** Advisory-lock keys: MEMBER_KEY shared by every instance, PARTITION_BASE + p per partition. */
const MEMBER_KEY = 7_412_000;
const PARTITION_BASE = 7_412_100;

export function advisoryLockLeases(options: {
  databaseUrl: string;
  count: number;
  checkMs: number;
  onError?: (err: unknown) => void;
}): PartitionLeases {
  const { count, checkMs } = options;
  let client: pg.Client | null = null;
  let owned: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  let checking: Promise<void> | null = null;
  let stopped = false;

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true });
    c.on('error', (err) => {
      // The session is gone: so are its locks. Stop claiming them.
      owned = [];
      if (client === c) client = null;
      options.onError?.(err);
    });
    await c.connect();
    await c.query("SET application_name = 'sensor-trust partition leases'");
    await c.query('SELECT pg_advisory_lock_shared($1::bigint)', [MEMBER_KEY]);
    return c;
  }

  async function check(): Promise<void> {
    if (stopped) return;
    try {
      if (!client) {
        owned = [];
        client = await connect();
      }
      const c = client;
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::oid AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [MEMBER_KEY],
      );
      const fair = fairShare(count, rows[0]?.n ?? 1);
      const mine = new Set(owned);
      for (const p of partitionsToTry(mine, count)) {
        if (mine.size >= fair) break;
        const res = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
          PARTITION_BASE + p,
        ]);
        if (res.rows[0]?.ok) mine.add(p);
      }
      // More than a fair share (an instance joined): give the highest back.
      const { keep, release } = partitionsToRelease(mine, fair);
      for (const p of release) await c.query('SELECT pg_advisory_unlock($1::bigint)', [PARTITION_BASE + p]);
      owned = keep;
    } catch (err) {
      owned = [];
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
      options.onError?.(err);
    }
  }

  const tick = () => {
    checking ??= check().finally(() => {
      checking = null;
    });
    return checking;
  };

  return {
    owned: () => owned,
    async start() {
      await tick();
      timer = setInterval(() => void tick(), checkMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await checking;
      owned = [];
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
