// Wires repositories and services once per app. Resolvers reach them through
// the GraphQL context (a module moved to a facade: only its `facades` entry); background
// jobs through `app.services`.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createDashboardRepository } from './modules/dashboard/dashboard-repository.js';
import { createDashboardService } from './modules/dashboard/dashboard-service.js';
import { createDashboardFacade } from './modules/dashboard/dashboard-facade.js';
import { createSubscriptionHub } from './modules/subscriptions/subscription-hub.js';
import { createReadingsRepository } from './modules/readings/readings-repository.js';
import { createSeriesRepository } from './modules/readings/series-repository.js';
import { createSeriesService } from './modules/readings/series-service.js';
import { createSensorsRepository } from './modules/sensors/sensors-repository.js';
import { createSensorListsRepository } from './modules/sensors/sensor-lists-repository.js';
import { countFleet, createFleetSizes } from './modules/sensors/fleet-sizes.js';
import { createFleetTrend } from './modules/dashboard/fleet-trend.js';
import { createSensorsService } from './modules/sensors/sensors-service.js';
import { createSensorsBulkService } from './modules/sensors/sensors-bulk-service.js';
import { createSensorsBulkRepository } from './modules/sensors/sensors-bulk-repository.js';
import { createMaintenanceRepository } from './modules/tickets/maintenance-repository.js';
import { createTicketActionsRepository } from './modules/tickets/ticket-actions-repository.js';
import { createSilencesRepository } from './modules/silences/silences-repository.js';
import { createSilencesService } from './modules/silences/silences-service.js';
import { createSilencesFacade } from './modules/silences/silences-facade.js';
import { createMaintenanceService } from './modules/tickets/maintenance-service.js';
import { createTicketsService } from './modules/tickets/tickets-service.js';
import { createTicketsRepository } from './modules/tickets/tickets-repository.js';
import { createTrustRepository } from './modules/trust/trust-repository.js';
import { createReadingsIngestRepository } from './modules/readings/readings-ingest-repository.js';
import { createReadingPartitions } from './modules/readings/reading-partitions.js';
import { createReadingPartitionsRepository } from './modules/readings/reading-partitions-repository.js';
import { createReadingsService } from './modules/readings/readings-service.js';
import { createSensorProfileCache } from './modules/readings/sensor-profile-cache.js';
import { createApiKeysRepository } from './modules/auth/api-keys-repository.js';
import { createAuthService } from './modules/auth/auth-service.js';
import { createNotificationsRepository } from './modules/notifications/notifications-repository.js';
import { createNotificationsService } from './modules/notifications/notifications-service.js';
import { createNotificationsFacade } from './modules/notifications/notifications-facade.js';
import { createStateRestorer, type StateRestorer } from './modules/trust/state-restore.js';
import type { TrustStream } from './modules/trust/trust-stream.js';
import { createTrustCore, streamConfigOf, wireTrustStream } from './trust-thread/stream-wiring.js';
import { createRemoteTrustStream } from './trust-thread/remote-trust-stream.js';
import { createIncidentsRepository } from './modules/incidents/incidents-repository.js';
import { createIncidentsService } from './modules/incidents/incidents-service.js';

/** Connections of the trust stream thread's own pool (its reads and checkpoint transactions). */
const STREAM_POOL_SIZE = 3;

