// Settings of the live dashboard: Redis namespace (instances on one database
// share it, different databases never do), heartbeat and buffer limits.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('live dashboard settings', () => {
  it('derives one Redis namespace per database, shared by every instance on it', () => {
    const a1 = loadConfig({ DATABASE_URL: 'postgres://app:secret@db.internal:5432/sensors' }).redisNamespace;
    const a2 = loadConfig({ DATABASE_URL: 'postgres://other@db.internal/sensors', PORT: '4001' }).redisNamespace;
    const b = loadConfig({ DATABASE_URL: 'postgres://app@db.internal:5432/st_test_1' }).redisNamespace;
    expect(a1).toBe(a2);
    expect(a1).not.toBe(b);
    expect(a1).toMatch(/^st-[0-9a-f]{10}$/);
    expect(loadConfig({ REDIS_NAMESPACE: 'prod-eu' }).redisNamespace).toBe('prod-eu');
    expect(() => loadConfig({ REDIS_NAMESPACE: 'a/b' })).toThrow(ConfigError);
  });

  it('has documented defaults and rejects out-of-range values', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      dashboardCacheTtlMs: 30_000,
      dashboardCoalesceMs: 1000,
      wsKeepAliveMs: 15_000,
      subscriptionBufferLimit: 10_000,
    });
    expect(loadConfig({ WS_KEEPALIVE_MS: '0' }).wsKeepAliveMs).toBe(0);
    expect(() => loadConfig({ SUBSCRIPTION_BUFFER_LIMIT: '0' })).toThrow(/SUBSCRIPTION_BUFFER_LIMIT/);
    expect(() => loadConfig({ WS_KEEPALIVE_MS: 'soon' })).toThrow(/WS_KEEPALIVE_MS/);
  });
});
