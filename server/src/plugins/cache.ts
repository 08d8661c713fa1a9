// A small JSON cache for computed read models (dashboard summary, zone stats):
// in-process when alone, Redis when REDIS_URL is set so instances agree.
import fp from 'fastify-plugin';
import type { Redis as RedisClient } from 'ioredis';
import type { Cache } from '../kernel/cache.js';

/** A cache answer slower than this is a miss (Redis unreachable without a closed socket). */
const COMMAND_TIMEOUT_MS = 1000;

export type { Cache } from '../kernel/cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    cache: Cache;
  }
}

export function createMemoryCache(now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: unknown; expires: number }>();
  return {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    async set(key, value, ttlMs) {
      if (ttlMs > 0) entries.set(key, { value, expires: now() + ttlMs });
    },
    async delete(...keys) {
      for (const key of keys) entries.delete(key);
    },
  };
}

/** Keys live under `<namespace>:cache:` so deployments sharing one Redis stay apart. */
export function createRedisCache(redis: RedisClient, namespace: string): Cache {
  const PREFIX = `${namespace}:cache:`;
  return {
    async get<T>(key: string) {
      const raw = await redis.get(PREFIX + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value, ttlMs) {
      if (ttlMs > 0) await redis.set(PREFIX + key, JSON.stringify(value), 'PX', ttlMs);
    },
    async delete(...keys) {
      if (keys.length) await redis.del(...keys.map((k) => PREFIX + k));
    },
  };
}

export default fp<{ redisUrl: string | null; namespace: string }>(
  async (app, options) => {
    if (!options.redisUrl) {
      app.decorate('cache', createMemoryCache());
      return;
    }
    const { Redis } = await import('ioredis');
    // No offline queue and a short command timeout: while Redis is away a read is an
    // immediate miss (the database answers), not a request held until it comes back.
    const redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    redis.on('error', (err) => app.log.warn({ err }, 'redis cache error'));
    const cache = createRedisCache(redis, options.namespace);
    // A cache outage degrades to a miss, never to a failed request.
    app.decorate('cache', {
      get: async <T>(key: string) => cache.get<T>(key).catch(() => undefined),
      set: async (key, value, ttl) => cache.set(key, value, ttl).catch(() => undefined),
      delete: async (...keys) => cache.delete(...keys).catch(() => undefined),
    } satisfies Cache);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'cache' },
);
