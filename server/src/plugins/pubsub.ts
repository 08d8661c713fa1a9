// The pub/sub emitter shared by services and subscriptions: in-process mqemitter
// alone, mqemitter-redis with REDIS_URL so every instance sees every event.
//
// Redis is not needed to serve: while it is away, events still reach this
// instance's own subscribers (the bus delivers them directly), publishing fails
// fast instead of queueing stale events for later, and once both connections are
// back the bus announces a resync (caches fed by other instances' events drop
// what they hold). ioredis reconnects and resubscribes by itself.
import fp from 'fastify-plugin';
import { Redis, type Redis as RedisClient } from 'ioredis';
import mqemitter, { type MQEmitter } from 'mqemitter';
import { redisEmitterInternals } from '../compat/mqemitter-redis.js';
import { createEventBus, type EventBus } from '../events/event-bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventBus;
  }
}

const READY_TIMEOUT_MS = 10_000;

function whenReady(conn: RedisClient): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => conn.once('ready', () => resolve()));
}

export interface PubSubPluginOptions {
  redisUrl: string | null;
  /** Channel prefix (config.redisNamespace). */
  namespace: string;
}

export default fp<PubSubPluginOptions>(
  async (app, options) => {
    if (!options.redisUrl) {
      const emitter = mqemitter({ concurrency: 0 });
      app.decorate(
        'events',
        createEventBus(emitter, (err, topic) => app.log.warn({ err, topic }, 'publish failed')),
      );
      app.addHook('onClose', async () => {
        await new Promise<void>((resolve) => emitter.close(() => resolve()));
      });
      return;
    }
    const { default: redisEmitter } = await import('mqemitter-redis');
    // Subscriptions made while Redis is away wait for it (a SUBSCRIBE that gave up
    // would leave its topic unsubscribed for good: ioredis resubscribes only what succeeded).
    const subConn = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    // No offline queue: an event published while Redis is away is delivered here and
    // now, not replayed to every instance minutes later; nor does it pile up in memory.
    const pubConn = new Redis(options.redisUrl, { enableOfflineQueue: false, enableAutoPipelining: true });
    const emitter: MQEmitter = redisEmitter({ subConn, pubConn });
    // Without a listener a Redis hiccup would be an unhandled 'error' and kill the process.
    redisEmitterInternals(emitter).state.on('error', (err: unknown) => app.log.debug({ err }, 'pub/sub Redis error'));
    const bus = createEventBus(
      emitter,
      (err, topic) => app.log.warn({ err, topic }, 'publish failed'),
      options.namespace,
    );
    const report = () => {
      const up = subConn.status === 'ready' && pubConn.status === 'ready';
      if (up === bus.linked()) return;
      if (up) app.log.info('pub/sub Redis is back: events flow between instances again');
      else app.log.warn('pub/sub Redis is away: events reach this instance only until it is back');
      bus.setLinked(up);
    };
    for (const conn of [subConn, pubConn]) {
      conn.on('ready', report);
      conn.on('close', report);
    }
    // Subscribing while ioredis still runs its ready check (INFO) puts the
    // connection in subscriber mode mid-check and the check fails: the first
    // instance to start then never received anything. Wait for both connections.
    const ready = await Promise.race([
      Promise.all([whenReady(subConn), whenReady(pubConn)]).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS).unref()),
    ]);
    if (!ready) app.log.warn('Redis pub/sub not ready yet; events flow once it answers');
    report();
    app.log.info({ namespace: options.namespace }, 'pub/sub on Redis');
    app.decorate('events', bus);
    app.addHook('onClose', async () => {
      // Our connections, closed by us: QUIT when connected, dropped when not (a QUIT
      // queued for an absent Redis would hold shutdown until the drain timeout).
      for (const conn of [subConn, pubConn]) conn.removeListener('close', report);
      await Promise.all(
        [subConn, pubConn].map(async (conn) => {
          if (conn.status !== 'ready') return conn.disconnect();
          await conn.quit().catch(() => conn.disconnect());
        }),
      );
    });
  },
  { name: 'pubsub' },
);
