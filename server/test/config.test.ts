import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

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
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
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
