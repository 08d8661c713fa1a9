// API keys and roles on every path: HTTP GraphQL, the stored dashboard responses,
// graphql-ws, /metrics; open mode on loopback; revocation; ticket actors.
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { AuthSetupError } from '../src/modules/auth/auth-plugin.js';
import { foreignBrowserRequest } from '../src/modules/auth/open-mode-guard.js';
import { ROLES, type Role } from '../src/modules/auth/roles.js';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { takePglite } from './support/pglite-pool.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const NOW = new Date();

const OPS = {
  viewer: { query: '{ viewer { name role authRequired } }', allowed: ROLES },
  readRegistry: { query: '{ zones { id } sensors { totalCount } }', allowed: ROLES },
  read: { query: '{ tickets { totalCount } trustScores { score } }', allowed: ['VIEWER', 'OPERATOR', 'ADMIN'] },
  // the registry below the root: sensors of zones, zones of sensors, filters by zone and kind
  readRegistryNested: {
    query:
      '{ zones { name sensors { id name kind unit zone { id } } } sensors(filter: { zoneId: "z1", kind: "temperature" }) { nodes { id zone { name } } } sensor(id: "a1") { expectedIntervalSeconds retiredAt } }',
    allowed: ROLES,
  },
  // ...but not what a registry read reaches of trust, readings, tickets and stats
  ...Object.fromEntries(
    [
      '{ sensors { nodes { id trust { score status } } } }',
      '{ sensor(id: "a1") { readings { value } } }',
      '{ sensor(id: "a1") { trustHistory { score } } }',
      '{ sensor(id: "a1") { tickets { id } } }',
      '{ zone(id: "z1") { sensors { lastReading { value } } } }',
      '{ sensor(id: "a1") { maintenance { id } } }',
      '{ zones { stats { sensorCount } } }',
      '{ sensors(filter: { status: [FAULTY] }) { totalCount } }',
      '{ sensors(filter: { reason: [STUCK] }) { totalCount } }',
      '{ sensors(filter: { search: "stuck" }) { totalCount } }',
    ].map((query, i) => [`readNested${i}`, { query, allowed: ['VIEWER', 'OPERATOR', 'ADMIN'] as const }]),
  ),
  dashboard: { query: '{ dashboardSummary { sensorCount } }', allowed: ['VIEWER', 'OPERATOR', 'ADMIN'] },
  ingest: {
    query: `mutation { ingestReadings(readings: [{ sensorId: "a1", timestamp: "${NOW.toISOString()}", value: 20 }]) { accepted rejected } }`,
    allowed: ['INTEGRATOR', 'ADMIN'],
  },
  operate: { query: 'mutation { evaluateTrust(sensorIds: ["a1"]) }', allowed: ['OPERATOR', 'ADMIN'] },
  manageRegistry: { query: 'mutation { upsertZone(input: { id: "z2", name: "Z2" }) { id } }', allowed: ['ADMIN'] },
  manageKeys: { query: '{ apiKeys { id name role } }', allowed: ['ADMIN'] },
} satisfies Record<string, { query: string; allowed: readonly Role[] }>;

