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
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
