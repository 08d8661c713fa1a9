// A transaction on the raw driver (pg or PGlite) for the ingestion hot path.
// Prisma's interactive transactions cost ~25 % of a 1,000-reading batch's CPU
// in its query runtime; the hot path only ever sends raw SQL, so it runs it on
// the driver directly. Same tagged-template API as Prisma's `$queryRaw`, so the
// code written against it runs inside a Prisma transaction too (tests, sweeps).
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

export interface SqlTx {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  /** Statement text built once from trusted parts (a shared column list), `$1…` placeholders. */
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export type RunInTransaction = <T>(work: (tx: SqlTx) => Promise<T>) => Promise<T>;

/** `a ${x} b ${y}` → `a $1 b $2`, cached per call site (template arrays are unique per site). */
const compiled = new WeakMap<TemplateStringsArray, string>();
export function toParameterizedSql(strings: TemplateStringsArray): string {
  let text = compiled.get(strings);
  if (text === undefined) {
    text = strings.reduce((sql, part, i) => (i === 0 ? part : `${sql}$${i}${part}`), '');
    compiled.set(strings, text);
  }
  return text;
}

// int8 (count(*), sums) as numbers, the way PGlite returns them, not strings.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown;
  },
};

function pgSqlTx(client: pg.PoolClient): SqlTx {
  // One statement at a time: every caller awaits each statement (pg 9 will require it;
  // pg 8 still queues an overlapping call itself, with a deprecation warning).
  const run = (strings: TemplateStringsArray | string, values: unknown[]) =>
    client.query({ text: typeof strings === 'string' ? strings : toParameterizedSql(strings), values, types: pgTypes });
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await run(strings, values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await run(strings, values)).rowCount ?? 0;
    },
    async $queryRawUnsafe<T>(text: string, ...values: unknown[]) {
      return (await run(text, values)).rows as T;
    },
  };
}

export function pgTransactions(pool: pg.Pool): RunInTransaction {
  return async (work) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(pgSqlTx(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw err;
    } finally {
      // A connection that could not roll back is discarded, not reused.
      client.release(broken);
    }
  };
}

/**
 * Autocommit (no BEGIN/COMMIT round trips): each statement of `work` commits on its own. For
 * work that is a single statement, atomic by itself (the ingest insert), or reads that need no
 * common snapshot (the trust stream's: its writes compare-and-set what they read).
 */
export function pgAutocommit(pool: pg.Pool): RunInTransaction {
  return async (work) => {
    const client = await pool.connect();
    try {
      return await work(pgSqlTx(client));
    } finally {
      client.release();
    }
  };
}

/**
 * A read-only transaction for API reads whose statements may not run longer than
 * `timeoutMs` (SET LOCAL statement_timeout: this transaction only, never the ingest's or the
 * trust stream's). A statement over it fails with SQLSTATE 57014 (query_canceled):
 * queryTimedOut() below. 0: no timeout of our own.
 */
export function pgApiReads(pool: pg.Pool, timeoutMs: number): RunInTransaction {
  return async (work) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      if (timeoutMs > 0) await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const result = await work(pgSqlTx(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  };
}

/** Whether a statement was cancelled by its statement_timeout (SQLSTATE 57014). */
export function queryTimedOut(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '57014';
}

/** Autocommit on the embedded database (PGlite serialises each statement with transactions). */
export function pgliteAutocommit(db: PGlite): RunInTransaction {
  return (work) => work(pgliteSqlTx(db as unknown as Transaction));
}

function pgliteSqlTx(tx: Transaction): SqlTx {
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await tx.query(toParameterizedSql(strings), values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      return (await tx.query(toParameterizedSql(strings), values)).affectedRows ?? 0;
    },
    async $queryRawUnsafe<T>(text: string, ...values: unknown[]) {
      return (await tx.query(text, values)).rows as T;
    },
  };
}

export function pgliteTransactions(db: PGlite): RunInTransaction {
  return (work) => db.transaction((tx) => work(pgliteSqlTx(tx)));
}

/**
 * Runs `work` while holding a session-level advisory lock, so that one instance at a
 * time does it even when `work` spans several transactions. With `tryOnly`, returns
 * null at once when another session holds it.
 */
export type WithAdvisoryLock = <T>(key: number, tryOnly: boolean, work: () => Promise<T>) => Promise<T | null>;

export function pgAdvisoryLock(pool: pg.Pool): WithAdvisoryLock {
  return async (key, tryOnly, work) => {
    const client = await pool.connect();
    try {
      if (tryOnly) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!rows[0]?.ok) return null;
      } else {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      }
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      }
    } finally {
      client.release();
    }
  };
}

/** The embedded database has one session and one process: an in-process lock suffices. */
export function inProcessLock(): WithAdvisoryLock {
  const held = new Map<number, Promise<unknown>>();
  return async (key, tryOnly, work) => {
    while (held.has(key)) {
      if (tryOnly) return null;
      await held.get(key)!.catch(() => undefined);
    }
    const running = work();
    held.set(key, running);
    try {
      return await running;
    } finally {
      held.delete(key);
    }
  };
}
