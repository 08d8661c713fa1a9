// The /metrics families read from the running app: GraphQL request latency by
// operation, and gauges collected on scrape (trust statuses and open tickets from
// the cached dashboard summary, one statement at most; WebSocket sockets and
// subscriptions; the database pool; the trust stream's counters; stored trust states
// that could not be restored). Counters updated by services (readings, auth
// failures) live in health-routes.ts with the registry; event-loop lag is among
// prom-client's default metrics (sensor_trust_nodejs_eventloop_lag_*).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { getOperationAST } from 'graphql';
import { Counter, Gauge } from 'prom-client';
import { operationNameOf, postedGraphQL } from '../graphql/posted-body.js';
import type { Services } from '../services.js';
import { STATE_RESET_REASONS } from '../trust/index.js';

/** Distinct operation names given a label of their own; later ones count as "other". */
const MAX_OPERATIONS = 100;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** The first operation's name when the body names none (the stored-bytes path runs no GraphQL). */
const NAMED_OPERATION = /^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** Operation label values: client-chosen names, bounded in number and shape. */
export function operationLabels(max = MAX_OPERATIONS) {
  const known = new Set<string>();
  return (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (known.has(name)) return name;
    if (!NAME.test(name) || known.size >= max) return 'other';
    known.add(name);
    return name;
  };
}

