// Every environment setting, one zod schema each, keyed by the variable's name. The schema
// says what a setting accepts, its default and how that default reads in
// docs/configuration.md (a test checks the page against this object). Values keep the units
// of their names (…_SECONDS stays seconds); config.ts shapes them into the typed Config.
import { z } from 'zod';
import { parseAllowList } from '../kernel/address-allow-list.js';
import { FAULT_KINDS, type FaultKind } from '../trust/types.js';

export interface SettingDoc {
  /** The default as docs/configuration.md shows it (without backticks); '—': none. */
  default: string;
  /** Never echo the value in an error message (keys, URLs that may carry passwords). */
  secret?: boolean;
}

/** What docs/configuration.md must say about each setting. */
export const settingDocs = z.registry<SettingDoc>();

// An empty variable (`PORT=`) means unset, as it does for a shell.
const blank = (value: unknown) => (value === '' ? undefined : value);

function whole(min: number, max: number) {
  const expected = { error: `must be an integer between ${min} and ${max}` };
  return z.coerce.number(expected).int(expected).min(min, expected).max(max, expected);
}

function integer(fallback: number, min: number, max: number) {
  return z.preprocess(blank, whole(min, max).default(fallback)).register(settingDocs, { default: String(fallback) });
}

function optionalInteger(min: number, max: number, doc: SettingDoc = { default: '—' }) {
  return z.preprocess(blank, whole(min, max).optional()).register(settingDocs, doc);
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function flagOf() {
  return z
    .string()
    .transform((raw) => raw.toLowerCase())
    .pipe(z.enum([...TRUE, ...FALSE], { error: 'must be true or false' }))
    .transform((word) => TRUE.includes(word));
}

function flag(fallback: boolean) {
  return z.preprocess(blank, flagOf().default(fallback)).register(settingDocs, { default: String(fallback) });
}

function optionalFlag(doc: SettingDoc) {
  return z.preprocess(blank, flagOf().optional()).register(settingDocs, doc);
}

function text(fallback: string) {
  return z.preprocess(blank, z.string().default(fallback)).register(settingDocs, { default: fallback });
}

function optionalText(doc: SettingDoc = { default: '—' }) {
  return z.preprocess(blank, z.string().optional()).register(settingDocs, doc);
}

function protocolOf(raw: string): string | null {
  return URL.canParse(raw) ? new URL(raw).protocol : null;
}

/** A URL with one of these protocols; its value is never echoed (it may carry a password). */
function urlOf(protocols: readonly string[]) {
  return z
    .string()
    .refine((raw) => URL.canParse(raw), { error: 'is not a valid URL', abort: true })
    .refine((raw) => protocols.includes(protocolOf(raw)!), {
      error: (issue) => `must start with ${protocols.join(' or ')}, got "${protocolOf(issue.input as string)}"`,
    });
}

function url(protocols: readonly string[]) {
  return z.preprocess(blank, urlOf(protocols).optional()).register(settingDocs, { default: '—', secret: true });
}

/** A comma-separated list; blanks around and between items are dropped. */
function listOf<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}

const PG = ['postgres:', 'postgresql:'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const origin = z.string().refine(
  (o) => {
    const parsed = URL.canParse(o) ? new URL(o) : null;
    return !!parsed && ['http:', 'https:'].includes(parsed.protocol) && parsed.origin === o;
  },
  { error: 'must list origins like https://ops.example.com' },
);

const faultKinds = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((k) => k.trim().toUpperCase())
      .filter(Boolean),
  )
  .superRefine((kinds, ctx) => {
    const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `must list fault kinds among ${FAULT_KINDS.join(', ')}` });
  })
  .transform((kinds) => [...new Set(kinds)] as FaultKind[]);

