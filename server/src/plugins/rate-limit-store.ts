// @fastify/rate-limit's store with REDIS_URL: counts in Redis (one budget across the
// instances) while Redis answers, and in this process while it does not, so a Redis
// outage narrows the limit to each instance's own count instead of lifting it
// (skipOnError would let every request through). Each request is counted in one place:
// a window that began in Redis restarts locally when Redis goes away, and the other
// way round when it is back.
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { createRequire } from 'node:module';

type IncrCallback = (err: Error | null, result?: { current: number; ttl: number }) => void;
/** The plugin calls incr with the window and maximum too (its public types omit them). */
interface Store {
  incr(key: string, cb: IncrCallback, timeWindow?: number, max?: number): void;
  child(routeOptions: RouteOptions): Store;
}
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];
type StoreClass<A extends unknown[]> = new (...args: A) => Store;

// The package's own stores (not in its public types): the same counting in both places.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreClass<
  [boolean | undefined, boolean | undefined, Redis, string]
>;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreClass<
  [boolean | undefined, boolean | undefined, number?]
>;

/** Keys counted locally while Redis is away (an LRU; the oldest are forgotten beyond it). */
const LOCAL_KEYS = 10_000;

export interface FallbackState {
  /** Whether the last count went to Redis. */
  shared(): boolean;
}

/**
 * A store class for @fastify/rate-limit's `store` option. `redis` should fail fast
 * (no offline queue, a command timeout): a count waits for Redis at most that long.
 */
export function fallbackStore(
  redis: Redis,
  prefix: string,
  log: FastifyBaseLogger,
): { Store: new (params: { continueExceeding?: boolean; exponentialBackoff?: boolean }) => Store } & FallbackState {
  let shared = true;
  const report = (now: boolean, err?: unknown) => {
    if (now === shared) return;
    shared = now;
    if (now) log.info('rate limits: Redis is back, counting across instances again');
    else log.warn({ err }, 'rate limits: Redis is away, counting in this instance until it is back');
  };

  class FallbackStore implements Store {
    constructor(
      private readonly remote: Store,
      private readonly local: Store,
    ) {}

    incr(key: string, cb: IncrCallback, timeWindow?: number, max?: number): void {
      const locally = (err?: unknown) => {
        report(false, err);
        this.local.incr(key, cb, timeWindow, max);
      };
      if (redis.status !== 'ready') return locally();
      this.remote.incr(
        key,
        (err, result) => {
          if (err || !result) return locally(err);
          report(true);
          cb(null, result);
        },
        timeWindow,
        max,
      );
    }

    child(routeOptions: RouteOptions): Store {
      return new FallbackStore(this.remote.child(routeOptions), this.local.child(routeOptions));
    }
  }

  return {
    Store: class extends FallbackStore {
      constructor({
        continueExceeding,
        exponentialBackoff,
      }: {
        continueExceeding?: boolean;
        exponentialBackoff?: boolean;
      }) {
        super(
          new RedisStore(continueExceeding, exponentialBackoff, redis, prefix),
          new LocalStore(continueExceeding, exponentialBackoff, LOCAL_KEYS),
        );
      }
    },
    shared: () => shared,
  };
}