export default fp<{ services: Services }>(
  async (app: FastifyInstance, { services }) => {
    const registry = app.metrics.registry;
    const { metricsRateLimit } = services.config.limits;
    // Registered after the rate limiter (abuse-limits.ts): a budget per address of its own,
    // apart from the key's RATE_LIMIT_MAX, generous enough for any scrape interval.
    app.get(
      '/metrics',
      {
        config: {
          rateLimit:
            metricsRateLimit > 0
              ? {
                  max: metricsRateLimit,
                  timeWindow: 60_000,
                  keyGenerator: (request) => `metrics:${request.ip}`,
                  errorResponseBuilder: (_request, context) =>
                    Object.assign(
                      new Error(
                        `Rate limit of ${context.max} /metrics requests per 60 s per address exceeded (METRICS_RATE_LIMIT); retry in ${context.after}`,
                      ),
                      { statusCode: context.statusCode, code: 'RATE_LIMITED' },
                    ),
                }
              : false,
        },
      },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
    const operations = new WeakMap<FastifyRequest, string | null>();
    // Operations over graphql-ws (no HTTP request): from parsing to the result (queries,
    // mutations) or until the subscription is accepted; the SSE transport observes its own.
    const socketOperations = new WeakMap<object, { started: number; name: string | null }>();
    const overSocket = (context: { reply?: { request?: unknown } }) => !context.reply?.request;

    app.graphql.addHook('preParsing', async (_schema, _source, context) => {
      if (overSocket(context)) socketOperations.set(context, { started: performance.now(), name: null });
    });
    app.graphql.addHook('preExecution', async (_schema, document, context) => {
      const request = context.reply?.request;
      if (!request) {
        const timing = socketOperations.get(context);
        // The socket's operationName is not in the context: the document's only (or first named) operation.
        if (timing) timing.name = getOperationAST(document)?.name?.value ?? null;
        return;
      }
      const operation = getOperationAST(document, operationNameOf(postedGraphQL(request) ?? {}));
      operations.set(request, operation?.name?.value ?? null);
    });
    app.graphql.addHook('onResolution', async (_execution, context) => {
      const timing = socketOperations.get(context);
      if (!timing) return;
      socketOperations.delete(context);
      app.metrics.observeOperation('ws', timing.name, (performance.now() - timing.started) / 1000);
    });
    app.graphql.addHook('preSubscriptionParsing', async (_schema, _source, context) => {
      socketOperations.set(context, { started: performance.now(), name: null });
    });
    app.graphql.addHook('preSubscriptionExecution', async (_schema, document, context) => {
      const timing = socketOperations.get(context);
      if (!timing) return;
      socketOperations.delete(context);
      const name = getOperationAST(document)?.name?.value ?? null;
      app.metrics.observeOperation('ws', name, (performance.now() - timing.started) / 1000);
    });
    app.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.url !== '/graphql' || request.headers.upgrade) return;
      let name = operations.get(request);
      if (name === undefined) {
        const body = postedGraphQL(request);
        name = body
          ? (operationNameOf(body) ??
            (typeof body.query === 'string' ? NAMED_OPERATION.exec(body.query)?.[1] : undefined) ??
            null)
          : null;
      }
      app.metrics.observeOperation('http', name, reply.elapsedTime / 1000);
    });

    new Gauge({
      name: 'sensor_trust_sensors_by_trust_status',
      help: 'Sensors in service by trust status (from the cached dashboard summary)',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const summary = await services.dashboard.summary().catch(() => null);
        if (!summary) return; // database away: the family is left out of this scrape
        for (const { status, count } of summary.statusCounts) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'sensor_trust_open_tickets',
      help: 'Open (not resolved) maintenance tickets by severity (from the cached dashboard summary)',
      labelNames: ['severity'],
      registers: [registry],
      async collect() {
        const summary = await services.dashboard.summary().catch(() => null);
        if (!summary) return;
        for (const { severity, count } of summary.openTicketsBySeverity) this.set({ severity }, count);
      },
    });
    new Gauge({
      name: 'sensor_trust_websocket_sockets',
      help: 'Open WebSocket connections',
      registers: [registry],
      collect() {
        this.set(app.websocketServer.clients.size);
      },
    });
    new Gauge({
      name: 'sensor_trust_subscriptions',
      help: 'Active GraphQL subscriptions on this instance (WebSocket and SSE), by field',
      labelNames: ['field'],
      registers: [registry],
      collect() {
        for (const [field, n] of Object.entries(services.subscriptions.counts())) this.set({ field }, n);
      },
    });
    // Read replicas (DATABASE_READ_URL): health, lag and which pool served the routed reads.
    const reads = app.db.reads;
    new Gauge({
      name: 'sensor_trust_read_replica_up',
      help: 'Whether each read replica is used (1) or skipped as down or lagging (0)',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        for (const r of reads.replicas()) this.set({ replica: r.name }, r.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'sensor_trust_read_replica_lag_seconds',
      help: 'Replay lag of each read replica behind the primary at its last check (absent while down)',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of reads.replicas()) if (r.lagMs !== null) this.set({ replica: r.name }, r.lagMs / 1000);
      },
    });
    new Counter({
      name: 'sensor_trust_routed_reads_total',
      help: 'Lag-tolerant reads (dashboard, zone statistics, search, trust history) by the pool that served them',
      labelNames: ['target'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ target: 'primary' }, reads.primaryReads());
        for (const r of reads.replicas()) this.inc({ target: r.name }, r.reads);
      },
    });
    new Counter({
      name: 'sensor_trust_subscription_deliveries_total',
      help: "Subscription events on this instance: delivered (queued for a subscriber) and dropped (past their API key's SUBSCRIPTION_DELIVERIES_PER_SECOND, never queued)",
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        const { delivered, dropped } = services.subscriptions.deliveries();
        this.inc({ outcome: 'delivered' }, delivered);
        this.inc({ outcome: 'dropped' }, dropped);
      },
    });
    new Counter({
      name: 'sensor_trust_subscriptions_too_slow_total',
      help: 'Subscriptions ended with SUBSCRIBER_TOO_SLOW: their client did not read and SUBSCRIPTION_BUFFER_LIMIT events waited',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(services.subscriptions.deliveries().tooSlow);
      },
    });
    new Counter({
      name: 'sensor_trust_subscription_shared_total',
      help: 'The WebSocket fan-out: selections executed (once per event and distinct document, variables and role) and frames written from them',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.reset();
        const { executions, frames } = services.subscriptions.shared;
        this.inc({ kind: 'executions' }, executions);
        this.inc({ kind: 'frames' }, frames);
      },
    });
    new Counter({
      name: 'sensor_trust_subscription_fanouts_total',
      help: 'WebSocket fan-outs: one per event heard by socket subscribers of this instance',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(services.subscriptions.shared.fanouts);
      },
    });
    new Counter({
      name: 'sensor_trust_subscription_fanout_seconds_total',
      help: 'Time of the WebSocket fan-outs, from the first frame of an event to every socket written to the kernel',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(services.subscriptions.shared.fanoutSeconds);
      },
    });
    // The trust stream's own counters (this instance, since it started).
    const stream = services.trustStream.stats;
    const streamCounters = [
      [
        'sensor_trust_stream_readings_total',
        'Readings the trust stream has applied on this instance',
        () => stream.readings,
      ],
      ['sensor_trust_stream_ticks_total', 'Trust stream ticks that read readings on this instance', () => stream.ticks],
      [
        'sensor_trust_stream_state_writes_total',
        'Sensor trust rows the stream has written (verdict moves and checkpoints)',
        () => stream.stateWrites,
      ],
      [
        'sensor_trust_stream_replays_total',
        'Replays from the stored checkpoints (a failed tick, a row written by a sweep, a partition moved)',
        () => stream.replays,
      ],
    ] as const;
    new Counter({
      name: 'sensor_trust_stream_ranges_total',
      help: 'Log ranges the trust stream applied, by where their rows came from (database; memory: handed over by the ingests of this process)',
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ source: 'database' }, stream.rangesRead);
        this.inc({ source: 'memory' }, stream.rangesFromMemory);
      },
    });
    for (const [name, help, value] of streamCounters)
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    // Stored engine states thrown away (the sensor relearns from scratch); one label value per
    // reason of the pure core (STATE_RESET_REASONS), all present from the start at 0.
    const stateResets = services.trustStates.resets;
    new Counter({
      name: 'sensor_trust_state_resets_total',
      help: "Sensors whose stored trust state could not be restored and whose learned state started over, by reason (malformed, unknown-version, newer-version, upgrade-failed); each is logged with the sensor's id",
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const reason of STATE_RESET_REASONS) this.inc({ reason }, stateResets[reason]);
      },
    });
    new Gauge({
      name: 'sensor_trust_db_pool_connections',
      help: 'Database connections by state: size (the pool bound), in_use (checked out), waiting (callers queued for one); embedded PGlite has one',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const { size, inUse, waiting } = app.db.pool();
        this.set({ state: 'size' }, size);
        this.set({ state: 'in_use' }, inUse);
        this.set({ state: 'waiting' }, waiting);
      },
    });
  },
  { name: 'app-metrics', dependencies: ['health', 'graphql'] },
);