describe.each(TARGETS)('API keys and roles on %s', (target) => {
  let t: TestApp;
  let url: string;
  const keys = {} as Record<Role, { key: string; id: string }>;
  const clients: Client[] = [];

  async function post(key: string | null, query: string, variables?: Record<string, unknown>, headers = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      payload: { query, variables },
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  }

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW, env: { ADMIN_API_KEY: ADMIN_KEY, AUTH_RECHECK_SECONDS: '1' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await post(ADMIN_KEY, 'mutation { upsertZone(input: { id: "z1", name: "Z1" }) { id } }');
    const sensor = await post(
      ADMIN_KEY,
      'mutation { upsertSensor(input: { id: "a1", name: "A1", kind: "temperature", zoneId: "z1" }) { id } }',
    );
    expect(sensor.body.errors).toBeUndefined();
    for (const role of ROLES) {
      const res = await post(
        ADMIN_KEY,
        `mutation { createApiKey(name: "${role.toLowerCase()}-key", role: ${role}) { key apiKey { id name role } } }`,
      );
      expect(res.body.errors).toBeUndefined();
      const created = res.body.data.createApiKey;
      expect(created.key).toMatch(/^st_[A-Za-z0-9_-]{32}$/);
      expect(created.apiKey).toMatchObject({ name: `${role.toLowerCase()}-key`, role });
      keys[role] = { key: created.key, id: created.apiKey.id };
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('answers 401 UNAUTHENTICATED without a key or with a wrong one, before GraphQL runs', async () => {
    for (const key of [null, 'st_not-a-real-key']) {
      const res = await post(key, '{ viewer { name } }');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const get = await t.app.inject({ method: 'GET', url: '/graphql?query=%7Bzones%7Bid%7D%7D' });
    expect(get.statusCode).toBe(401);
  });

  it('stores only a hash: the key is not in the table, and apiKeys never shows it', async () => {
    const rows = await t.app.db.prisma.apiKey.findMany();
    for (const { key } of Object.values(keys)) {
      expect(rows.some((r) => r.keyHash === key || r.name === key)).toBe(false);
    }
    const list = await post(ADMIN_KEY, '{ apiKeys { id name role createdAt lastUsedAt revokedAt } }');
    expect(JSON.stringify(list.body)).not.toContain(keys.VIEWER.key);
    expect(list.body.data.apiKeys.map((k: { role: string }) => k.role).sort()).toEqual(
      ['ADMIN', 'ADMIN', 'INTEGRATOR', 'OPERATOR', 'VIEWER'].sort(),
    );
  });

  it.each(ROLES)('lets %s do exactly what its role allows', async (role) => {
    for (const [name, op] of Object.entries(OPS)) {
      const res = await post(keys[role].key, op.query);
      const allowed = (op.allowed as readonly Role[]).includes(role);
      if (allowed) expect(res.body.errors, `${role} ${name}`).toBeUndefined();
      else {
        expect(res.body.errors?.[0]?.extensions?.code, `${role} ${name}`).toBe('FORBIDDEN');
        expect(res.body.errors[0].message).toContain(`role ${role}`);
      }
    }
    const me = await post(keys[role].key, '{ viewer { name role authRequired } }');
    expect(me.body.data.viewer).toEqual({ name: `${role.toLowerCase()}-key`, role, authRequired: true });
  });

  it('counts each FORBIDDEN answer as an auth failure (forbidden), over HTTP and the WebSocket', async () => {
    const forbidden = async () => {
      const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return Number(/sensor_trust_auth_failures_total\{reason="forbidden"\} (\d+)/.exec(res.body)?.[1] ?? 0);
    };
    const before = await forbidden();
    const res = await post(keys.VIEWER.key, 'mutation { upsertZone(input: { id: "zf", name: "ZF" }) { id } }');
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await forbidden()).toBe(before + 1);
    const c = wsClient(url, { apiKey: keys.INTEGRATOR.key });
    clients.push(c);
    const refused = collect(c, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(() => refused.errors.length > 0, 5000, 'FORBIDDEN');
    expect(await forbidden()).toBe(before + 2);
  });

  it('serves stored dashboard bytes only to a role that may read them', async () => {
    const q = '{ dashboardSummary { sensorCount openTickets } }';
    await post(keys.VIEWER.key, q);
    const hit = await post(keys.VIEWER.key, q);
    expect(hit.headers['x-dashboard-cache']).toBe('hit');
    for (const key of [null, 'st_wrong']) {
      const res = await post(key, q);
      expect(res.status).toBe(401);
      expect(res.headers['x-dashboard-cache']).toBeUndefined();
    }
    const integrator = await post(keys.INTEGRATOR.key, q);
    expect(integrator.headers['x-dashboard-cache']).toBeUndefined();
    expect(integrator.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(integrator.body.data).toBeNull();
  });

  it('guards /metrics (401 without a key) and leaves /healthz, /readyz and the web app open', async () => {
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${keys.VIEWER.key}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('sensor_trust_auth_failures_total{reason="missing"}');
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    // The web app's files (the sign-in screen among them) and GraphiQL's page hold no data.
    const page = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect((await t.app.inject({ url: '/graphiql' })).statusCode).not.toBe(401);
  });

  it('records the key name as the ticket actor; x-actor is ignored without TRUST_ACTOR_HEADER', async () => {
    const ticket = await t.app.db.prisma.ticket.create({
      data: {
        sensorId: 'a1',
        kind: 'STUCK',
        severity: 'LOW',
        status: 'OPEN',
        title: 't',
        openedAt: NOW,
        updatedAt: NOW,
      },
    });
    const res = await post(
      keys.OPERATOR.key,
      'mutation($id: ID!) { commentTicket(id: $id, note: "checked") { events { actor note } } }',
      { id: ticket.id },
      { 'x-actor': 'mallory' },
    );
    expect(res.body.data.commentTicket.events).toEqual([{ actor: 'operator-key', note: 'checked' }]);
  });

  it('refuses a WebSocket without a valid key (4401) and serves subscriptions to a VIEWER key', async () => {
    for (const apiKey of [undefined, 'st_wrong']) {
      const c = wsClient(url, { apiKey });
      clients.push(c);
      const sub = collect(c, 'subscription { readingAdded { value } }');
      await waitUntil(() => sub.errors.length > 0, 5000, 'refusal');
      expect((sub.errors[0] as { code?: number }).code).toBe(4401);
    }
    const viewer = wsClient(url, { apiKey: keys.VIEWER.key });
    clients.push(viewer);
    const readings = collect(viewer, 'subscription { readingAdded(sensorId: "a1") { value } }');
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded >= 1, 5000, 'subscription');
    await post(
      keys.INTEGRATOR.key,
      `mutation { ingestReadings(readings: [{ sensorId: "a1", timestamp: "${new Date(NOW.getTime() - 1000).toISOString()}", value: 21 }]) { accepted } }`,
    );
    expect(await readings.waitFor(1)).toEqual([{ readingAdded: { value: 21 } }]);
    const integrator = wsClient(url, { apiKey: keys.INTEGRATOR.key });
    clients.push(integrator);
    const refused = collect(integrator, 'subscription { readingAdded { value } }');
    await waitUntil(() => refused.errors.length > 0, 5000, 'FORBIDDEN');
    expect(JSON.stringify(refused.errors)).toContain('FORBIDDEN');
  });

  it('ends a revoked key: HTTP at once, its sockets too, and on other instances within the recheck period', async () => {
    const created = await post(
      ADMIN_KEY,
      'mutation { createApiKey(name: "temp", role: VIEWER) { key apiKey { id } } }',
    );
    const { key, apiKey } = created.body.data.createApiKey;
    const c = wsClient(url, { apiKey: key });
    clients.push(c);
    const sub = collect(c, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated >= 1, 5000, 'subscription');
    const revoked = await post(ADMIN_KEY, `mutation { revokeApiKey(id: "${apiKey.id}") { id revokedAt } }`);
    expect(revoked.body.data.revokeApiKey.revokedAt).not.toBeNull();
    await waitUntil(() => sub.errors.length > 0, 5000, 'socket closed');
    expect((sub.errors[0] as { code?: number }).code).toBe(4403);
    const res = await post(key, '{ viewer { name } }');
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.reason).toBe('revoked');

    // Revoked by another instance (straight in the database): found by the periodic recheck.
    const other = await post(ADMIN_KEY, 'mutation { createApiKey(name: "temp2", role: VIEWER) { key apiKey { id } } }');
    const c2 = wsClient(url, { apiKey: other.body.data.createApiKey.key });
    clients.push(c2);
    const sub2 = collect(c2, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated >= 1, 5000, 'subscription');
    await t.app.db.prisma.apiKey.update({
      where: { id: other.body.data.createApiKey.apiKey.id },
      data: { revokedAt: new Date() },
    });
    await waitUntil(() => sub2.errors.length > 0, 5000, 'socket closed by recheck');
    expect((sub2.errors[0] as { code?: number }).code).toBe(4403);
  });
});

describe('WebSocket limits per key and per socket', () => {
  let t: TestApp;
  let url: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    t = await startTestApp('pglite', {
      env: { ADMIN_API_KEY: ADMIN_KEY, WS_MAX_SOCKETS_PER_KEY: '2', WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2' },
    });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('refuses a third subscription on a socket and a third socket for a key', async () => {
    const c = wsClient(url, { apiKey: ADMIN_KEY });
    clients.push(c);
    const subs = [1, 2, 3].map(() => collect(c, 'subscription { readingAdded { value } }'));
    await waitUntil(() => subs[2]!.errors.length > 0, 5000, 'third refused');
    expect(JSON.stringify(subs[2]!.errors)).toContain('TOO_MANY_SUBSCRIPTIONS');
    const second = wsClient(url, { apiKey: ADMIN_KEY });
    const third = wsClient(url, { apiKey: ADMIN_KEY });
    clients.push(second, third);
    collect(second, 'subscription { readingAdded { value } }');
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded >= 3, 5000, 'second socket');
    const refused = collect(third, 'subscription { readingAdded { value } }');
    await waitUntil(() => refused.errors.length > 0, 5000, 'third socket refused');
    expect((refused.errors[0] as { code?: number }).code).toBe(4429);
  });
});

describe('open mode', () => {
  it('runs without keys on a loopback HOST, as ADMIN "operator"', async () => {
    const t = await startTestApp('pglite');
    try {
      const me = await t.gql('{ viewer { name role authRequired } }');
      expect(me.data!.viewer).toEqual({ name: 'operator', role: 'ADMIN', authRequired: false });
      expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('refuses what a page of another site could send: a cross-site WebSocket, a rebound DNS name', async () => {
    const t = await startTestApp('pglite');
    try {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const own = new URL(url);
      // Opens a graphql-ws socket as a browser would, runs a mutation on it, and says what happened.
      // A refused socket is left open by this client: the server ends it (else close() would wait on it).
      const tryMutation = (origin: string | undefined, id: string) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${own.host}/graphql`, 'graphql-transport-ws', {
            headers: origin ? { origin } : {},
          });
          ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
          ws.on('message', (data) => {
            const message = JSON.parse((data as Buffer).toString()) as { type: string };
            if (message.type === 'connection_ack')
              ws.send(
                JSON.stringify({
                  id: '1',
                  type: 'subscribe',
                  payload: { query: `mutation { upsertZone(input: { id: "${id}", name: "${id}" }) { id } }` },
                }),
              );
            if (message.type === 'next') {
              ws.close();
              resolve('ran');
            }
          });
          ws.on('error', () => undefined);
        });
      expect(await tryMutation('https://evil.example', 'evil')).toBe('refused 403');
      expect(await tryMutation('null', 'sandboxed')).toBe('refused 403');
      expect(await tryMutation(own.origin, 'own-page')).toBe('ran');
      expect(await tryMutation(undefined, 'not-a-browser')).toBe('ran');
      const zones = await t.gql<{ zones: { id: string }[] }>('{ zones { id } }');
      expect(zones.data!.zones.map((z) => z.id).sort()).toEqual(['not-a-browser', 'own-page']);

      // DNS rebinding: the other site's name, now pointing at 127.0.0.1, is "same origin" for the browser.
      const rebound = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { host: 'evil.example:4000', origin: 'http://evil.example:4000' },
        payload: { query: '{ zones { id } }' },
      });
      expect(rebound.statusCode).toBe(403);
      const body = rebound.json<{ errors: { message: string; extensions: { code: string } }[] }>();
      expect(body.errors[0]!.extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0]!.message).toContain('loopback name');
      const crossSite = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { origin: 'https://evil.example' },
        payload: { query: '{ zones { id } }' },
      });
      expect(crossSite.statusCode).toBe(403);
      const metrics = await t.app.inject({ url: '/metrics', headers: { host: 'evil.example' } });
      expect(metrics.statusCode).toBe(403);
      expect(metrics.json()).toMatchObject({ code: 'FORBIDDEN' });
      // Open routes stay open; this machine's own names pass.
      expect((await t.app.inject({ url: '/healthz', headers: { host: 'evil.example' } })).statusCode).toBe(200);
      for (const host of ['localhost:4000', '127.0.0.1', '[::1]:4000'])
        expect(foreignBrowserRequest({ host, origin: `http://${host}` }, []), host).toBeNull();
      // An origin listed in CORS_ORIGINS may use it.
      expect(foreignBrowserRequest({ host: 'localhost:4000', origin: 'https://ops.example.com' }, [])).toContain(
        'CORS_ORIGINS',
      );
      expect(
        foreignBrowserRequest({ host: 'localhost:4000', origin: 'https://ops.example.com' }, [
          'https://ops.example.com',
        ]),
      ).toBeNull();
      const counted = await t.app.inject({ url: '/metrics' });
      expect(counted.body).toMatch(/sensor_trust_auth_failures_total\{reason="foreign_origin"\} [4-9]/);
    } finally {
      await t.close();
    }
  });

  it('refuses to start open on a non-loopback HOST, saying how to create a key', async () => {
    const config = loadConfig({ HOST: '0.0.0.0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0' });
    const err = await buildApp(config, { logger: false, inMemoryDatabase: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthSetupError);
    expect((err as Error).message).toContain('npm run apikey -- create --role admin');
    const withKey = await buildApp(
      loadConfig({ HOST: '0.0.0.0', ADMIN_API_KEY: ADMIN_KEY, SWEEP_INTERVAL_SECONDS: '0' }),
      { logger: false, inMemoryDatabase: true, inMemoryPglite: takePglite },
    );
    await withKey.close();
  });
});
