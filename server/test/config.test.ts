import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { settingDocs, settingsSchema } from '../src/config/settings.js';
import { projectPath } from '../src/project-paths.js';

describe('configuration', () => {
  it('defaults to the embedded database on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: null,
      redisUrl: null,
      maxBatchSize: 10_000,
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('logs every request at info level, except in the demo unless LOG_REQUESTS asks for it', () => {
    expect(loadConfig({}).logRequests).toBe(true);
    expect(loadConfig({ DEMO: '1' }).logRequests).toBe(false);
    expect(loadConfig({ DEMO: '1', LOG_REQUESTS: 'true' }).logRequests).toBe(true);
    expect(loadConfig({ LOG_REQUESTS: 'false' }).logRequests).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must start with redis:/],
    [{ DB_POOL_SIZE: '0' }, /DB_POOL_SIZE/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ GRAPHIQL: 'maybe' }, /GRAPHIQL must be true or false/],
    [{ READINGS_RETENTION_DAYS: '0' }, /READINGS_RETENTION_DAYS must be an integer between 1 and 36500/],
    [{ READINGS_RETENTION_DAYS: '30d' }, /READINGS_RETENTION_DAYS must be an integer/],
    [
      { READINGS_RETENTION_DAYS: '30', ROLLUPS_RETENTION_DAYS: '7' },
      /ROLLUPS_RETENTION_DAYS \(7\) must be at least READINGS_RETENTION_DAYS \(30\)/,
    ],
    [{ ROLLUPS_RETENTION_DAYS: '90' }, /must be at least READINGS_RETENTION_DAYS \(unset/],
    [
      { READINGS_RETENTION_DAYS: '7', ROLLUPS_RETENTION_DAYS: '30', ROLLUPS_MINUTE_RETENTION_DAYS: '60' },
      /ROLLUPS_MINUTE_RETENTION_DAYS \(60\) must not exceed ROLLUPS_RETENTION_DAYS \(30\)/,
    ],
    [{ READINGS_PARTITIONS_AHEAD_DAYS: '0' }, /READINGS_PARTITIONS_AHEAD_DAYS/],
    // one of each kind of bad value
    [{ MAX_BATCH_SIZE: '1.5' }, /MAX_BATCH_SIZE must be an integer between 1 and 1000000, got "1.5"/],
    [{ QUERY_MAX_DEPTH: 'Infinity' }, /QUERY_MAX_DEPTH must be an integer between 1 and 100, got "Infinity"/],
    [{ NOTIFY_POLL_MS: '-5' }, /NOTIFY_POLL_MS must be an integer between 50 and 600000, got "-5"/],
    [{ OPEN_MODE: 'sometimes' }, /OPEN_MODE must be true or false, got "sometimes"/],
    [{ TRUST_PARTITIONS: '12' }, /TRUST_PARTITIONS must be a power of two, got "12"/],
    [{ TRUST_PARTITIONS: '2048' }, /TRUST_PARTITIONS must be an integer between 1 and 1024/],
    [{ REDIS_NAMESPACE: 'a b' }, /REDIS_NAMESPACE may only hold letters, digits/],
    [{ MQTT_URL: 'http://broker' }, /MQTT_URL must start with mqtt: or mqtts: or ws: or wss:, got "http:"/],
    [{ MQTT_URL: 'mqtt://broker', MQTT_TOPIC: 'sensors/#' }, /MQTT_TOPIC may hold at most one \+/],
    [{ TICKET_IMMEDIATE_KINDS: 'SPIKE,SMOKE' }, /TICKET_IMMEDIATE_KINDS must list fault kinds among OUT_OF_RANGE/],
    [{ CORS_ORIGINS: 'https://ok.example.com,https://ops.example.com/' }, /CORS_ORIGINS \(item 2\) must list origins/],
    [{ WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/33' }, /WEBHOOK_ALLOW_PRIVATE must list addresses or CIDRs/],
    [{ DATABASE_READ_URL: 'postgres://replica/db' }, /DATABASE_READ_URL needs DATABASE_URL/],
    [
      { DATABASE_URL: 'postgres://db/x', DATABASE_READ_URL: 'postgres://r1/x,redis://r2' },
      /DATABASE_READ_URL \(item 2\) must start with postgres: or postgresql:, got "redis:"/,
    ],
    [{ ADMIN_API_KEY: 'too-short' }, /ADMIN_API_KEY must be at least 24 characters without spaces/],
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('configuration errors', () => {
  it('names every bad setting at once, one per line', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', GRAPHIQL: 'maybe' });
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message.split('\n')).toEqual([
      'PORT must be an integer between 0 and 65535, got "x"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'GRAPHIQL must be true or false, got "maybe"',
    ]);
  });

  it('never echoes keys or URLs, which may carry passwords', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'hunter2 secret' })).toThrow(/^((?!hunter2).)*$/s);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db/x' })).toThrow(/^((?!hunter2).)*$/s);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db/x' })).toThrow(/got "mysql:"/);
  });

  it('reads an empty variable as unset, except TICKET_IMMEDIATE_KINDS where it is an empty list', () => {
    const config = loadConfig({ PORT: '', GRAPHIQL: '', OPEN_MODE: '', MQTT_URL: 'mqtt://b', MQTT_TOPIC: '' });
    expect(config).toMatchObject({ port: 4000, graphiql: true, auth: { openMode: null } });
    expect(config.mqtt?.topic).toBe('sensors/+/readings');
    expect(loadConfig({}).tickets.immediateKinds).toEqual(['OUT_OF_RANGE', 'OFFLINE']);
    expect(loadConfig({ TICKET_IMMEDIATE_KINDS: '' }).tickets.immediateKinds).toEqual([]);
    expect(loadConfig({ TICKET_IMMEDIATE_KINDS: 'spike, SPIKE,stuck' }).tickets.immediateKinds).toEqual([
      'SPIKE',
      'STUCK',
    ]);
  });

  it('converts seconds to milliseconds and derives the defaults that depend on other settings', () => {
    const config = loadConfig({
      TICKET_PENDING_SECONDS: '90',
      MAX_BATCH_SIZE: '100000',
      INCIDENT_ENVIRONMENT_SHARE: '45',
    });
    expect(config.tickets.pendingMs).toBe(90_000);
    expect(config.limits.bodyLimitBytes).toBe(100_000 * 256 + 64 * 1024);
    expect(config.incidents.environmentShare).toBe(0.45);
    expect(loadConfig({ REDIS_NAMESPACE: 'blue' }).redisNamespace).toBe('blue');
    expect(loadConfig({ MQTT_URL: 'mqtt://b', REDIS_NAMESPACE: 'blue' }).mqtt?.clientId).toBe('sensor-trust-blue');
    const a = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5433/one' }).redisNamespace;
    expect(loadConfig({ DATABASE_URL: 'postgres://other:pw@db:5433/one' }).redisNamespace).toBe(a);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5433/two' }).redisNamespace).not.toBe(a);
  });
});

