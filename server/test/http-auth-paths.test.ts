// HTTP paths beside POST /graphql (issue 23): /metrics follows the roles table (it holds
// trust-status and open-ticket counts, which GraphQL refuses an INTEGRATOR key), and a GET
// that only carries an `Upgrade: websocket` header, without upgrading, is authenticated.
import { request as httpRequest } from 'node:http';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'http-paths-admin-key-0123456789ab';
const INTROSPECTION = encodeURIComponent('{ __schema { queryType { name } } }');

/** A GET over a real socket with the given headers (no WebSocket handshake follows). */
function rawGet(url: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(TARGETS)('HTTP paths and the roles table on %s', (target) => {
  let t: TestApp;
  let url: string;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN_KEY } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const role of ['VIEWER', 'INTEGRATOR', 'OPERATOR'])
      keys[role] = (await t.app.services.auth.create(role, role)).key;
    keys.ADMIN = ADMIN_KEY;
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('serves /metrics to roles that may read and refuses INTEGRATOR with 403 FORBIDDEN', async () => {
    for (const role of ['VIEWER', 'OPERATOR', 'ADMIN']) {
      const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${keys[role]}` } });
      expect(res.statusCode, role).toBe(200);
      expect(res.body).toContain('sensor_trust_');
    }
    const integrator = await t.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${keys.INTEGRATOR}` },
    });
    expect(integrator.statusCode).toBe(403);
    expect(integrator.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(integrator.body).not.toContain('sensor_trust_');
    // The same role is refused the same counts over GraphQL.
    const gql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${keys.INTEGRATOR}` },
      payload: { query: '{ dashboardSummary { openTickets } }' },
    });
    expect(gql.json().errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('authenticates a GET /graphql that names Upgrade: websocket without upgrading', async () => {
    for (const headers of <Record<string, string>[]>[
      { upgrade: 'websocket' },
      { upgrade: 'WebSocket', 'sec-websocket-version': '13' },
      { upgrade: 'websocket', connection: 'keep-alive' },
    ]) {
      const injected = await t.app.inject({ url: `/graphql?query=${INTROSPECTION}`, headers });
      expect(injected.statusCode, JSON.stringify(headers)).toBe(401);
      expect(injected.body).not.toContain('queryType');
      const real = await rawGet(url, `/graphql?query=${INTROSPECTION}`, headers);
      expect(real.status, JSON.stringify(headers)).toBe(401);
      expect(real.body).not.toContain('queryType');
    }
    // A real WebSocket still authenticates in connection_init.
    const c = wsClient(url, { apiKey: keys.VIEWER });
    clients.push(c);
    const sub = collect(c, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated >= 1, 5000, 'subscription');
    expect(sub.errors).toEqual([]);
    const anonymous = wsClient(url);
    clients.push(anonymous);
    const refused = collect(anonymous, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(() => refused.errors.length > 0, 5000, 'refusal');
    expect((refused.errors[0] as { code?: number }).code).toBe(4401);
  });
});
