// Parses the environment once, validates it and fails fast with a message that names every
// bad setting. What each setting accepts is its zod schema in config/settings.ts; this file
// shapes the checked values into the typed Config everything else receives.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { FaultKind } from './trust/types.js';
import { projectPath } from './project-paths.js';
import { crossChecks, describeIssues, settingsSchema, type Settings } from './config/settings.js';

/** How long readings and rollups are kept, and how day partitions are prepared (docs/history.md). */
export interface HistorySettings {
  /** READINGS_RETENTION_DAYS: days of raw readings kept (today counts as one); null keeps all. */
  retentionDays: number | null;
  /** ROLLUPS_RETENTION_DAYS: days of hour rollups kept; null keeps all. */
  rollupRetentionDays: number | null;
  /** ROLLUPS_MINUTE_RETENTION_DAYS: days of minute rollups kept (default ROLLUPS_RETENTION_DAYS). */
  minuteRollupRetentionDays: number | null;
  /** READINGS_COMPACT_AFTER_HOURS: day partitions that ended this long ago are compacted into blocks; null never. */
  compactAfterHours: number | null;
  /** READINGS_PARTITIONS_AHEAD_DAYS: day partitions created ahead of today. */
  aheadDays: number;
  /** READINGS_MAINTENANCE_SECONDS: period of the partition job (0: only at start-up). */
  maintenanceMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  dbPoolSize: number;
  /** Streaming replicas for lag-tolerant reads (DATABASE_READ_URL, comma-separated; db/read-replicas.ts). */
  readReplicas: ReadReplicaSettings;
  redisUrl: string | null;
  logLevel: string;
  /** Largest accepted ingestReadings batch. */
  maxBatchSize: number;
  /** How far ahead of the server clock a reading may be before FUTURE_TIMESTAMP. */
  futureSkewMs: number;
  /** Period of the background trust sweep (offline, gaps, drift); 0 disables it. */
  sweepIntervalMs: number;
  /** Period of the fleet trend samples (the overview's 24 h trend); 0 stops sampling. */
  trendSampleMs: number;
  /** Dashboard summary cache TTL. */
  dashboardCacheTtlMs: number;
  /** Minimum spacing between two dashboardUpdated pushes. */
  dashboardCoalesceMs: number;
  /** Prefix of Redis keys and pub/sub channels: instances sharing one database share it. */
  redisNamespace: string;
  /** WebSocket heartbeat: ping period; a connection that leaves two pings unanswered is dropped (0 disables). */
  wsKeepAliveMs: number;
  /** Events queued for one slow subscription before it is ended with an error. */
  subscriptionBufferLimit: number;
  /** JSON file with trust-threshold overrides per sensor kind, or null. */
  trustConfigFile: string | null;
  /**
   * TRUST_LATENESS_SECONDS: how much later than the newest reading a reading may arrive without
   * counting as clock trouble, and how long event-time windows wait for late data. null: the
   * engine's default (600 s, or the TRUST_CONFIG_FILE's `latenessSeconds`).
   */
  trustLatenessSeconds: number | null;
  /** The trust stream beside ingestion (docs/trust-stream.md). */
  trustStream: TrustStreamConfig;
  /** Automatic maintenance tickets (modules/tickets/ticket-automation.ts). */
  tickets: TicketSettings;
  /** Grouping of tickets into incidents and their notifications (modules/incidents). */
  incidents: IncidentSettings;
  /** Serve GraphiQL at /graphiql. */
  graphiql: boolean;
  /** Directory of the built web app (served at /). */
  webDir: string;
  /** Log every HTTP request at info level (off by default in the demo). */
  logRequests: boolean;
  /** API keys and roles (modules/auth). */
  auth: AuthSettings;
  /** Request size, rate and query-shape limits (graphql/limits, plugins/abuse-limits). */
  limits: LimitSettings;
  /** Origins allowed by CORS (CORS_ORIGINS, comma-separated); empty: no CORS headers at all. */
  corsOrigins: string[];
  /** Answer introspection queries (INTROSPECTION, default true; GraphiQL needs it). */
  introspection: boolean;
  /** Webhook notifications of ticket changes (modules/notifications). */
  notifications: NotificationSettings;
  /** MQTT ingestion (plugins/mqtt-ingest.ts); null without MQTT_URL. */
  mqtt: MqttSettings | null;
  /** Readings' daily partitions, retention of readings and rollups (modules/readings/reading-partitions.ts). */
  history: HistorySettings;
}