const allowList = listOf(z.string()).refine(
  (list) => {
    try {
      parseAllowList(list);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must list addresses or CIDRs such as 10.20.0.0/16 or fd00::/8' },
);

const mqttTopic = z.string().refine(
  (topic) => {
    const levels = topic.split('/');
    return !levels.includes('#') && levels.filter((l) => l === '+').length <= 1;
  },
  { error: 'may hold at most one + (the sensor id) and no #' },
);

export const settingsSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: text('127.0.0.1'),
  DATA_DIR: text('./data'),
  DATABASE_URL: url(PG),
  DB_POOL_SIZE: integer(10, 1, 500),
  DATABASE_READ_URL: z
    .preprocess(blank, listOf(urlOf(PG)).default([]))
    .register(settingDocs, { default: '—', secret: true }),
  READ_REPLICA_MAX_LAG_MS: integer(5000, 0, 3_600_000),
  READ_REPLICA_CHECK_MS: integer(1000, 50, 600_000),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_NAMESPACE: z
    .preprocess(
      blank,
      z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'may only hold letters, digits and _ . : - (1-64 chars)' })
        .optional(),
    )
    .register(settingDocs, { default: 'derived' }),
  LOG_LEVEL: z
    .preprocess(blank, z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'))
    .register(settingDocs, { default: 'info' }),
  GRAPHIQL: flag(true),
  WEB_DIR: optionalText({ default: 'web/dist' }),
  MAX_BATCH_SIZE: integer(10_000, 1, 1_000_000),
  FUTURE_SKEW_SECONDS: integer(300, 0, 86_400),
  SWEEP_INTERVAL_SECONDS: integer(30, 0, 86_400),
  TRUST_CONFIG_FILE: optionalText(),
  TRUST_LATENESS_SECONDS: optionalInteger(0, 86_400, { default: "the engine's (600)" }),
  TRUST_PARTITIONS: z
    .preprocess(
      blank,
      whole(1, 1024)
        .refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two' })
        .default(16),
    )
    .register(settingDocs, { default: '16' }),
  TRUST_STREAM_INTERVAL_MS: integer(200, 0, 60_000),
  TRUST_STREAM_POLL_MS: integer(100, 1, 60_000),
  TRUST_STREAM_BATCH: integer(20_000, 100, 1_000_000),
  TRUST_LEASE_CHECK_MS: integer(1000, 50, 60_000),
  TRUST_REORDER_MS: integer(200, 0, 10_000),
  TRUST_CHECKPOINT_MS: integer(1000, 0, 600_000),
  TRUST_STREAM_THREAD: flag(false),
  TICKET_TRUST_THRESHOLD: integer(60, 0, 100),
  TICKET_PENDING_SECONDS: integer(600, 0, 30 * 86_400),
  // Set but empty (`TICKET_IMMEDIATE_KINDS=`) is an empty list: every kind waits.
  TICKET_IMMEDIATE_KINDS: faultKinds.default(['OUT_OF_RANGE', 'OFFLINE']).register(settingDocs, {
    default: 'OUT_OF_RANGE,OFFLINE',
  }),
  TICKET_KEEP_OPEN_SECONDS: integer(1800, 0, 30 * 86_400),
  TICKET_REOPEN_WINDOW_SECONDS: integer(86_400, 0, 365 * 86_400),
  TICKET_ESCALATE_AFTER_SECONDS: integer(3600, 60, 30 * 86_400),
  INCIDENT_GROUPING: flag(true),
  INCIDENT_WINDOW_SECONDS: integer(600, 1, 7 * 86_400),
  INCIDENT_MIN_TICKETS: integer(3, 2, 100_000),
  INCIDENT_GROUP_INTERVAL_SECONDS: integer(300, 0, 86_400),
  INCIDENT_REPEAT_SECONDS: integer(10_800, 60, 30 * 86_400),
  INCIDENT_FLEET_SILENCE_INTERVALS: integer(2, 1, 100),
  INCIDENT_ENVIRONMENT_SHARE: integer(60, 1, 100),
  TREND_SAMPLE_SECONDS: integer(300, 0, 86_400),
  DASHBOARD_CACHE_TTL_SECONDS: integer(30, 0, 86_400),
  DASHBOARD_COALESCE_MS: integer(1000, 0, 600_000),
  WS_KEEPALIVE_MS: integer(15_000, 0, 600_000),
  SUBSCRIPTION_BUFFER_LIMIT: integer(10_000, 1, 10_000_000),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
  MQTT_TOPIC: z.preprocess(blank, mqttTopic.default('sensors/+/readings')).register(settingDocs, {
    default: 'sensors/+/readings',
  }),
  MQTT_ERRORS_TOPIC: text('sensor-trust/ingest-errors'),
  MQTT_CLIENT_ID: optionalText({ default: 'sensor-trust-<REDIS_NAMESPACE>' }),
  MQTT_REQUIRE_KEY: flag(false),
  NOTIFY_POLL_MS: integer(2000, 50, 600_000),
  NOTIFY_RETRY_BASE_MS: integer(5000, 10, 3_600_000),
  NOTIFY_MAX_ATTEMPTS: integer(8, 1, 100),
  NOTIFY_TIMEOUT_MS: integer(5000, 100, 120_000),
  WEBHOOK_ALLOW_PRIVATE: z.preprocess(blank, allowList.default([])).register(settingDocs, { default: '—' }),
  SMTP_URL: z
    .preprocess((v) => blank(typeof v === 'string' ? v.trim() : v), z.string().optional())
    .register(settingDocs, { default: '—', secret: true }),
  SMTP_FROM: z
    .preprocess((v) => blank(typeof v === 'string' ? v.trim() : v), z.string().default('sensor-trust@localhost'))
    .register(settingDocs, { default: 'sensor-trust@localhost' }),
  LOG_REQUESTS: optionalFlag({ default: 'true (false with DEMO=1)' }),
  DEMO: optionalText(),
  ADMIN_API_KEY: z
    .preprocess(
      blank,
      z
        .string()
        .refine((key) => key.length >= 24 && !/\s/.test(key), {
          error: 'must be at least 24 characters without spaces (e.g. `openssl rand -base64 32`)',
        })
        .optional(),
    )
    .register(settingDocs, { default: '—', secret: true }),
  AUTH_RECHECK_SECONDS: integer(30, 1, 3600),
  TRUST_ACTOR_HEADER: flag(false),
  METRICS_PUBLIC: flag(false),
  OPEN_MODE: optionalFlag({ default: 'auto' }),
  METRICS_RATE_LIMIT: integer(120, 0, 1_000_000),
  READYZ_CACHE_MS: integer(1000, 0, 60_000),
  CORS_ORIGINS: z.preprocess(blank, listOf(origin).default([])).register(settingDocs, { default: '—' }),
  INTROSPECTION: flag(true),
  BODY_LIMIT_BYTES: optionalInteger(1024, 1024 * 1024 * 1024, { default: 'MAX_BATCH_SIZE × 256 + 64 KiB' }),
  QUERY_MAX_COST: integer(50_000, 1, 1_000_000_000),
  QUERY_LIST_SIZE: integer(100, 1, 1_000_000),
  QUERY_MAX_DEPTH: integer(12, 1, 100),
  QUERY_MAX_ALIASES: integer(30, 0, 10_000),
  QUERY_MAX_TOKENS: integer(10_000, 100, 10_000_000),
  RATE_LIMIT_MAX: integer(3000, 0, 100_000_000),
  RATE_LIMIT_WINDOW_SECONDS: integer(10, 1, 86_400),
  AUTH_FAILURE_LIMIT: integer(30, 0, 1_000_000),
  WS_MAX_PAYLOAD_BYTES: integer(256 * 1024, 1024, 256 * 1024 * 1024),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: integer(50, 1, 100_000),
  WS_MAX_SOCKETS_PER_KEY: integer(500, 1, 1_000_000),
  MAX_SUBSCRIPTIONS_PER_KEY: integer(200, 1, 1_000_000),
  SUBSCRIPTION_DELIVERIES_PER_SECOND: integer(5000, 0, 100_000_000),
  API_STATEMENT_TIMEOUT_MS: integer(3000, 0, 3_600_000),
  FLEET_SIZES_REFRESH_MS: integer(5000, 0, 3_600_000),
  READINGS_RETENTION_DAYS: optionalInteger(1, 36_500),
  ROLLUPS_RETENTION_DAYS: optionalInteger(1, 36_500),
  ROLLUPS_MINUTE_RETENTION_DAYS: optionalInteger(1, 36_500),
  READINGS_COMPACT_AFTER_HOURS: optionalInteger(0, 876_000, { default: 'unset (never)' }),
  READINGS_PARTITIONS_AHEAD_DAYS: integer(7, 1, 366),
  READINGS_MAINTENANCE_SECONDS: integer(3600, 0, 86_400),
});

