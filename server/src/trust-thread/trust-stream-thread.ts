// The trust stream on its own worker thread (PostgreSQL): the engine, the checkpoints and
// their transactions run beside the request path, on the other core. The thread has its own
// pg pool and its own partition leases (advisory locks on its own connection, as before: a
// kill -9 of the process ends the sessions and frees the partitions), its own sensor-profile
// cache, and an in-thread event bus whose every publish is handed to the main thread, which
// publishes it as the stream did (Redis included). Registry changes and the pub/sub link's
// state come the other way. Loaded by trust-stream-worker.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import mqemitter from 'mqemitter';
import pg from 'pg';
import { pgAutocommit, pgTransactions } from '../db/sql-transaction.js';
import { createEventBus } from '../events/event-bus.js';
import { Topic } from '../events/topics.js';
import { createSensorProfileCache } from '../modules/readings/sensor-profile-cache.js';
import { createStateRestorer } from '../modules/trust/state-restore.js';
import { createTrustStreamRepository } from '../modules/trust/trust-stream-repository.js';
import { TrustWaitTimeoutError, type TrustStream } from '../modules/trust/trust-stream.js';
import { createTrustCore, wireTrustStream } from './stream-wiring.js';
import {
  LOG_LEVELS,
  plainLogObject,
  type Call,
  type FromThread,
  type LogLevel,
  type ThreadData,
  type ToThread,
} from './thread-protocol.js';

const port = parentPort!;
const data = workerData as ThreadData;
const send = (message: FromThread) => port.postMessage(message);

/** A logger whose lines the main thread writes with its own (same format, same destination). */
function threadLogger(): FastifyBaseLogger {
  // Unknown levels ('silent') write nothing.
  const least = LOG_LEVELS[data.logLevel] ?? Infinity;
  const line =
    (level: LogLevel) =>
    (obj: unknown, msg?: string): void => {
      if (LOG_LEVELS[level]! < least) return;
      if (typeof obj === 'string') send({ t: 'log', level, obj: {}, msg: obj });
      else send({ t: 'log', level, obj: plainLogObject(obj), msg });
    };
  const logger = {
    level: data.logLevel,
    fatal: line('fatal'),
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    trace: line('trace'),
    silent: () => {},
    child: () => logger,
  };
  return logger;
}

const log = threadLogger();
const pool = new pg.Pool({
  connectionString: data.config.databaseUrl!,
  max: data.poolSize,
  connectionTimeoutMillis: 10_000,
});
// As in db/database.ts: a dropped connection fails its query, never the thread.
pool.on('error', () => {});
pool.on('connect', (client) => client.on('error', () => {}));

// Publishes go to the main thread; what the main thread forwards is emitted here only.
const emitter = mqemitter({ concurrency: 0 });
const events = createEventBus(emitter, (err, topic) => log.warn({ err, topic }, 'trust thread: event failed'));
events.setLinked(data.linked);
for (const topic of Object.values(Topic))
  events.onLocalPublish(topic, (payload) => send({ t: 'event', topic, payload }));

const clock = { now: () => new Date() };
const restorer = createStateRestorer(log);
const core = createTrustCore(data.config, { events, clock, log });
const repo = createTrustStreamRepository();
const autocommit = pgAutocommit(pool);
const stream: TrustStream = wireTrustStream({
  config: data.config,
  db: { kind: 'postgres', transaction: pgTransactions(pool), autocommit },
  core,
  profiles: createSensorProfileCache((ids) => autocommit((tx) => repo.sensors(tx, ids)), events),
  restorer,
  backgroundJobs: data.backgroundJobs,
  events,
  clock,
  log,
  // No ingest runs on this thread: every range is read from the database.
  handOver: false,
});

const counters = () => ({ stats: { ...stream.stats }, resets: { ...restorer.resets } });
// The counters for /metrics between calls.
const statsTimer = setInterval(() => send({ t: 'stats', ...counters() }), 1000);
statsTimer.unref();

async function call(c: Call): Promise<unknown> {
  switch (c.method) {
    case 'start':
      return stream.start();
    case 'stop':
      await stream.stop();
      clearInterval(statsTimer);
      await pool.end();
      return undefined;
    case 'lag':
      return stream.lag();
    case 'waitProcessed':
      return stream.waitProcessed(c.timeoutMs);
    case 'judgeAt':
      return stream.judgeAt(c.sensorIds, c.at, c.timeoutMs);
  }
}

port.on('message', (m: ToThread) => {
  switch (m.t) {
    case 'notify':
      if (m.linked !== events.linked()) events.setLinked(m.linked);
      stream.notify();
      return;
    case 'linked':
      events.setLinked(m.up);
      return;
    case 'event':
      emitter.emit({ topic: m.topic, payload: m.payload });
      return;
    case 'call':
      call(m).then(
        (v) => send({ t: 'reply', id: m.id, ok: true, v, ...counters() }),
        (err: unknown) =>
          send({
            t: 'reply',
            id: m.id,
            ok: false,
            e: {
              message: err instanceof Error ? err.message : String(err),
              stack: err instanceof Error ? err.stack : undefined,
              ...(err instanceof TrustWaitTimeoutError ? { timeoutMs: err.timeoutMs } : {}),
            },
            ...counters(),
          }),
      );
  }
});