export interface ReadReplicaSettings {
  urls: string[];
  /** READ_REPLICA_MAX_LAG_MS: a replica further behind than this is skipped (the primary serves). */
  maxLagMs: number;
  /** READ_REPLICA_CHECK_MS: how often each replica's health and lag are checked. */
  checkMs: number;
}

export interface MqttSettings {
  /** MQTT_URL: mqtt://, mqtts://, ws:// or wss://. */
  url: string;
  /** MQTT_TOPIC, default sensors/+/readings: `+` is the sensor id. */
  topic: string;
  /** MQTT_ERRORS_TOPIC, default sensor-trust/ingest-errors: rejected items, one message per source message. */
  errorsTopic: string;
  /** MQTT_CLIENT_ID, default sensor-trust-<REDIS_NAMESPACE>: the persistent session's name. */
  clientId: string;
  /**
   * MQTT_REQUIRE_KEY, default false: each message must carry an API key that may ingest
   * (INTEGRATOR or ADMIN) in the MQTT v5 user property `authorization`. Without it the
   * broker's own users and ACLs decide who may publish to MQTT_TOPIC.
   */
  requireKey: boolean;
}

export interface AuthSettings {
  /** ADMIN_API_KEY: bootstraps (creates if absent) one ADMIN key with this value. */
  adminApiKey: string | null;
  /** AUTH_RECHECK_SECONDS (default 30): how long a checked key is trusted before it is looked up again; revoked keys end their WebSockets within this. */
  recheckMs: number;
  /** TRUST_ACTOR_HEADER (default false): take the ticket actor from `x-actor` (a signing-in proxy sets it) for keys that may act on tickets. */
  trustActorHeader: boolean;
  /** METRICS_PUBLIC (default false): serve /metrics without a key. */
  metricsPublic: boolean;
  /**
   * OPEN_MODE: true serves callers without a key as ADMIN "operator" (loopback HOST only), even
   * when keys exist; false never does; unset (auto): open only while no API key has ever been
   * created on this database and ADMIN_API_KEY is unset. Once closed, auto never reopens.
   */
  openMode: boolean | null;
}

export interface LimitSettings {
  /** BODY_LIMIT_BYTES: largest request body (default sized to a MAX_BATCH_SIZE batch). */
  bodyLimitBytes: number;
  /** QUERY_MAX_COST (default 50000): estimated cost ceiling; list fields multiply by first/last or their list size. */
  maxCost: number;
  /** QUERY_LIST_SIZE (default 100): assumed size of a list without first/last and without an estimate of its own. */
  defaultListSize: number;
  /** QUERY_MAX_DEPTH (default 12). */
  maxDepth: number;
  /** QUERY_MAX_ALIASES (default 30). */
  maxAliases: number;
  /** QUERY_MAX_TOKENS (default 10000): send large batches as variables, not literals. */
  maxTokens: number;
  /** RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_SECONDS per key (per address without one); 0 disables. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /**
   * AUTH_FAILURE_LIMIT (default 30; 0 disables): failed authentications per minute per
   * client address; beyond it the address is answered RATE_LIMITED before its keys are
   * looked up, until the minute is over (a key that passed a check before still passes).
   */
  authFailureLimit: number;
  /**
   * METRICS_RATE_LIMIT (default 120; 0: unlimited): /metrics scrapes per minute per client
   * address, a budget of its own (a scrape reads the dashboard summary and every gauge).
   */
  metricsRateLimit: number;
  /**
   * READYZ_CACHE_MS (default 1000; 0: every call): /readyz pings the database at most once
   * per this many ms, and concurrent probes share one ping.
   */
  readyzCacheMs: number;
  /** WS_MAX_PAYLOAD_BYTES (default 262144): largest WebSocket message. */
  wsMaxPayloadBytes: number;
  /** WS_MAX_SUBSCRIPTIONS_PER_SOCKET (default 50). */
  wsMaxSubscriptionsPerSocket: number;
  /** WS_MAX_SOCKETS_PER_KEY (default 500): open WebSockets per API key, and (counted apart) open SSE streams per key (open mode: unbounded). */
  wsMaxSocketsPerKey: number;
  /**
   * MAX_SUBSCRIPTIONS_PER_KEY (default 200): running subscriptions per API key on one instance,
   * WebSockets and SSE streams together (open mode: unbounded). Beyond: TOO_MANY_SUBSCRIPTIONS.
   */
  maxSubscriptionsPerKey: number;
  /**
   * SUBSCRIPTION_DELIVERIES_PER_SECOND (default 5000; 0: unlimited): subscription events one API
   * key receives per second on one instance (a one-second burst). Events past it are dropped
   * before they are queued and the subscriber gets a DELIVERIES_DROPPED error event once a second.
   */
  subscriptionDeliveriesPerSecond: number;
  /**
   * API_STATEMENT_TIMEOUT_MS (default 3000; 0: none): on PostgreSQL, the statement timeout of
   * the API's large reads (per-sensor lists under a list of sensors, a zone's sensors); a
   * query over it answers QUERY_TIMEOUT and gives its pool connection back.
   */
  apiStatementTimeoutMs: number;
  /**
   * FLEET_SIZES_REFRESH_MS (default 5000): how old the zone and sensor counts that query costs
   * are computed from may be (refreshed at once after a registry change on this instance).
   */
  fleetSizesRefreshMs: number;
}

