// The embedded database's own thread. PGlite is PostgreSQL compiled to WASM and
// runs on the thread that calls it; on the main thread its work (most of an
// ingest batch's CPU) queued behind HTTP, GraphQL and the trust engine. Here it
// runs beside them on another core. The main thread talks to it through
// pglite-thread.ts, which offers the PGlite calls this app uses (query, exec,
// transaction). Plain JavaScript on purpose: a worker thread gets no TypeScript
// loader under every runner (tsx, vitest), and this file is only a message pump.
//
// Messages in:  { t: 'q', id, tx?, sql, params, rowMode?, raw? }   query
//               { t: 'x', id, tx?, sql }                           exec
//               { t: 'b', id, tx }  begin transaction `tx` (its statements may follow at once)
//               { t: 'r', id, tx }  tx.rollback()
//               { t: 'e', id, tx, commit }  end it (commit, or roll back)
//               { t: 'd', id }      dump the data directory (a gzipped tar archive, as bytes)
//               { t: 'c', id }      close the database
// Messages out: { t: 'ready' } | { t: 'fail', e } once; then { id, ok: true, v } | { id, ok: false, e }.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, messages } from '@electric-sql/pglite';

const port = parentPort;
const identity = (value) => value;
/** Parsers that leave the given type ids as text (the caller parses them with its own functions). */
const rawParsers = new Map();
function textParsersFor(oids) {
  const key = oids.join(',');
  let parsers = rawParsers.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(oids.map((oid) => [oid, identity]));
    rawParsers.set(key, parsers);
  }
  return parsers;
}

/** Errors cross the thread as plain data; pglite-thread.ts rebuilds DatabaseError from it. */
function serializeError(err) {
  if (err instanceof messages.DatabaseError) {
    const fields = {};
    // The protocol fields (code, detail, constraint, …) and the query text; not the
    // params or options, which may hold what cannot be cloned (functions).
    for (const [key, value] of Object.entries(err)) {
      if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) fields[key] = value;
    }
    return { database: true, message: err.message, length: err.length, name: err.name, fields };
  }
  return {
    database: false,
    message: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  };
}

/** Every request gets an answer, even when its result cannot be cloned across threads. */
function reply(message) {
  try {
    port.postMessage(message);
  } catch (err) {
    port.postMessage({ id: message.id, ok: false, e: serializeError(err) });
  }
}

const ROLLBACK = Symbol('rollback requested');
/** Open transactions: the PGlite transaction object and how to end it. */
const transactions = new Map();

async function main() {
  // An in-memory database may start from a dumped data directory (an already
  // migrated template) instead of running initdb, the slow part of a fresh PGlite.
  const db = workerData.dataDir
    ? new PGlite(workerData.dataDir)
    : new PGlite(workerData.template ? { loadDataDir: new Blob([workerData.template]) } : {});
  await db.waitReady;
  // Statements of a transaction may arrive right behind its begin message (the main
  // thread does not wait for BEGIN): they wait here until PGlite has begun it.
  const target = async (tx) => {
    if (tx === undefined) return db;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.began;
  };

  const handlers = {
    async q(m) {
      const options =
        m.rowMode || m.raw ? { rowMode: m.rowMode, parsers: m.raw ? textParsersFor(m.raw) : undefined } : undefined;
      const result = await (await target(m.tx)).query(m.sql, m.params, options);
      return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
    },
    async x(m) {
      const results = await (await target(m.tx)).exec(m.sql);
      return results.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
    },
    b(m) {
      // Registered at once; `began` resolves with PGlite's transaction object once
      // PGlite has begun it (after any other transaction has ended).
      let end;
      const ended = new Promise((resolve) => (end = resolve));
      let opened;
      const began = new Promise((resolve) => (opened = resolve));
      const done = db
        .transaction(async (tx) => {
          opened(tx);
          if (!(await ended)) throw ROLLBACK;
        })
        .then(
          () => null,
          (err) => {
            if (err !== ROLLBACK) throw err;
            return null;
          },
        )
        .finally(() => transactions.delete(m.tx));
      // BEGIN itself failed: statements waiting for the transaction fail with its error.
      const failedBegin = done.then(() => {
        throw new Error(`transaction ${m.tx} ended before it began`);
      });
      failedBegin.catch(() => undefined);
      transactions.set(m.tx, { began: Promise.race([began, failedBegin]), end, done });
      return null;
    },
    async r(m) {
      await (await target(m.tx)).rollback();
      return null;
    },
    async e(m) {
      const open = transactions.get(m.tx);
      if (!open) return null;
      open.end(m.commit === true);
      return open.done;
    },
    async d() {
      const archive = await db.dumpDataDir('gzip');
      return new Uint8Array(await archive.arrayBuffer());
    },
    async c() {
      await db.close();
      return null;
    },
  };

  port.on('message', (m) => {
    Promise.resolve()
      .then(() => handlers[m.t](m))
      .then(
        (v) => reply({ id: m.id, ok: true, v }),
        (err) => reply({ id: m.id, ok: false, e: serializeError(err) }),
      );
  });
  port.postMessage({ t: 'ready' });
}

main().catch((err) => port.postMessage({ t: 'fail', e: serializeError(err) }));
