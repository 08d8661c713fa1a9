// Revocation reaches every transport (issue 23): a revoked key is refused over HTTP at
// once, and its graphql-ws sockets and SSE streams end — at once when revoked on this
// instance, within AUTH_RECHECK_SECONDS when revoked elsewhere (straight in the database).
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { openSseStream } from './support/sse-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'revocation-admin-key-0123456789ab';
const NOW = Date.now();

describe.each(TARGETS)('revocation on every transport on %s', (target) => {
  let t: TestApp;
  let url: string;
  const clients: Client[] = [];
  let reading = 0;

  async function post(key: string, query: string) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${key}` },
      payload: { query },
    });
    return { status: res.statusCode, body: res.json() };
  }
  async function viewerKey(name: string): Promise<{ key: string; id: string }> {
    const res = await post(ADMIN_KEY, `mutation { createApiKey(name: "${name}", role: VIEWER) { key apiKey { id } } }`);
    return { key: res.body.data.createApiKey.key, id: res.body.data.createApiKey.apiKey.id };
  }
  const revoke = (id: string) => post(ADMIN_KEY, `mutation { revokeApiKey(id: "${id}") { revokedAt } }`);
  const ingest = () =>
    post(
      ADMIN_KEY,
      `mutation { ingestReadings(readings: [{ sensorId: "r1", timestamp: "${new Date(NOW - 600_000 + ++reading * 1000).toISOString()}", value: ${20 + reading} }]) { accepted } }`,
    );

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN_KEY, AUTH_RECHECK_SECONDS: '1' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await post(ADMIN_KEY, 'mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
    const sensor = await post(
      ADMIN_KEY,
      'mutation { upsertSensor(input: { id: "r1", name: "R1", kind: "temperature", zoneId: "z" }) { id } }',
    );
    expect(sensor.body.errors).toBeUndefined();
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('HTTP: refused with reason revoked right after revokeApiKey', async () => {
    const { key, id } = await viewerKey('http');
    expect((await post(key, '{ viewer { name } }')).status).toBe(200);
    await revoke(id);
    const res = await post(key, '{ viewer { name } }');
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.reason).toBe('revoked');
  });

  it('graphql-ws: the socket closes with 4403', async () => {
    const { key, id } = await viewerKey('ws');
    const c = wsClient(url, { apiKey: key });
    clients.push(c);
    const sub = collect(c, 'subscription { readingAdded(sensorId: "r1") { value } }');
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded >= 1, 5000, 'subscription');
    await revoke(id);
    await waitUntil(() => sub.errors.length > 0, 5000, 'socket closed');
    expect((sub.errors[0] as { code?: number }).code).toBe(4403);
  });

  it('SSE: the stream ends at once with an UNAUTHENTICATED event, and delivers nothing after', async () => {
    const { key, id } = await viewerKey('sse');
    const stream = await openSseStream(url, 'subscription { readingAdded(sensorId: "r1") { value } }', key);
    expect(stream.res.status).toBe(200);
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded >= 1, 5000, 'subscription');
    await ingest();
    await waitUntil(() => stream.next().length >= 1, 5000, 'first event');
    const revokedAt = performance.now();
    await revoke(id);
    await waitUntil(() => stream.endedAt() !== null, 5000, 'stream ended');
    expect(stream.endedAt()! - revokedAt).toBeLessThan(1000);
    const last = stream.next().at(-1)!;
    expect(last.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(stream.events.at(-1)!.event).toBe('complete');
    const delivered = stream.next().filter((e) => e.data).length;
    await ingest();
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.next().filter((e) => e.data).length).toBe(delivered);
    await stream.close();
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded === 0, 5000, 'subscription released');
  });

  it('SSE: a key revoked by another instance ends its stream within AUTH_RECHECK_SECONDS', async () => {
    const { key, id } = await viewerKey('sse-elsewhere');
    const stream = await openSseStream(url, 'subscription { dashboardUpdated { sensorCount } }', key);
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated >= 1, 5000, 'subscription');
    const revokedAt = performance.now();
    await t.app.db.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    await waitUntil(() => stream.endedAt() !== null, 5000, 'stream ended by the recheck');
    // AUTH_RECHECK_SECONDS=1: the recheck runs every second.
    expect(stream.endedAt()! - revokedAt).toBeLessThan(2500);
    expect(stream.next().at(-1)!.errors?.[0]?.extensions?.reason).toBe('revoked');
    await stream.close();
  });
});
