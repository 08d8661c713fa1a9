// Per-caller request rate (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_SECONDS, counted per
// API key, per address for requests without one; shared through Redis when
// REDIS_URL is set, so the limit holds across instances) and CORS, closed unless
// CORS_ORIGINS lists origins. Registered after the auth plugin: its onRequest hook
// has named the key by the time the limiter (a route hook) counts.
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { LimitSettings } from '../config.js';

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
    if (limits.rateLimitMax === 0) return;
    let redis: import('ioredis').Redis | undefined;
    if (redisUrl) {
      const { Redis } = await import('ioredis');
      // Fails fast while Redis is away (skipOnError then lets requests through).
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
      client.on('error', (err) => app.log.debug({ err }, 'rate-limit redis error'));
      app.addHook('onClose', async () => {
        await client.quit().catch(() => client.disconnect());
      });
      redis = client;
    }
    await app.register(fastifyRateLimit, {
      global: true,
      max: limits.rateLimitMax,
      timeWindow: limits.rateLimitWindowMs,
      ...(redis ? { redis, nameSpace: `${namespace}:ratelimit:` } : {}),
      skipOnError: true,
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
