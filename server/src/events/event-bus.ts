// Publishes domain events on the emitter Mercurius subscriptions listen to:
// in-process mqemitter alone, Redis (mqemitter-redis) when REDIS_URL is set so
// an event from any instance reaches subscribers on all of them.
import type { MQEmitter } from 'mqemitter';
import type { TopicPayloads } from './topics.js';

export interface EventBus {
  emitter: MQEmitter;
  /** Fire and forget: a slow or broken pub/sub never fails the caller. */
  publish<T extends keyof TopicPayloads>(topic: T, payload: TopicPayloads[T]): void;
  /** Listen to a topic on this instance (all instances' events arrive here). */
  on<T extends keyof TopicPayloads>(topic: T, listener: (payload: TopicPayloads[T]) => void): () => void;
}

export function createEventBus(emitter: MQEmitter, onError: (err: unknown, topic: string) => void): EventBus {
  return {
    emitter,
    publish(topic, payload) {
      try {
        emitter.emit({ topic, payload }, (err?: unknown) => {
          if (err) onError(err, topic);
        });
      } catch (err) {
        onError(err, topic);
      }
    },
    on(topic, listener) {
      const handler = (message: { topic: string; [key: string]: unknown }, done: () => void) => {
        try {
          listener(message.payload as never);
        } finally {
          done();
        }
      };
      emitter.on(topic, handler);
      return () => emitter.removeListener(topic, handler);
    },
  };
}