export function createServices(
  app: FastifyInstance,
  config: Config,
  options: { now?: () => Date; backgroundJobs?: boolean } = {},
) {
  const prisma = app.db.prisma;
  const sensorsRepository = createSensorsRepository(prisma, app.db.reads.prisma);
  const trustRepository = createTrustRepository(prisma, app.db.reads.prisma);
  const clock = { now: options.now ?? (() => new Date()) };
  // Trust shell + ingestion (modules/trust, modules/readings). The engine states of the stream
  // are restored from stored rows (a state that cannot be restored is logged and counted).
  const core = createTrustCore(config, { events: app.events, clock, log: app.log });
  const { ticketAutomation, trust } = core;
  const sensorProfiles = createSensorProfileCache((ids) => sensorsRepository.sensorsByIds(ids), app.events);
  const streamSettings = config.trustStream;
  const seriesRepository = createSeriesRepository(streamSettings.partitions);
  const backgroundJobs = options.backgroundJobs ?? false;
  // TRUST_STREAM_THREAD: on PostgreSQL the stream can run on its own thread (trust-thread/);
  // embedded PGlite already does its SQL on the database's thread and hands the stream the
  // stored rows in memory, and an injected clock cannot cross to another thread.
  const threaded = streamSettings.thread && app.db.kind === 'postgres' && config.databaseUrl && !options.now;
  const remote = threaded
    ? createRemoteTrustStream({
        config: streamConfigOf(config),
        events: app.events,
        log: app.log,
        backgroundJobs,
        poolSize: STREAM_POOL_SIZE,
      })
    : null;
  let trustStates: Pick<StateRestorer, 'resets'>;
  let trustStream: TrustStream;
  if (remote) [trustStates, trustStream] = [remote, remote];
  else {
    const restorer = createStateRestorer(app.log);
    trustStates = restorer;
    trustStream = wireTrustStream({
      config,
      db: app.db,
      core,
      profiles: sensorProfiles,
      restorer,
      backgroundJobs,
      events: app.events,
      clock,
      log: app.log,
    });
  }
  const readings = createReadingsService({
    statement: app.db.autocommit,
    repo: createReadingsIngestRepository(),
    profiles: sensorProfiles,
    stream: trustStream,
    events: app.events,
    config,
    clock,
    log: app.log,
    metrics: app.metrics?.readingsIngested,
  });
  const dashboardRepository = createDashboardRepository(prisma, app.db.reads.prisma);
  const ticketsRepository = createTicketsRepository(prisma);
  const maintenanceRepository = createMaintenanceRepository(prisma);
  const tickets = createTicketsService(createTicketActionsRepository(prisma), app.events, clock);
  const incidentsRepository = createIncidentsRepository(prisma);
  const silencesRepository = createSilencesRepository(prisma);
  const fleetTrend = createFleetTrend(dashboardRepository, { intervalMs: config.trendSampleMs, now: clock.now });
  const dashboard = createDashboardService(dashboardRepository, app.cache, {
    ttlMs: config.dashboardCacheTtlMs,
    now: clock.now,
  });
  const notifications = createNotificationsService({
    repo: createNotificationsRepository(prisma),
    settings: config.notifications,
    log: app.log,
  });
  return {
    config,
    clock,
    auth: createAuthService({
      repo: createApiKeysRepository(prisma),
      adminApiKey: config.auth.adminApiKey,
      recheckMs: config.auth.recheckMs,
      openMode: config.auth.openMode,
      clock,
      log: app.log,
    }),
    trust,
    trustStream,
    readings,
    sensorProfiles,
    trustStates,
    sensorsRepository,
    sensors: createSensorsService(sensorsRepository, app.events, clock),
    sensorsBulk: createSensorsBulkService({
      transaction: app.db.transaction,
      repo: createSensorsBulkRepository(),
      events: app.events,
      maxBatchSize: config.maxBatchSize,
    }),
    readingsRepository: createReadingsRepository(prisma),
    readingPartitions: createReadingPartitions({
      statement: app.db.autocommit,
      repo: createReadingPartitionsRepository(streamSettings.partitions),
      settings: config.history,
      clock,
      log: app.log,
    }),
    sensorLists: createSensorListsRepository({
      apiRead: app.db.apiRead,
      timeoutMs: config.limits.apiStatementTimeoutMs,
    }),
    fleetSizes: createFleetSizes(countFleet(app.db.autocommit), config.limits.fleetSizesRefreshMs),
    // Series are lag tolerant: with read replicas they read there (the raw driver otherwise).
    series: createSeriesService(
      app.db.reads.replicas().length
        ? {
            repo: seriesRepository,
            statement: (work) => work(app.db.reads.prisma),
            transaction: (work) => app.db.reads.prisma.$transaction((tx) => work(tx)),
          }
        : { repo: seriesRepository, statement: app.db.autocommit, transaction: app.db.transaction },
    ),
    trustRepository,
    ticketsRepository,
    maintenanceRepository,
    ticketAutomation,
    tickets,
    incidentsRepository,
    incidents: createIncidentsService({
      prisma,
      repo: incidentsRepository,
      tickets,
      events: app.events,
      clock,
      settings: config.incidents,
    }),
    maintenance: createMaintenanceService(maintenanceRepository, sensorsRepository, app.events, clock),
    // What resolvers are given, one narrow facade per module (graphql/context.ts, ModuleContext).
    facades: {
      silences: createSilencesFacade({
        repo: silencesRepository,
        service: createSilencesService({
          repo: silencesRepository,
          sensors: sensorsRepository,
          tickets: ticketsRepository,
          events: app.events,
          clock,
        }),
        maintenance: maintenanceRepository,
        clock,
      }),
      notifications: createNotificationsFacade(notifications, clock),
      dashboard: createDashboardFacade(dashboard, fleetTrend),
    },
    dashboardRepository,
    fleetTrend,
    dashboard,
    notifications,
    subscriptions: createSubscriptionHub({
      events: app.events,
      sensorsRepository,
      trustRepository,
      ticketsRepository,
      incidentsRepository,
      bufferLimit: config.subscriptionBufferLimit,
      keyBudgets: {
        maxSubscriptionsPerKey: config.limits.maxSubscriptionsPerKey,
        deliveriesPerSecond: config.limits.subscriptionDeliveriesPerSecond,
      },
      log: app.log,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
