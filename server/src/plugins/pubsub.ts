// The pub/sub emitter shared by services and subscriptions: in-process mqemitter
// alone, mqemitter-redis with REDIS_URL so every instance sees every event.
import fp from 'fastify-plugin';
import type { Redis as RedisClient } from 'ioredis';
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
    let emitter: MQEmitter;
    if (options.redisUrl) {
      const { default: redisEmitter } = await import('mqemitter-redis');
      const redis = redisEmitter({ connectionString: options.redisUrl });
      const internals = redisEmitterInternals(redis);
      // Without a listener a Redis hiccup would be an unhandled 'error' and kill the process.
      internals.state.on('error', (err: unknown) => app.log.warn({ err }, 'pub/sub Redis error'));
      emitter = redis;
      // Subscribing while ioredis still runs its ready check (INFO) puts the
      // connection in subscriber mode mid-check and the check fails: the first
      // instance to start then never received anything. Wait for both connections.
      const ready = await Promise.race([
        Promise.all([whenReady(internals.subConn), whenReady(internals.pubConn)]).then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS).unref()),
      ]);
      if (!ready) app.log.warn('Redis pub/sub not ready yet; events flow once it answers');
      app.log.info({ namespace: options.namespace }, 'pub/sub on Redis');
    } else {
      emitter = mqemitter({ concurrency: 0 });
    }
    const bus = createEventBus(
      emitter,
      (err, topic) => app.log.warn({ err, topic }, 'publish failed'),
      options.redisUrl ? options.namespace : '',
    );
    app.decorate('events', bus);
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => emitter.close(() => resolve()));
    });
  },
  { name: 'pubsub' },
);
