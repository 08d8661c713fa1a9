// The trust stream and the trust service it drives, wired the same way on the main thread
// (services.ts, embedded PGlite or TRUST_STREAM_THREAD=false) and on the stream's own worker
// thread (trust-stream-thread.ts): one place decides the stream's settings.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { DatabaseKind } from '../db/database.js';
import { advisoryLockLeases, ownAllPartitions } from '../db/partition-leases.js';
import type { RunInTransaction } from '../db/sql-transaction.js';
import type { EventBus } from '../events/event-bus.js';
import { createIncidentGrouping } from '../modules/incidents/incident-grouping.js';
import type { SensorProfileCache } from '../modules/readings/index.js';
import { createSeriesRepository } from '../modules/readings/series-repository.js';
import { createTicketAutomation } from '../modules/tickets/ticket-automation.js';
import type { StateRestorer } from '../modules/trust/state-restore.js';
import { loadTrustConfig } from '../modules/trust/trust-config-loader.js';
import { createTrustService, type TrustService } from '../modules/trust/trust-service.js';
import { createTrustStateRepository } from '../modules/trust/trust-state-repository.js';
import { createLocalLog } from '../modules/trust/trust-stream-local-log.js';
import { StreamMemory } from '../modules/trust/trust-stream-memory.js';
import { createTrustStreamRepository } from '../modules/trust/trust-stream-repository.js';
import { createTrustStream } from '../modules/trust/trust-stream.js';
import { thresholdsFor } from '../trust/index.js';

/** The settings the stream and its trust service read (plain data: it crosses to the worker thread). */
export type StreamConfig = Pick<
  Config,
  | 'databaseUrl'
  | 'trustStream'
  | 'tickets'
  | 'incidents'
  | 'trustConfigFile'
  | 'trustLatenessSeconds'
  | 'sweepIntervalMs'
>;

export function streamConfigOf(config: Config): StreamConfig {
  const { databaseUrl, trustStream, tickets, incidents, trustConfigFile, trustLatenessSeconds, sweepIntervalMs } =
    config;
  return { databaseUrl, trustStream, tickets, incidents, trustConfigFile, trustLatenessSeconds, sweepIntervalMs };
}

interface Shell {
  events: EventBus;
  clock: { now(): Date };
  log: FastifyBaseLogger;
}

/** Ticket automation and the trust service over it. */
export function createTrustCore(config: StreamConfig, { events, clock, log }: Shell) {
  const ticketAutomation = createTicketAutomation({
    settings: config.tickets,
    grouping: config.incidents.enabled ? createIncidentGrouping(config.incidents) : undefined,
  });
  const trustConfig = loadTrustConfig(config.trustConfigFile, config.trustLatenessSeconds);
  const trust = createTrustService({
    repo: createTrustStateRepository(),
    config: trustConfig,
    events,
    clock,
    log,
    ticketAutomation,
  });
  return { ticketAutomation, trustConfig, trust };
}

export interface StreamWiring extends Shell {
  config: StreamConfig;
  db: { kind: DatabaseKind; transaction: RunInTransaction; autocommit: RunInTransaction };
  core: { trust: TrustService; trustConfig: ReturnType<typeof loadTrustConfig> };
  profiles: SensorProfileCache;
  restorer: StateRestorer;
  /** Periodic time-driven judgements (off in most tests). */
  backgroundJobs: boolean;
  /**
   * The ingests of this process hand their committed rows to the stream in memory (default
   * true; false on the stream's own thread, which no ingest offers rows to).
   */
  handOver?: boolean;
}

export function wireTrustStream(w: StreamWiring) {
  const { config, db, log } = w;
  const settings = config.trustStream;
  const postgres = db.kind === 'postgres';
  return createTrustStream({
    transaction: db.transaction,
    reads: db.autocommit,
    repo: createTrustStreamRepository(),
    leases:
      postgres && config.databaseUrl
        ? advisoryLockLeases({
            databaseUrl: config.databaseUrl,
            count: settings.partitions,
            checkMs: settings.leaseCheckMs,
            onError: (err) => log.warn({ err }, 'trust stream partition leases: connection lost'),
          })
        : ownAllPartitions(settings.partitions),
    profiles: w.profiles,
    trust: w.core.trust,
    events: w.events,
    clock: w.clock,
    log,
    settings: {
      ...settings,
      holderWarnMs: postgres ? 30_000 : 0,
      // Time-driven judgements (OFFLINE, escalation, auto-resolution) in each owner.
      sweepIntervalMs: w.backgroundJobs ? config.sweepIntervalMs : 0,
      pollRequests: postgres,
      // History (older than the engine's lateness bound on arrival) is not held for reordering.
      historyAfterMs: (profile) => thresholdsFor(w.core.trustConfig, profile.kind).latenessSeconds * 1000,
    },
    // The engine states of the owned partitions' sensors, restored from stored rows.
    memory: new StreamMemory(w.restorer),
    // This process's ingests hand their rows over; a range holding rows from anything else
    // (another instance, a write around the ingest path) is read from the database.
    localLog: w.handOver === false ? undefined : createLocalLog(),
    seriesRollups: createSeriesRepository(settings.partitions),
  });
}
