// Publishes domain events on the emitter Mercurius subscriptions listen to:
// in-process mqemitter alone, Redis (mqemitter-redis) when REDIS_URL is set so
// an event from any instance reaches subscribers on all of them.
import type { MQEmitter } from 'mqemitter';
import type { TopicPayloads } from './topics.js';

type Listener<T extends keyof TopicPayloads> = (payload: TopicPayloads[T]) => void;
type Handler = (message: { topic: string; [key: string]: unknown }, done: () => void) => void;

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
  /** Whether events travel between instances (Redis); false when in process alone. */
  readonly shared: boolean;
  /**
   * Whether events from other instances can arrive now (always true in process).
   * While false, publish() delivers to this instance's listeners directly, and
   * caches kept fresh by other instances' events must not be trusted.
   */
  linked(): boolean;
  /** Called once each time the link comes back: events of other instances may have been missed. */
  onResync(listener: () => void): () => void;
  /** The pub/sub plugin reports the link's state (Redis connections up or not). */
  setLinked(up: boolean): void;
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
  // The `on` handlers by topic, for delivery on this instance while the link is down.
  const handlers = new Map<string, Set<Handler>>();
  const resync = new Set<() => void>();
  let up = true;
  /** Without the link an event still reaches this instance's subscribers (asynchronously, as through the emitter). */
  const deliverHere = (topic: string, payload: unknown) => {
    const message = { topic: channel(topic), payload };
    for (const handler of handlers.get(topic) ?? []) queueMicrotask(() => handler(message, () => undefined));
  };
  return {
    emitter,
    // Channels carry a namespace exactly when they go through Redis (plugins/pubsub.ts).
    shared: namespace !== '',
    publish(topic, payload) {
      for (const listener of local.get(topic) ?? []) {
        try {
          listener(payload as never);
        } catch (err) {
          onError(err, topic);
        }
      }
      if (!up) {
        deliverHere(topic, payload);
        return;
      }
      try {
        emitter.emit({ topic: channel(topic), payload }, (err?: unknown) => {
          if (!err) return;
          // Not published (the link dropped meanwhile): this instance still hears it.
          onError(err, topic);
          deliverHere(topic, payload);
        });
      } catch (err) {
        onError(err, topic);
      }
    },
    linked: () => up,
    onResync(listener) {
      resync.add(listener);
      return () => resync.delete(listener);
    },
    setLinked(next) {
      const restored = next && !up;
      up = next;
      if (!restored) return;
      for (const listener of resync) {
        try {
          listener();
        } catch (err) {
          onError(err, 'resync');
        }
      }
    },
    on(topic, listener, onSubscribed) {
      const handler: Handler = (message, done) => {
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
      const set = handlers.get(topic) ?? new Set();
      handlers.set(topic, set);
      set.add(handler);
      return () => {
        set.delete(handler);
        emitter.removeListener(channel(topic), handler);
      };
    },
    onLocalPublish(topic, listener) {
      const set = local.get(topic) ?? new Set();
      local.set(topic, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