export type Settings = z.infer<typeof settingsSchema>;

/**
 * Rules between settings, each message naming every setting involved. Run only once every
 * setting is valid on its own.
 */
export function crossChecks(s: Settings): string[] {
  const problems: string[] = [];
  if (s.DATABASE_READ_URL.length && !s.DATABASE_URL)
    problems.push('DATABASE_READ_URL needs DATABASE_URL (replicas of a PostgreSQL primary)');
  const minute = s.ROLLUPS_MINUTE_RETENTION_DAYS;
  const hour = s.ROLLUPS_RETENTION_DAYS;
  const raw = s.READINGS_RETENTION_DAYS;
  if (minute !== undefined && hour !== undefined && minute > hour)
    problems.push(
      `ROLLUPS_MINUTE_RETENTION_DAYS (${minute}) must not exceed ROLLUPS_RETENTION_DAYS (${hour}): minute rollups are the finer, shorter-lived copy`,
    );
  const shortest = minute ?? hour;
  if (shortest !== undefined && (raw === undefined || shortest < raw))
    problems.push(
      `${minute !== undefined ? 'ROLLUPS_MINUTE_RETENTION_DAYS' : 'ROLLUPS_RETENTION_DAYS'} (${shortest}) must be at least READINGS_RETENTION_DAYS (${raw ?? 'unset: raw readings kept for ever'}): rollups outlive the raw readings they summarise`,
    );
  return problems;
}

/** One line per bad setting: its name, what it expects and (unless secret) what it got. */
export function describeIssues(error: z.ZodError, env: Record<string, string | undefined>): string[] {
  const lines = new Map<string, string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0]);
    if (lines.has(name)) continue;
    const schema = settingsSchema.shape[name as keyof Settings];
    const secret = settingDocs.get(schema)?.secret === true;
    const item = issue.path.length > 1 ? ` (item ${Number(issue.path[1]) + 1})` : '';
    lines.set(name, `${name}${item} ${issue.message}${secret ? '' : `, got "${env[name]}"`}`);
  }
  return [...lines.values()];
}
