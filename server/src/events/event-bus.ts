// Publishes domain events on the emitter Mercurius subscriptions listen to:
// in-process mqemitter alone, Redis (mqemitter-redis) when REDIS_URL is set so
// an event from any instance reaches subscribers on all of them.
import type { MQEmitter } from 'mqemitter';
import type { TopicPayloads } from './topics.js';

type Listener<T extends keyof TopicPayloads> = (payload: TopicPayloads[T]) => void;

export interface EventBus {
  emitter: MQEmitter;
  /** Fire and forget: a slow or broken pub/sub never fails the caller. */
  publish<T extends keyof TopicPayloads>(topic: T, payload: TopicPayloads[T]): void;
  /** Listen to a topic on this instance (all instances' events arrive here). */
  on<T extends keyof TopicPayloads>(topic: T, listener: Listener<T>, onSubscribed?: () => void): () => void;
  /**
   * Runs synchronously inside publish() on the publishing instance only, before
   * the event leaves the process. For effects that must be in place before the
   * writer answers its client (dropping the dashboard cache); the same event
   * still reaches `on` listeners on every instance afterwards.
   */
  onLocalPublish<T extends keyof TopicPayloads>(topic: T, listener: Listener<T>): () => void;
}

/**
 * `namespace` prefixes every channel so that deployments (or test databases)
 * sharing one Redis never see each other's events.
 */
export function createEventBus(
  emitter: MQEmitter,
  onError: (err: unknown, topic: string) => void,
  namespace = '',
): EventBus {
  const channel = (topic: string) => (namespace ? `${namespace}:${topic}` : topic);
  const local = new Map<string, Set<(payload: never) => void>>();
  return {
    emitter,
    publish(topic, payload) {
      for (const listener of local.get(topic) ?? []) {
        try {
          listener(payload as never);
        } catch (err) {
          onError(err, topic);
        }
      }
      try {
        emitter.emit({ topic: channel(topic), payload }, (err?: unknown) => {
          if (err) onError(err, topic);
        });
      } catch (err) {
        onError(err, topic);
      }
    },
    on(topic, listener, onSubscribed) {
      const handler = (message: { topic: string; [key: string]: unknown }, done: () => void) => {
        try {
          listener(message.payload as never);
        } catch (err) {
          onError(err, topic);
        } finally {
          done();
        }
      };
      // With Redis the subscription is confirmed asynchronously: events published
      // before onSubscribed runs may be missed.
      emitter.on(channel(topic), handler, () => onSubscribed?.());
      return () => emitter.removeListener(channel(topic), handler);
    },
    onLocalPublish(topic, listener) {
      const set = local.get(topic) ?? new Set();
      local.set(topic, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
