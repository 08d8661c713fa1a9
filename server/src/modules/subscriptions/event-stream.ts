// The async iterator a subscription resolver returns. Producers push without
// ever waiting (ingestion must not wait on a slow socket); memory per
// subscriber stays bounded: 'latest' keeps only the newest item (a dashboard
// snapshot supersedes the previous one), 'queue' keeps up to `limit` items and
// then ends the subscription with SUBSCRIBER_TOO_SLOW rather than grow forever.
// A transport may take items straight to its client (`sendDirectly`, the socket
// fan-out of ws-fanout-transport.ts) while the consumer is idle; whatever it
// declines (its socket is backed up, the item needs its own execution) takes
// the queue, so the order holds and a slow client still ends as above.
import mercurius from 'mercurius';

export type OverflowPolicy = 'latest' | 'queue';

export class SlowSubscriberError extends mercurius.ErrorWithProps {
  constructor(limit: number) {
    super(`Subscription ended: more than ${limit} events were waiting for this client`, {
      code: 'SUBSCRIBER_TOO_SLOW',
    });
  }
}

export class EventStream<T> implements AsyncIterableIterator<T> {
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((err: unknown) => void) | null = null;
  private error: unknown = null;
  private done = false;
  private direct: ((item: T) => boolean) | null = null;
  private tooSlow = false;

  constructor(
    private readonly policy: OverflowPolicy,
    private readonly limit: number,
    /** Called once when the stream ends, however it ends (unregisters it). */
    private readonly onEnd: () => void,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  /** Whether it ended with SUBSCRIBER_TOO_SLOW (metrics). */
  get endedTooSlow(): boolean {
    return this.tooSlow;
  }

  /** `sink` takes an item to the client itself, or returns false to leave it to the queue. */
  sendDirectly(sink: (item: T) => boolean): void {
    this.direct = sink;
  }

  push(item: T): void {
    if (this.done) return;
    // Only while the consumer waits with nothing queued: nothing then goes out of order.
    if (this.direct && this.waiting && this.direct(item)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: item, done: false });
      return;
    }
    if (this.policy === 'latest') {
      this.buffer[0] = item;
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.tooSlow = true;
      this.fail(new SlowSubscriberError(this.limit));
      return;
    }
    this.buffer.push(item);
  }

  /** Ends the stream with an error the client receives (after what is buffered is dropped). */
  fail(err: unknown): void {
    if (this.done) return;
    this.buffer = [];
    this.error = err;
    this.finish();
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = null;
      reject(err);
    }
  }

  /** Completes the stream (server shutdown). */
  end(): void {
    if (this.done) return;
    this.buffer = [];
    this.finish();
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.error !== null) {
      const err: unknown = this.error;
      this.error = null;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  /** The client unsubscribed or disconnected. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    this.end();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.done = true;
    this.onEnd();
  }
}
