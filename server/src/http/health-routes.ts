// Liveness, readiness and the Prometheus registry (with the counters services update;
// the gauges read on scrape and the /metrics route are in app-metrics.ts). /healthz and
// /readyz are not rate limited (a probe answered 429 would take the instance out of
// service): /healthz does no I/O, and /readyz pings the database at most once per
// READYZ_CACHE_MS however often it is called.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { operationLabels } from './app-metrics.js';

/** How a GraphQL operation arrived: POST/GET /graphql, graphql-ws, or /graphql/stream. */
export type GraphQLTransport = 'http' | 'ws' | 'sse';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      readingsIngested: Counter<'outcome' | 'code'>;
      authFailures: Counter<'reason'>;
      /** sensor_trust_graphql_request_duration_seconds: one operation, its name bounded (operationLabels). */
      observeOperation(transport: GraphQLTransport, name: string | null | undefined, seconds: number): void;
    };
    /** Set when shutdown starts: readiness turns false so load balancers drain us. */
    shuttingDown: boolean;
  }
}

export default fp<{ readyzCacheMs: number }>(
  async (app: FastifyInstance, { readyzCacheMs }) => {
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
      help: 'Requests and WebSocket connections refused for their API key, by reason (missing, unknown, revoked, forbidden; foreign_origin: a page of another site in open mode; rate_limited: refused unchecked for AUTH_FAILURE_LIMIT)',
      labelNames: ['reason'],
      registers: [registry],
    });
    const graphqlDuration = new Histogram({
      name: 'sensor_trust_graphql_request_duration_seconds',
      help: 'GraphQL operations by name (anonymous; other beyond 100 distinct names) and transport: http (the whole request), ws (a query or mutation over graphql-ws until its result; a subscription until accepted), sse (a subscription at /graphql/stream until it runs)',
      labelNames: ['operation', 'transport'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const label = operationLabels();
    const observeOperation = (transport: GraphQLTransport, name: string | null | undefined, seconds: number) =>
      graphqlDuration.observe({ operation: label(name), transport }, seconds);
    app.decorate('metrics', { registry, readingsIngested, authFailures, observeOperation });
    app.decorate('shuttingDown', false);

    app.addHook('onResponse', async (request, reply) => {
      httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/healthz', async () => ({ status: 'ok' }));

    let lastPing: { at: number; up: boolean } | null = null;
    let pinging: Promise<boolean> | null = null;
    const databaseUp = (): Promise<boolean> => {
      if (lastPing && performance.now() - lastPing.at < readyzCacheMs) return Promise.resolve(lastPing.up);
      pinging ??= app.db
        .ping()
        .then((up) => {
          lastPing = { at: performance.now(), up };
          return up;
        })
        .finally(() => {
          pinging = null;
        });
      return pinging;
    };

    app.get('/readyz', async (_request, reply) => {
      const database = await databaseUp();
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
        // Replicas likewise: one that is down or too far behind is skipped (the primary serves).
        ...(app.db.reads.replicas().length
          ? { readReplicas: app.db.reads.replicas().map(({ name, up, lagMs }) => ({ name, up, lagMs })) }
          : {}),
        shuttingDown: app.shuttingDown,
      };
    });
  },
  { name: 'health', dependencies: ['database', 'pubsub'] },
);
