// Per-caller request rate (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_SECONDS, counted per
// API key, per address for requests without one; shared through Redis when
// REDIS_URL is set, so the limit holds across instances, and per instance while Redis
// is away: rate-limit-store.ts) and CORS, closed unless
// CORS_ORIGINS lists origins. Registered after the auth plugin: its onRequest hook
// has named the key by the time the limiter (a route hook) counts.
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { LimitSettings } from '../config.js';
import { fallbackStore } from './rate-limit-store.js';

/** A rate-limit count waits for Redis at most this long before it is taken locally. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

export interface AbuseLimitsOptions {
  limits: LimitSettings;
  corsOrigins: string[];
  redisUrl: string | null;
  namespace: string;
}

export default fp<AbuseLimitsOptions>(
  async (app: FastifyInstance, { limits, corsOrigins, redisUrl, namespace }) => {
    if (corsOrigins.length > 0) {
      await app.register(fastifyCors, {
        origin: corsOrigins,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-mercurius-operation-name'],
        maxAge: 600,
      });
    }
    // The limiter's store also counts failed authentications (AUTH_FAILURE_LIMIT,
    // auth-failure-limit.ts) and /metrics scrapes (METRICS_RATE_LIMIT, app-metrics.ts).
    if (limits.rateLimitMax === 0 && limits.authFailureLimit === 0 && limits.metricsRateLimit === 0) return;
    let store: ReturnType<typeof fallbackStore>['Store'] | undefined;
    if (redisUrl) {
      const { Redis } = await import('ioredis');
      // Fails fast while Redis is away or stalled: the count is then taken in this process.
      const client = new Redis(redisUrl, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 2000,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      });
      client.on('error', (err) => app.log.debug({ err }, 'rate-limit redis error'));
      app.addHook('onClose', async () => {
        await client.quit().catch(() => client.disconnect());
      });
      store = fallbackStore(client, `${namespace}:ratelimit:`, app.log).Store;
    }
    await app.register(fastifyRateLimit, {
      // RATE_LIMIT_MAX=0: no per-key limit on routes (the failure budget still counts).
      global: limits.rateLimitMax > 0,
      max: limits.rateLimitMax,
      timeWindow: limits.rateLimitWindowMs,
      // In Redis, or in this process while Redis is away: never not counted.
      ...(store ? { store } : {}),
      skipOnError: false,
      keyGenerator: (request) => (request.auth?.keyId ? `key:${request.auth.keyId}` : `ip:${request.ip}`),
      allowList: (request) => request.routeOptions.config?.public === true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new Error(
            `Rate limit of ${context.max} requests per ${limits.rateLimitWindowMs / 1000} s exceeded; retry in ${context.after}`,
          ),
          // The code shows in plain routes' answers too (/graphql/stream, /metrics); GraphQL's gives it its own.
          { statusCode: context.statusCode, code: 'RATE_LIMITED' },
        ),
    });
  },
  { name: 'abuse-limits', dependencies: ['auth'] },
);
