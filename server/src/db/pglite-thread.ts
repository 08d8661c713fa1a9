// The embedded database on its own thread (pglite-worker.mjs), seen from the
// main thread as the part of PGlite's API this app uses: query, exec,
// transaction (with query/exec/rollback inside), close. Prisma's
// PGlite adapter and the raw ingest path both take it in place of a PGlite.
//
// Why: PGlite runs PostgreSQL on the thread that calls it. On the main thread
// its WASM work (two thirds of an ingest batch's CPU) and the server's own JS
// took turns on one core; on a worker they overlap on two.
//
//   const db = await startPgliteThread(dataDir);   // null: in memory
//   await db.query('SELECT 1');
//   await db.transaction(async (tx) => tx.query('INSERT …', [v]));
//   await db.close();
import { Worker } from 'node:worker_threads';
import { messages, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';

type Parser = (value: string, typeId: number) => unknown;
interface QueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, Parser>;
}

interface SerializedError {
  database: boolean;
  message: string;
  length?: number;
  name?: string;
  fields?: Record<string, unknown>;
  stack?: string;
}

function rebuildError(e: SerializedError): Error {
  if (e.database) {
    // Same class as an in-thread PGlite throws: the Prisma adapter maps it to Prisma error codes.
    const err = new messages.DatabaseError(e.message, e.length ?? 0, (e.name ?? 'error') as never);
    return Object.assign(err, e.fields);
  }
  const err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

/** The thread-backed stand-in for PGlite: only what the app calls. */
export interface PgliteThread {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** The whole data directory as a gzipped tar archive (a template for `startPgliteThread`). */
  dump(): Promise<Uint8Array>;
  close(): Promise<void>;
  /** Calls sent to the thread and not yet answered, and transactions open (metrics). */
  load(): { pending: number; transactions: number };
  /** Typed as PGlite for the libraries that take one (they only use the calls above). */
  asPglite(): PGlite;
}

/**
 * `dataDir`: a directory on disk, or null for an in-memory database; `template`: a
 * dumped data directory (see `dump`) the in-memory database starts from.
 */
export async function startPgliteThread(dataDir: string | null, template?: Uint8Array | null): Promise<PgliteThread> {
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
    workerData: { dataDir, template: template ?? null },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let nextTx = 1;
  let openTransactions = 0;
  let dead: Error | null = null;

  const failAll = (err: Error) => {
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { t?: string; id?: number; ok?: boolean; v?: unknown; e?: SerializedError }) => {
      if (m.t === 'ready') return resolve();
      if (m.t === 'fail') return reject(rebuildError(m.e!));
      const p = pending.get(m.id!);
      if (!p) return;
      pending.delete(m.id!);
      if (m.ok) p.resolve(m.v);
      else p.reject(rebuildError(m.e!));
    });
    worker.on('error', (err) => {
      reject(err);
      failAll(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`the embedded database thread exited (code ${code})`);
      reject(err);
      failAll(err);
    });
  });

  const call = <T>(message: Record<string, unknown>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve, reject });
      worker.postMessage({ ...message, id });
    });
  };

  async function query<T>(
    tx: number | undefined,
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<Results<T>> {
    // Caller-supplied parsers are functions, which cannot cross threads: their types
    // come back as text and are parsed here.
    const raw = options?.parsers ? Object.keys(options.parsers).map(Number) : undefined;
    const result = await call<Results<T>>({ t: 'q', tx, sql, params: params ?? [], rowMode: options?.rowMode, raw });
    if (raw && result.rows.length > 0) applyParsers(result, options!.parsers!, options!.rowMode === 'array');
    return result;
  }

  function txHandle(tx: number): Transaction {
    let closed = false;
    const handle = {
      query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => query<T>(tx, sql, params, options),
      sql: () => {
        throw new Error('tx.sql is not available on the embedded database thread');
      },
      exec: (sql: string) => call<Results[]>({ t: 'x', tx, sql }),
      rollback: async () => {
        await call({ t: 'r', tx });
        closed = true;
      },
      listen: () => {
        throw new Error('LISTEN is not available on the embedded database thread');
      },
      get closed() {
        return closed;
      },
    };
    return handle;
  }

  const thread: PgliteThread = {
    query: (sql, params, options) => query(undefined, sql, params, options),
    exec: (sql) => call<Results[]>({ t: 'x', sql }),
    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      openTransactions++;
      try {
        return await runTransaction(tx, work);
      } finally {
        openTransactions--;
      }
    },
    dump: () => call<Uint8Array>({ t: 'd' }),
    async close() {
      if (!dead) await call({ t: 'c' }).catch(() => undefined);
      await worker.terminate();
    },
    load: () => ({ pending: pending.size, transactions: openTransactions }),
    asPglite: () => thread as unknown as PGlite,
  };

  async function runTransaction<T>(tx: number, work: (tx: Transaction) => Promise<T>): Promise<T> {
    // Not awaited: the first statements travel right behind BEGIN (one round trip less
    // inside the transaction); a failed BEGIN fails them and ends up in `work`'s error.
    const begun = call({ t: 'b', tx });
    begun.catch(() => undefined);
    let result: T;
    try {
      // Like PGlite, never call `work` synchronously (Prisma's adapter relies on it).
      await Promise.resolve();
      result = await work(txHandle(tx));
    } catch (err) {
      await call({ t: 'e', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await begun;
    await call({ t: 'e', tx, commit: true });
    return result;
  }
  await ready;
  return thread;
}

function applyParsers(result: Results<unknown>, parsers: Record<number, Parser>, arrayRows: boolean): void {
  const columns = result.fields.flatMap((f, index) => {
    const parse = parsers[f.dataTypeID];
    return parse ? [{ index, name: f.name, typeId: f.dataTypeID, parse }] : [];
  });
  if (columns.length === 0) return;
  for (const row of result.rows as Record<string | number, unknown>[]) {
    for (const c of columns) {
      const key = arrayRows ? c.index : c.name;
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = c.parse(value as string, c.typeId);
    }
  }
}