export interface NotificationSettings {
  /** How often every instance looks for notifications to fan out and send. NOTIFY_POLL_MS, default 2000. */
  pollMs: number;
  /** First retry delay; doubles per attempt up to 10 minutes. NOTIFY_RETRY_BASE_MS, default 5000. */
  retryBaseMs: number;
  /** Attempts before a delivery is FAILED. NOTIFY_MAX_ATTEMPTS, default 8. */
  maxAttempts: number;
  /** Timeout of one webhook POST. NOTIFY_TIMEOUT_MS, default 5000. */
  timeoutMs: number;
  /**
   * WEBHOOK_ALLOW_PRIVATE: comma-separated addresses or CIDRs (10.20.0.0/16, fd00::/8) of
   * private, loopback or link-local receivers webhooks may go to; default none
   * (modules/notifications/webhook-target.ts).
   */
  allowPrivate: string[];
  /** SMTP_URL: where EMAIL receivers' mail goes (smtp://user:pass@host:587, smtps://…); null: EMAIL deliveries fail saying so. */
  smtpUrl: string | null;
  /** SMTP_FROM: the sender of notification mail; default sensor-trust@localhost. */
  smtpFrom: string;
}

export interface TrustStreamConfig {
  /** TRUST_PARTITIONS (power of two, default 16): units of ownership across instances. Fixed per database. */
  partitions: number;
  /** TRUST_STREAM_INTERVAL_MS (default 200): least time between two ticks with work. */
  intervalMs: number;
  /** TRUST_STREAM_POLL_MS (default 100): idle poll for other instances' readings. */
  pollMs: number;
  /** TRUST_STREAM_BATCH (default 20000): about this many readings per tick at most. */
  batchRows: number;
  /** TRUST_LEASE_CHECK_MS (default 1000): how often an instance claims free partitions (PostgreSQL). */
  leaseCheckMs: number;
  /**
   * TRUST_CHECKPOINT_MS (default 1000): a sensor's engine state is written at most about this
   * often while its verdict is unchanged (a verdict change is written at once).
   */
  checkpointMs: number;
  /**
   * TRUST_REORDER_MS (default 200): each sensor's readings are held this long after the stream
   * reads them and reach the engine in timestamp order, so parallel uploaders' batches that
   * commit out of order within it are not out of order for the engine. Adds up to this much
   * (plus a tick) to the verdict lag; 0 turns the hold off.
   */
  reorderMs: number;
  /**
   * TRUST_STREAM_THREAD (default false): true runs the stream on its own worker thread on
   * PostgreSQL (trust-thread/), beside the request path; false keeps it on the main thread.
   * Embedded PGlite and an injected clock always keep it on the main thread.
   */
  thread: boolean;
}

export interface TicketSettings {
  /** A ticket opens only while the score is below this (or the status is FAULTY/OFFLINE). TICKET_TRUST_THRESHOLD, default 60. */
  trustThreshold: number;
  /** A fault must persist this long (event time, from reason.since) before it opens a ticket. TICKET_PENDING_SECONDS, default 600. */
  pendingMs: number;
  /** Fault kinds that skip the pending period. TICKET_IMMEDIATE_KINDS, default OUT_OF_RANGE,OFFLINE. */
  immediateKinds: FaultKind[];
  /** An OPEN ticket resolves itself after its fault has been absent this long. TICKET_KEEP_OPEN_SECONDS, default 1800. */
  keepOpenMs: number;
  /** A relapse within this long after resolution reopens the same ticket. TICKET_REOPEN_WINDOW_SECONDS, default 86400. */
  reopenWindowMs: number;
  /** An unresolved fault raises its ticket's severity one level per this long. TICKET_ESCALATE_AFTER_SECONDS, default 3600. */
  escalateAfterMs: number;
}

