// The pub/sub emitter shared by services and Mercurius subscriptions.
import fp from 'fastify-plugin';
import mqemitter, { type MQEmitter } from 'mqemitter';
import { createEventBus, type EventBus } from '../events/event-bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventBus;
  }
}

export interface PubSubPluginOptions {
  redisUrl: string | null;
}

export default fp<PubSubPluginOptions>(
  async (app, options) => {
    let emitter: MQEmitter;
    if (options.redisUrl) {
      const { default: redisEmitter } = await import('mqemitter-redis');
      emitter = redisEmitter({ connectionString: options.redisUrl }) as unknown as MQEmitter;
      app.log.info('pub/sub on Redis');
    } else {
      emitter = mqemitter({ concurrency: 0 });
    }
    const bus = createEventBus(emitter, (err, topic) => app.log.warn({ err, topic }, 'publish failed'));
    app.decorate('events', bus);
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => emitter.close(() => resolve()));
    });
  },
  { name: 'pubsub' },
);
