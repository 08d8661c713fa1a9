// Liveness, readiness and Prometheus metrics (the registry, and the counters services
// update; the gauges read on scrape are in app-metrics.ts).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; readingsIngested: Counter<'outcome' | 'code'>; authFailures: Counter<'reason'> };
    /** Set when shutdown starts: readiness turns false so load balancers drain us. */
    shuttingDown: boolean;
  }
}

export default fp(
  async (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'sensor_trust_' });
    const httpDuration = new Histogram({
      name: 'sensor_trust_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const readingsIngested = new Counter({
      name: 'sensor_trust_readings_total',
      help: 'Readings received by ingestReadings, by outcome (accepted, duplicate, rejected) and, when rejected, code',
      labelNames: ['outcome', 'code'],
      registers: [registry],
    });
    const authFailures = new Counter({
      name: 'sensor_trust_auth_failures_total',
      help: 'Requests and WebSocket connections refused for their API key, by reason (missing, unknown, revoked, forbidden; foreign_origin: a page of another site in open mode)',
      labelNames: ['reason'],
      registers: [registry],
    });
    app.decorate('metrics', { registry, readingsIngested, authFailures });
    app.decorate('shuttingDown', false);

    app.addHook('onResponse', async (request, reply) => {
      httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const database = await app.db.ping();
      const ready = database && !app.shuttingDown;
      reply.code(ready ? 200 : 503);
      return {
        status: ready ? 'ready' : 'not ready',
        database: database ? 'up' : 'down',
        mode: app.db.kind,
        migrations: 'applied',
        // Not needed to serve (events then reach this instance only; the cache misses),
        // so it does not make the instance unready: it says what is degraded.
        redis: app.events.shared ? (app.events.linked() ? 'up' : 'down') : 'none',
        shuttingDown: app.shuttingDown,
      };
    });

    app.get('/metrics', async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'health', dependencies: ['database', 'pubsub'] },
);
