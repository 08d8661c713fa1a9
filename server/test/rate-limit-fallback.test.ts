// With REDIS_URL, the per-key rate limit and the failed-authentication budget are
// counted in Redis; while Redis is away (a throwaway redis-server of the test's own,
// killed, or a port where nothing listens) they are counted in the instance instead of
// not at all, and in Redis again once it is back. Real HTTP on port 0.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { freePort, killRedis, redisServer, startRedis } from './support/throwaway-redis.js';

if (!redisServer) console.warn('Rate-limit fallback test skipped: needs redis-server on PATH.');

const KEY = 'rate-limit-fallback-admin-key-0123456789';
const MAX = 5;
const ENV = {
  ADMIN_API_KEY: KEY,
  RATE_LIMIT_MAX: String(MAX),
  RATE_LIMIT_WINDOW_SECONDS: '120',
  AUTH_FAILURE_LIMIT: String(MAX),
  REDIS_NAMESPACE: `rlfallback${process.pid}`,
};

/** Statuses of `n` keyed GraphQL requests, one after another. */
async function burst(url: string, key: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: '{"query":"{ viewer { role } }"}',
    });
    statuses.push(res.status);
    if (res.status === 429) expect(((await res.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
    else await res.arrayBuffer();
  }
  return statuses;
}

describe.skipIf(!redisServer)('rate limits while Redis is away', () => {
  let port: number;
  let redis: ChildProcess;
  let t: TestApp;
  let url: string;
  let probe: Redis;
  const keys: string[] = [];
  const viewerKey = async () => {
    const { key } = await t.app.services.auth.create(`k${keys.length}`, 'VIEWER');
    keys.push(key);
    return key;
  };

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    t = await startTestApp('pglite', { env: { ...ENV, REDIS_URL: `redis://127.0.0.1:${port}` } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    probe?.disconnect();
    await t?.close();
    if (redis) await killRedis(redis);
  });

  const counted = async () => {
    await probe.connect().catch(() => undefined);
    return (await probe.keys(`${ENV.REDIS_NAMESPACE}:ratelimit:*`)).length;
  };

  it('counts in Redis while it answers', async () => {
    expect(await burst(url, await viewerKey(), MAX + 2)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(await counted()).toBeGreaterThan(0);
  });

  it('still refuses past the limit with Redis killed (it let every request through), and failed keys too', async () => {
    probe.disconnect();
    await killRedis(redis);
    const key = await viewerKey();
    expect(await burst(url, key, MAX + 3)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    // Answers are not held up by the absent Redis.
    const started = performance.now();
    await burst(url, key, 5);
    expect(performance.now() - started).toBeLessThan(2000);
    // Made-up keys from one address: the failure budget holds too.
    const failures: number[] = [];
    for (let i = 0; i < MAX + 2; i++) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer st_made-up-${i}` },
        body: '{"query":"{ viewer { role } }"}',
      });
      failures.push(res.status);
      await res.arrayBuffer();
    }
    expect(failures.slice(0, MAX)).toEqual(Array(MAX).fill(401));
    expect(failures.slice(MAX)).toContain(429);
  });

  it('counts in Redis again once it is back', async () => {
    redis = await startRedis(port);
    // A key that passed a check before (the made-up keys closed this address to new ones).
    const key = keys[1]!;
    await waitUntil(
      async () => {
        await burst(url, key, 1);
        return (await counted()) > 0;
      },
      20_000,
      'counts in Redis again',
    );
  });
});

describe('rate limits with REDIS_URL at a port where nothing listens', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp('pglite', { env: { ...ENV, REDIS_URL: `redis://127.0.0.1:${port}` } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);
  afterAll(() => t?.close());

  it('refuses past the limit, counted in the instance', async () => {
    const { key } = await t.app.services.auth.create('unreachable', 'VIEWER');
    expect(await burst(url, key, MAX + 2)).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });
});