describe('docs/configuration.md', () => {
  // `| \`NAME\` | default | meaning |` rows; the default without backticks.
  const rows = new Map(
    [
      ...readFileSync(projectPath('docs', 'configuration.md'), 'utf8').matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm),
    ].map((m) => [m[1]!, m[2]!.replaceAll('`', '').trim()]),
  );

  it('lists every setting the schema has, with its default, and no other', () => {
    const documented = Object.fromEntries(
      Object.entries(settingsSchema.shape).map(([name, schema]) => [name, settingDocs.get(schema)?.default]),
    );
    expect(Object.fromEntries(rows)).toEqual(documented);
  });

  it("agrees with the README's short table (`A` / `B` rows name two settings)", () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    const short = [...readme.matchAll(/^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*) \| ([^|]+) \|/gm)].flatMap((m) => {
      const names = m[1]!.replaceAll('`', '').split(' / ');
      const defaults = m[2]!.replaceAll('`', '').trim().split(' / ');
      return names.map((name, i) => [name, defaults[i]] as const);
    });
    expect(short.length).toBeGreaterThan(5);
    for (const [name, fallback] of short)
      expect({ name, default: rows.get(name) }).toEqual({ name, default: fallback });
  });
});

describe('history settings', () => {
  it('keeps everything by default and reads the retention days', () => {
    expect(loadConfig({}).history).toMatchObject({ retentionDays: null, rollupRetentionDays: null, aheadDays: 7 });
    expect(
      loadConfig({ READINGS_RETENTION_DAYS: '30', ROLLUPS_RETENTION_DAYS: '400', ROLLUPS_MINUTE_RETENTION_DAYS: '60' })
        .history,
    ).toMatchObject({ retentionDays: 30, rollupRetentionDays: 400, minuteRollupRetentionDays: 60 });
  });
});
