// Parses the environment once, validates it and fails fast with a message that
// names the bad setting. Everything else receives a typed Config.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { FAULT_KINDS, type FaultKind } from './trust/types.js';
import { projectPath } from './project-paths.js';
import { parseAllowList } from './kernel/address-allow-list.js';

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
}

function trustStreamConfig(env: Env): TrustStreamConfig {
  const partitions = integer(env, 'TRUST_PARTITIONS', 16, 1, 1024);
  if ((partitions & (partitions - 1)) !== 0)
    throw new ConfigError(`TRUST_PARTITIONS must be a power of two, got ${partitions}`);
  return {
    partitions,
    intervalMs: integer(env, 'TRUST_STREAM_INTERVAL_MS', 200, 0, 60_000),
    pollMs: integer(env, 'TRUST_STREAM_POLL_MS', 100, 1, 60_000),
    batchRows: integer(env, 'TRUST_STREAM_BATCH', 20_000, 100, 1_000_000),
    leaseCheckMs: integer(env, 'TRUST_LEASE_CHECK_MS', 1000, 50, 60_000),
    checkpointMs: integer(env, 'TRUST_CHECKPOINT_MS', 1000, 0, 600_000),
    reorderMs: integer(env, 'TRUST_REORDER_MS', 200, 0, 10_000),
  };
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

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function readReplicaSettings(env: Env, databaseUrl: string | null): ReadReplicaSettings {
  const raw = (env.DATABASE_READ_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (raw.length && !databaseUrl)
    throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL (replicas of a PostgreSQL primary)');
  const urls = raw.map((u, i) =>
    url({ [`DATABASE_READ_URL[${i}]`]: u }, `DATABASE_READ_URL[${i}]`, ['postgres:', 'postgresql:'])!,
  );
  return {
    urls,
    maxLagMs: integer(env, 'READ_REPLICA_MAX_LAG_MS', 5000, 0, 3_600_000),
    checkMs: integer(env, 'READ_REPLICA_CHECK_MS', 1000, 50, 600_000),
  };
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

// Instances on one database must share a namespace and test databases on one
// Redis must not: derive it from where the data lives unless set explicitly.
function redisNamespace(env: Env, databaseUrl: string | null, dataDir: string): string {
  const raw = env.REDIS_NAMESPACE;
  if (raw !== undefined && raw !== '') {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) {
      throw new ConfigError(`REDIS_NAMESPACE may only hold letters, digits and _ . : - (1-64 chars), got "${raw}"`);
    }
    return raw;
  }
  let where = `embedded:${dataDir}`;
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    where = `pg:${u.hostname}:${u.port || '5432'}${u.pathname}`;
  }
  return `st-${createHash('sha1').update(where).digest('hex').slice(0, 10)}`;
}

function faultKinds(env: Env, name: string, fallback: FaultKind[]): FaultKind[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const kinds = raw
    .split(',')
    .map((k) => k.trim().toUpperCase())
    .filter(Boolean);
  const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (bad.length)
    throw new ConfigError(`${name} must list fault kinds among ${FAULT_KINDS.join(', ')}, got "${bad.join(', ')}"`);
  return [...new Set(kinds)] as FaultKind[];
}

function ticketSettings(env: Env): TicketSettings {
  return {
    trustThreshold: integer(env, 'TICKET_TRUST_THRESHOLD', 60, 0, 100),
    pendingMs: integer(env, 'TICKET_PENDING_SECONDS', 600, 0, 30 * 86_400) * 1000,
    immediateKinds: faultKinds(env, 'TICKET_IMMEDIATE_KINDS', ['OUT_OF_RANGE', 'OFFLINE']),
    keepOpenMs: integer(env, 'TICKET_KEEP_OPEN_SECONDS', 1800, 0, 30 * 86_400) * 1000,
    reopenWindowMs: integer(env, 'TICKET_REOPEN_WINDOW_SECONDS', 86_400, 0, 365 * 86_400) * 1000,
    escalateAfterMs: integer(env, 'TICKET_ESCALATE_AFTER_SECONDS', 3600, 60, 30 * 86_400) * 1000,
  };
}

function incidentSettings(env: Env): IncidentSettings {
  return {
    enabled: bool(env, 'INCIDENT_GROUPING', true),
    windowMs: integer(env, 'INCIDENT_WINDOW_SECONDS', 600, 1, 7 * 86_400) * 1000,
    minTickets: integer(env, 'INCIDENT_MIN_TICKETS', 3, 2, 100_000),
    groupIntervalMs: integer(env, 'INCIDENT_GROUP_INTERVAL_SECONDS', 300, 0, 86_400) * 1000,
    repeatMs: integer(env, 'INCIDENT_REPEAT_SECONDS', 10_800, 60, 30 * 86_400) * 1000,
    fleetSilenceIntervals: integer(env, 'INCIDENT_FLEET_SILENCE_INTERVALS', 2, 1, 100),
    environmentShare: integer(env, 'INCIDENT_ENVIRONMENT_SHARE', 60, 1, 100) / 100,
  };
}

/** Room for one reading of a MAX_BATCH_SIZE batch in JSON (long ids, full timestamps, 17-digit values) plus the query. */
const BYTES_PER_READING = 256;

function authSettings(env: Env): AuthSettings {
  const adminApiKey = env.ADMIN_API_KEY || null;
  if (adminApiKey !== null && (adminApiKey.length < 24 || /\s/.test(adminApiKey))) {
    throw new ConfigError(
      'ADMIN_API_KEY must be at least 24 characters without spaces (e.g. `openssl rand -base64 32`)',
    );
  }
  return {
    adminApiKey,
    recheckMs: integer(env, 'AUTH_RECHECK_SECONDS', 30, 1, 3600) * 1000,
    trustActorHeader: bool(env, 'TRUST_ACTOR_HEADER', false),
    metricsPublic: bool(env, 'METRICS_PUBLIC', false),
    openMode: env.OPEN_MODE === undefined || env.OPEN_MODE === '' ? null : bool(env, 'OPEN_MODE', false),
  };
}

function limitSettings(env: Env, maxBatchSize: number): LimitSettings {
  const batchBytes = Math.max(1024 * 1024, maxBatchSize * BYTES_PER_READING + 64 * 1024);
  return {
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', batchBytes, 1024, 1024 * 1024 * 1024),
    maxCost: integer(env, 'QUERY_MAX_COST', 50_000, 1, 1_000_000_000),
    defaultListSize: integer(env, 'QUERY_LIST_SIZE', 100, 1, 1_000_000),
    maxDepth: integer(env, 'QUERY_MAX_DEPTH', 12, 1, 100),
    maxAliases: integer(env, 'QUERY_MAX_ALIASES', 30, 0, 10_000),
    maxTokens: integer(env, 'QUERY_MAX_TOKENS', 10_000, 100, 10_000_000),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 3000, 0, 100_000_000),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 10, 1, 86_400) * 1000,
    authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 30, 0, 1_000_000),
    metricsRateLimit: integer(env, 'METRICS_RATE_LIMIT', 120, 0, 1_000_000),
    readyzCacheMs: integer(env, 'READYZ_CACHE_MS', 1000, 0, 60_000),
    wsMaxPayloadBytes: integer(env, 'WS_MAX_PAYLOAD_BYTES', 256 * 1024, 1024, 256 * 1024 * 1024),
    wsMaxSubscriptionsPerSocket: integer(env, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 50, 1, 100_000),
    wsMaxSocketsPerKey: integer(env, 'WS_MAX_SOCKETS_PER_KEY', 500, 1, 1_000_000),
    maxSubscriptionsPerKey: integer(env, 'MAX_SUBSCRIPTIONS_PER_KEY', 200, 1, 1_000_000),
    subscriptionDeliveriesPerSecond: integer(env, 'SUBSCRIPTION_DELIVERIES_PER_SECOND', 5000, 0, 100_000_000),
    apiStatementTimeoutMs: integer(env, 'API_STATEMENT_TIMEOUT_MS', 3000, 0, 3_600_000),
    fleetSizesRefreshMs: integer(env, 'FLEET_SIZES_REFRESH_MS', 5000, 0, 3_600_000),
  };
}

