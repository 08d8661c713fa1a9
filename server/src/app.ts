// Builds the application (tests import this); server.ts is the only file that listens.
import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import type { DatabaseOptions } from './db/database.js';
import dashboardResponseCache from './modules/dashboard/dashboard-response-cache.js';
import graphqlPlugin from './graphql/plugin.js';
import healthRoutes from './http/health-routes.js';
import appMetrics from './http/app-metrics.js';
import { setPlainRouteErrorHandler } from './http/error-handler.js';
import { registerWebApp } from './http/web-app.js';
import securityHeaders from './http/security-headers.js';
import cachePlugin from './plugins/cache.js';
import databasePlugin from './plugins/database.js';
import pubsubPlugin from './plugins/pubsub.js';
import liveUpdatesPlugin from './modules/subscriptions/live-updates-plugin.js';
import { createServices, type Services } from './services.js';
import { startPeriodicJob } from './jobs/periodic-job.js';
import authPlugin from './modules/auth/auth-plugin.js';
import abuseLimits from './plugins/abuse-limits.js';
import mqttIngest from './plugins/mqtt-ingest.js';
import sseTransport from './modules/subscriptions/sse-transport.js';
import exportRoutes from './http/export-routes.js';
import ingestRoute from './http/ingest-route.js';
import { startNotificationDispatcher } from './modules/notifications/notification-dispatcher.js';

/** Statistics and vacuum of the embedded database (PGlite has no autovacuum): every 10 minutes. */
const EMBEDDED_MAINTENANCE_MS = 10 * 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Embedded database in memory instead of DATA_DIR (tests). */
  inMemoryDatabase?: boolean;
  /** Supplies that in-memory database (tests reuse one across apps; see DatabaseOptions). */
  inMemoryPglite?: DatabaseOptions['inMemoryPglite'];
  /** Injected clock (tests of time-dependent behaviour). */
  now?: () => Date;
  /** Count SQL statements (tests). */
  countStatements?: boolean;
  /** Start background jobs (sweep, coalescer). Off in most tests. */
  backgroundJobs?: boolean;
}

export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Request start/end lines only with LOG_REQUESTS (Fastify 5's logController; the
    // top-level disableRequestLogging is deprecated, FSTDEP023).
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    // Sized to the largest legal ingestReadings batch (MAX_BATCH_SIZE); 413 beyond.
    bodyLimit: config.limits.bodyLimitBytes,
    // Random request ids: a masked error's id finds its log line, across restarts and instances.
    genReqId: () => randomBytes(8).toString('hex'),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Creating a fresh embedded database takes several seconds on a busy laptop.
    pluginTimeout: 120_000,
  });

  setPlainRouteErrorHandler(app);
  // First: its onRequest hook runs before any hook that may answer (auth, limits).
  await app.register(securityHeaders);
  await app.register(databasePlugin, {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    readReplicas: config.readReplicas,
    inMemory: options.inMemoryDatabase,
    inMemoryPglite: options.inMemoryPglite,
    countStatements: options.countStatements,
    apiStatementTimeoutMs: config.limits.apiStatementTimeoutMs,
  });
  await app.register(pubsubPlugin, { redisUrl: config.redisUrl, namespace: config.redisNamespace });
  await app.register(cachePlugin, { redisUrl: config.redisUrl, namespace: config.redisNamespace });
  await app.register(healthRoutes, { readyzCacheMs: config.limits.readyzCacheMs });

  const services = createServices(app, config, { now: options.now, backgroundJobs: options.backgroundJobs });
  app.decorate('services', services);
  await app.register(authPlugin, {
    auth: services.auth,
    settings: config.auth,
    limits: config.limits,
    host: config.host,
    corsOrigins: config.corsOrigins,
  });
  await app.register(abuseLimits, {
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    redisUrl: config.redisUrl,
    namespace: config.redisNamespace,
  });
  await app.register(liveUpdatesPlugin, { services });
  // Before the GraphQL route, whose hooks it adds; in process only (see the file).
  if (!config.redisUrl) await app.register(dashboardResponseCache, { dashboard: services.dashboard });
  await app.register(graphqlPlugin, { services });
  await app.register(sseTransport, { services });
  await app.register(exportRoutes);
  await app.register(ingestRoute);
  await app.register(appMetrics, { services });
  await registerWebApp(app, config.webDir, config.graphiql);
  // Partitions for today and the days ahead exist before the first reading is served.
  app.addHook('onReady', async () => void (await services.readingPartitions.maintain()));
  // The trust stream applies stored readings to trust (docs/trust-stream.md); it stops
  // before the database closes.
  app.addHook('onReady', () => services.trustStream.start());
  app.addHook('preClose', () => services.trustStream.stop());
  if (config.mqtt)
    await app.register(mqttIngest, { settings: config.mqtt, readings: services.readings, auth: services.auth });
  else app.decorate('mqtt', null);
  if (options.backgroundJobs) {
    const dispatcher = startNotificationDispatcher(services.notifications, app.events, {
      pollMs: config.notifications.pollMs,
      log: app.log,
      beforeRound: () => services.incidents.tick(services.clock.now()),
    });
    app.addHook('preClose', () => dispatcher.stop());
  }
  if (options.backgroundJobs && config.trendSampleMs > 0) {
    // A sample at start-up, then one per interval (the first one after a restart fills the gap's end).
    app.addHook('onReady', () =>
      services.fleetTrend.sample().catch((err) => app.log.warn({ err }, 'fleet trend sample failed')),
    );
    const trend = startPeriodicJob('fleet trend sample', { intervalMs: config.trendSampleMs, log: app.log }, () =>
      services.fleetTrend.sample(),
    );
    app.addHook('preClose', () => trend.stop());
  }
  if (options.backgroundJobs && config.history.maintenanceMs > 0) {
    const partitions = startPeriodicJob(
      'reading partitions',
      { intervalMs: config.history.maintenanceMs, log: app.log },
      async () => void (await services.readingPartitions.maintain()),
    );
    app.addHook('preClose', () => partitions.stop());
  }
  if (options.backgroundJobs && app.db.kind === 'pglite') {
    const upkeep = startPeriodicJob(
      'embedded database maintenance',
      { intervalMs: EMBEDDED_MAINTENANCE_MS, log: app.log },
      () => app.db.maintain(),
    );
    app.addHook('preClose', () => upkeep.stop());
  }
  return app;
}