export interface IncidentSettings {
  /** Tickets of one cause join one incident and notify through it. INCIDENT_GROUPING, default true; false: every ticket stands alone and notifies by itself. */
  enabled: boolean;
  /** Tickets of one cause group when they open within this long of each other (event time). INCIDENT_WINDOW_SECONDS, default 600. */
  windowMs: number;
  /** A zone fault is an incident from this many sensors of one zone and fault kind. INCIDENT_MIN_TICKETS, default 3. */
  minTickets: number;
  /** At most one update notification per incident per this long. INCIDENT_GROUP_INTERVAL_SECONDS, default 300. */
  groupIntervalMs: number;
  /** A still-open incident is notified again after this long. INCIDENT_REPEAT_SECONDS, default 10800. */
  repeatMs: number;
  /** The fleet is silent when every reporting sensor has missed this many of its intervals. INCIDENT_FLEET_SILENCE_INTERVALS, default 2. */
  fleetSilenceIntervals: number;
  /** Share of a zone's sensors of one kind that must move the same way for ENVIRONMENT. INCIDENT_ENVIRONMENT_SHARE (percent), default 60. */
  environmentShare: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Room for one reading of a MAX_BATCH_SIZE batch in JSON (long ids, full timestamps, 17-digit values) plus the query. */
const BYTES_PER_READING = 256;

// Instances on one database must share a namespace and test databases on one
// Redis must not: derive it from where the data lives unless set explicitly.
function redisNamespace(s: Settings, dataDir: string): string {
  if (s.REDIS_NAMESPACE) return s.REDIS_NAMESPACE;
  let where = `embedded:${dataDir}`;
  if (s.DATABASE_URL) {
    const u = new URL(s.DATABASE_URL);
    where = `pg:${u.hostname}:${u.port || '5432'}${u.pathname}`;
  }
  return `st-${createHash('sha1').update(where).digest('hex').slice(0, 10)}`;
}

function limitSettings(s: Settings): LimitSettings {
  return {
    bodyLimitBytes: s.BODY_LIMIT_BYTES ?? Math.max(1024 * 1024, s.MAX_BATCH_SIZE * BYTES_PER_READING + 64 * 1024),
    maxCost: s.QUERY_MAX_COST,
    defaultListSize: s.QUERY_LIST_SIZE,
    maxDepth: s.QUERY_MAX_DEPTH,
    maxAliases: s.QUERY_MAX_ALIASES,
    maxTokens: s.QUERY_MAX_TOKENS,
    rateLimitMax: s.RATE_LIMIT_MAX,
    rateLimitWindowMs: s.RATE_LIMIT_WINDOW_SECONDS * 1000,
    authFailureLimit: s.AUTH_FAILURE_LIMIT,
    metricsRateLimit: s.METRICS_RATE_LIMIT,
    readyzCacheMs: s.READYZ_CACHE_MS,
    wsMaxPayloadBytes: s.WS_MAX_PAYLOAD_BYTES,
    wsMaxSubscriptionsPerSocket: s.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
    wsMaxSocketsPerKey: s.WS_MAX_SOCKETS_PER_KEY,
    maxSubscriptionsPerKey: s.MAX_SUBSCRIPTIONS_PER_KEY,
    subscriptionDeliveriesPerSecond: s.SUBSCRIPTION_DELIVERIES_PER_SECOND,
    apiStatementTimeoutMs: s.API_STATEMENT_TIMEOUT_MS,
    fleetSizesRefreshMs: s.FLEET_SIZES_REFRESH_MS,
  };
}

function mqttSettings(s: Settings, namespace: string): MqttSettings | null {
  if (!s.MQTT_URL) return null;
  return {
    url: s.MQTT_URL,
    topic: s.MQTT_TOPIC,
    errorsTopic: s.MQTT_ERRORS_TOPIC,
    clientId: s.MQTT_CLIENT_ID ?? `sensor-trust-${namespace}`,
    requireKey: s.MQTT_REQUIRE_KEY,
  };
}

function toConfig(s: Settings): Config {
  const dataDir = resolve(s.DATA_DIR);
  const namespace = redisNamespace(s, dataDir);
  return {
    port: s.PORT,
    host: s.HOST,
    dataDir,
    databaseUrl: s.DATABASE_URL ?? null,
    dbPoolSize: s.DB_POOL_SIZE,
    readReplicas: {
      urls: s.DATABASE_READ_URL,
      maxLagMs: s.READ_REPLICA_MAX_LAG_MS,
      checkMs: s.READ_REPLICA_CHECK_MS,
    },
    redisUrl: s.REDIS_URL ?? null,
    logLevel: s.LOG_LEVEL,
    maxBatchSize: s.MAX_BATCH_SIZE,
    futureSkewMs: s.FUTURE_SKEW_SECONDS * 1000,
    sweepIntervalMs: s.SWEEP_INTERVAL_SECONDS * 1000,
    trendSampleMs: s.TREND_SAMPLE_SECONDS * 1000,
    dashboardCacheTtlMs: s.DASHBOARD_CACHE_TTL_SECONDS * 1000,
    dashboardCoalesceMs: s.DASHBOARD_COALESCE_MS,
    redisNamespace: namespace,
    wsKeepAliveMs: s.WS_KEEPALIVE_MS,
    subscriptionBufferLimit: s.SUBSCRIPTION_BUFFER_LIMIT,
    trustConfigFile: s.TRUST_CONFIG_FILE ? resolve(s.TRUST_CONFIG_FILE) : null,
    trustLatenessSeconds: s.TRUST_LATENESS_SECONDS ?? null,
    trustStream: {
      partitions: s.TRUST_PARTITIONS,
      intervalMs: s.TRUST_STREAM_INTERVAL_MS,
      pollMs: s.TRUST_STREAM_POLL_MS,
      batchRows: s.TRUST_STREAM_BATCH,
      leaseCheckMs: s.TRUST_LEASE_CHECK_MS,
      checkpointMs: s.TRUST_CHECKPOINT_MS,
      reorderMs: s.TRUST_REORDER_MS,
      thread: s.TRUST_STREAM_THREAD,
    },
    tickets: {
      trustThreshold: s.TICKET_TRUST_THRESHOLD,
      pendingMs: s.TICKET_PENDING_SECONDS * 1000,
      immediateKinds: s.TICKET_IMMEDIATE_KINDS satisfies FaultKind[],
      keepOpenMs: s.TICKET_KEEP_OPEN_SECONDS * 1000,
      reopenWindowMs: s.TICKET_REOPEN_WINDOW_SECONDS * 1000,
      escalateAfterMs: s.TICKET_ESCALATE_AFTER_SECONDS * 1000,
    },
    incidents: {
      enabled: s.INCIDENT_GROUPING,
      windowMs: s.INCIDENT_WINDOW_SECONDS * 1000,
      minTickets: s.INCIDENT_MIN_TICKETS,
      groupIntervalMs: s.INCIDENT_GROUP_INTERVAL_SECONDS * 1000,
      repeatMs: s.INCIDENT_REPEAT_SECONDS * 1000,
      fleetSilenceIntervals: s.INCIDENT_FLEET_SILENCE_INTERVALS,
      environmentShare: s.INCIDENT_ENVIRONMENT_SHARE / 100,
    },
    graphiql: s.GRAPHIQL,
    webDir: resolve(s.WEB_DIR ?? projectPath('web', 'dist')),
    logRequests: s.LOG_REQUESTS ?? s.DEMO !== '1',
    auth: {
      adminApiKey: s.ADMIN_API_KEY ?? null,
      recheckMs: s.AUTH_RECHECK_SECONDS * 1000,
      trustActorHeader: s.TRUST_ACTOR_HEADER,
      metricsPublic: s.METRICS_PUBLIC,
      openMode: s.OPEN_MODE ?? null,
    },
    limits: limitSettings(s),
    corsOrigins: s.CORS_ORIGINS,
    introspection: s.INTROSPECTION,
    mqtt: mqttSettings(s, namespace),
    notifications: {
      pollMs: s.NOTIFY_POLL_MS,
      retryBaseMs: s.NOTIFY_RETRY_BASE_MS,
      maxAttempts: s.NOTIFY_MAX_ATTEMPTS,
      timeoutMs: s.NOTIFY_TIMEOUT_MS,
      allowPrivate: s.WEBHOOK_ALLOW_PRIVATE,
      smtpUrl: s.SMTP_URL ?? null,
      smtpFrom: s.SMTP_FROM,
    },
    history: {
      retentionDays: s.READINGS_RETENTION_DAYS ?? null,
      rollupRetentionDays: s.ROLLUPS_RETENTION_DAYS ?? null,
      minuteRollupRetentionDays: s.ROLLUPS_MINUTE_RETENTION_DAYS ?? null,
      compactAfterHours: s.READINGS_COMPACT_AFTER_HOURS ?? null,
      aheadDays: s.READINGS_PARTITIONS_AHEAD_DAYS,
      maintenanceMs: s.READINGS_MAINTENANCE_SECONDS * 1000,
    },
  };
}

/** Throws a ConfigError listing every bad setting, one per line. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = settingsSchema.safeParse(env);
  const problems = parsed.success ? crossChecks(parsed.data) : describeIssues(parsed.error, env);
  if (problems.length || !parsed.success) throw new ConfigError(problems.join('\n'));
  return toConfig(parsed.data);
}