function origins(env: Env): string[] {
  const raw = env.CORS_ORIGINS ?? '';
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of list) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must list origins like https://ops.example.com, got "${origin}"`);
    }
  }
  return list;
}

function allowPrivate(env: Env): string[] {
  const list = (env.WEBHOOK_ALLOW_PRIVATE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    parseAllowList(list);
  } catch (err) {
    throw new ConfigError(`WEBHOOK_ALLOW_PRIVATE: ${(err as Error).message}`);
  }
  return list;
}

function mqttSettings(env: Env, namespace: string): MqttSettings | null {
  const url_ = url(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:']);
  if (!url_) return null;
  const topic = env.MQTT_TOPIC || 'sensors/+/readings';
  const levels = topic.split('/');
  if (levels.includes('#') || levels.filter((l) => l === '+').length > 1)
    throw new ConfigError(`MQTT_TOPIC may hold at most one + (the sensor id) and no #, got "${topic}"`);
  return {
    url: url_,
    topic,
    errorsTopic: env.MQTT_ERRORS_TOPIC || 'sensor-trust/ingest-errors',
    clientId: env.MQTT_CLIENT_ID || `sensor-trust-${namespace}`,
    requireKey: bool(env, 'MQTT_REQUIRE_KEY', false),
  };
}

/** Days to keep, or null (unset or empty: keep everything). */
function days(env: Env, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  return integer(env, name, 0, 1, 36_500);
}

function historySettings(env: Env): HistorySettings {
  const retentionDays = days(env, 'READINGS_RETENTION_DAYS');
  const rollupRetentionDays = days(env, 'ROLLUPS_RETENTION_DAYS');
  const minuteRollupRetentionDays = days(env, 'ROLLUPS_MINUTE_RETENTION_DAYS');
  if (
    minuteRollupRetentionDays !== null &&
    rollupRetentionDays !== null &&
    minuteRollupRetentionDays > rollupRetentionDays
  )
    throw new ConfigError(
      `ROLLUPS_MINUTE_RETENTION_DAYS (${minuteRollupRetentionDays}) must not exceed ROLLUPS_RETENTION_DAYS (${rollupRetentionDays}): minute rollups are the finer, shorter-lived copy`,
    );
  const shortest = minuteRollupRetentionDays ?? rollupRetentionDays;
  if (shortest !== null && (retentionDays === null || shortest < retentionDays))
    throw new ConfigError(
      `${minuteRollupRetentionDays !== null ? 'ROLLUPS_MINUTE_RETENTION_DAYS' : 'ROLLUPS_RETENTION_DAYS'} (${shortest}) must be at least READINGS_RETENTION_DAYS (${retentionDays ?? 'unset: raw readings kept for ever'}): rollups outlive the raw readings they summarise`,
    );
  return {
    retentionDays,
    rollupRetentionDays,
    minuteRollupRetentionDays,
    compactAfterHours:
      env.READINGS_COMPACT_AFTER_HOURS === undefined || env.READINGS_COMPACT_AFTER_HOURS === ''
        ? null
        : integer(env, 'READINGS_COMPACT_AFTER_HOURS', 0, 0, 876_000),
    aheadDays: integer(env, 'READINGS_PARTITIONS_AHEAD_DAYS', 7, 1, 366),
    maintenanceMs: integer(env, 'READINGS_MAINTENANCE_SECONDS', 3600, 0, 86_400) * 1000,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = resolve(env.DATA_DIR || './data');
  const maxBatchSize = integer(env, 'MAX_BATCH_SIZE', 10_000, 1, 1_000_000);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host,
    dataDir,
    databaseUrl,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    readReplicas: readReplicaSettings(env, databaseUrl),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel,
    maxBatchSize,
    futureSkewMs: integer(env, 'FUTURE_SKEW_SECONDS', 300, 0, 86_400) * 1000,
    sweepIntervalMs: integer(env, 'SWEEP_INTERVAL_SECONDS', 30, 0, 86_400) * 1000,
    trendSampleMs: integer(env, 'TREND_SAMPLE_SECONDS', 300, 0, 86_400) * 1000,
    dashboardCacheTtlMs: integer(env, 'DASHBOARD_CACHE_TTL_SECONDS', 30, 0, 86_400) * 1000,
    dashboardCoalesceMs: integer(env, 'DASHBOARD_COALESCE_MS', 1000, 0, 600_000),
    redisNamespace: redisNamespace(env, databaseUrl, dataDir),
    wsKeepAliveMs: integer(env, 'WS_KEEPALIVE_MS', 15_000, 0, 600_000),
    subscriptionBufferLimit: integer(env, 'SUBSCRIPTION_BUFFER_LIMIT', 10_000, 1, 10_000_000),
    trustConfigFile: env.TRUST_CONFIG_FILE ? resolve(env.TRUST_CONFIG_FILE) : null,
    trustLatenessSeconds: env.TRUST_LATENESS_SECONDS ? integer(env, 'TRUST_LATENESS_SECONDS', 600, 0, 86_400) : null,
    trustStream: trustStreamConfig(env),
    tickets: ticketSettings(env),
    incidents: incidentSettings(env),
    graphiql: bool(env, 'GRAPHIQL', true),
    webDir: resolve(env.WEB_DIR || projectPath('web', 'dist')),
    logRequests: bool(env, 'LOG_REQUESTS', env.DEMO !== '1'),
    auth: authSettings(env),
    limits: limitSettings(env, maxBatchSize),
    corsOrigins: origins(env),
    introspection: bool(env, 'INTROSPECTION', true),
    mqtt: mqttSettings(env, redisNamespace(env, databaseUrl, dataDir)),
    notifications: {
      pollMs: integer(env, 'NOTIFY_POLL_MS', 2000, 50, 600_000),
      retryBaseMs: integer(env, 'NOTIFY_RETRY_BASE_MS', 5000, 10, 3_600_000),
      maxAttempts: integer(env, 'NOTIFY_MAX_ATTEMPTS', 8, 1, 100),
      timeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', 5000, 100, 120_000),
      allowPrivate: allowPrivate(env),
      smtpUrl: env.SMTP_URL?.trim() || null,
      smtpFrom: env.SMTP_FROM?.trim() || 'sensor-trust@localhost',
    },
    history: historySettings(env),
  };
}
