// The trust stream seen from the main thread while it runs on its own worker thread
// (trust-stream-thread.ts): the same TrustStream, its calls answered by the thread. The
// thread's events are published here, on the app's bus, in the order it made them and
// before the answer of any call that waited for the tick that made them (one ordered port),
// so a caller of awaitTrust or evaluateTrust finds the dashboard cache already dropped.
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../events/event-bus.js';
import { Topic } from '../events/topics.js';
import type { StateRestorer } from '../modules/trust/state-restore.js';
import {
  emptyStats,
  TrustWaitTimeoutError,
  type TrustStream,
  type TrustStreamStats,
} from '../modules/trust/trust-stream.js';
import { STATE_RESET_REASONS, type StateResetReason } from '../trust/index.js';
import type { StreamConfig } from './stream-wiring.js';
import type { Call, Counters, FromThread, ThreadData, ThreadError, ToThread } from './thread-protocol.js';

export interface RemoteStreamDeps {
  config: StreamConfig;
  events: EventBus;
  log: FastifyBaseLogger;
  backgroundJobs: boolean;
  poolSize: number;
}

/** The stream on its worker thread; `resets` counts the thread's discarded engine states. */
export function createRemoteTrustStream(deps: RemoteStreamDeps): TrustStream & Pick<StateRestorer, 'resets'> {
  const { events, log } = deps;
  const stats: TrustStreamStats = emptyStats();
  const resets = Object.fromEntries(STATE_RESET_REASONS.map((reason) => [reason, 0])) as Record<
    StateResetReason,
    number
  >;
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const offs: (() => void)[] = [];

  function counted(c: Counters): void {
    Object.assign(stats, c.stats);
    Object.assign(resets, c.resets);
  }

  function rebuild(e: ThreadError): Error {
    const err = e.timeoutMs !== undefined ? new TrustWaitTimeoutError(e.timeoutMs) : new Error(e.message);
    if (e.stack) err.stack = e.stack;
    return err;
  }

  function onMessage(m: FromThread): void {
    switch (m.t) {
      case 'event':
        events.publish(m.topic, m.payload);
        return;
      case 'log':
        log[m.level](m.obj, m.msg);
        return;
      case 'stats':
        counted(m);
        return;
      case 'reply': {
        counted(m);
        const waiter = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) waiter?.resolve(m.v);
        else waiter?.reject(rebuild(m.e));
      }
    }
  }

  function post(message: ToThread): void {
    worker?.postMessage(message);
  }

  function call<T>(c: Call): Promise<T> {
    const w = worker;
    if (!w) return Promise.reject(new Error('the trust stream thread is not running'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ t: 'call', id, ...c } satisfies ToThread);
    });
  }

  function failAll(err: Error): void {
    for (const waiter of pending.values()) waiter.reject(err);
    pending.clear();
  }

  return {
    stats,
    resets,
    async start(): Promise<void> {
      const data: ThreadData = {
        config: deps.config,
        backgroundJobs: deps.backgroundJobs,
        poolSize: deps.poolSize,
        linked: events.linked(),
        logLevel: log.level,
      };
      const w = new Worker(new URL('./trust-stream-worker.mjs', import.meta.url), {
        workerData: data,
        name: 'trust-stream',
      });
      worker = w;
      w.on('message', onMessage);
      w.on('error', (err) => {
        log.error({ err }, 'trust stream thread failed');
        failAll(err);
      });
      w.on('exit', (code) => {
        if (worker === w) worker = null;
        failAll(new Error(`the trust stream thread exited (code ${code})`));
      });
      // What the stream hears from the rest of the server.
      offs.push(
        events.on(Topic.SensorRegistryChanged, (payload) =>
          post({ t: 'event', topic: Topic.SensorRegistryChanged, payload }),
        ),
        events.onResync(() => {
          post({ t: 'linked', up: false });
          post({ t: 'linked', up: true });
        }),
      );
      await call({ method: 'start' });
    },
    async stop(): Promise<void> {
      for (const off of offs.splice(0)) off();
      const w = worker;
      if (!w) return;
      try {
        await call({ method: 'stop' });
      } finally {
        worker = null;
        await w.terminate();
      }
    },
    lag: () => call({ method: 'lag' }),
    notify(): void {
      // The link's state rides along: the thread's profile cache is not trusted while it is down.
      post({ t: 'notify', linked: events.linked() });
    },
    // Only embedded PGlite hands rows over in memory, and it keeps the stream on this thread.
    offer(): void {},
    waitProcessed: (timeoutMs) => call({ method: 'waitProcessed', timeoutMs }),
    judgeAt: (sensorIds, at, timeoutMs) => call({ method: 'judgeAt', sensorIds, at, timeoutMs }),
  };
}
