// No single request can take the service down: query cost/depth/alias/token
// limits, body size, malformed requests, rate limits, CSRF, CORS, introspection,
// WebSocket message size. Each refusal has a status and a code, never a crash.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitErrors, queryLimitRules } from '../src/graphql/query-limits.js';
import * as webDocuments from '../../web/src/gql/graphql.js';
import { TARGETS } from './support/databases.js';
import { collect, sleep, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { redisReachable, redisUrl } from './support/redis.js';

const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** `{ zones { sensors { zone { sensors { … { id } } } } } }`, `levels` fields deep. */
function fanOutQuery(levels: number): string {
  let inner = 'id';
  for (let i = levels - 1; i >= 1; i--) inner = `${i % 2 === 1 ? 'sensors' : 'zone'} { ${inner} }`;
  return `{ zones { ${inner} } }`;
}

async function raw(t: TestApp, payload: string, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

describe.each(TARGETS)('query limits on %s', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target);
    await t.gql('mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
    for (let i = 0; i < 50; i++) {
      await t.gql(
        `mutation { upsertSensor(input: { id: "s${i}", name: "S${i}", kind: "temperature", zoneId: "z" }) { id } }`,
      );
    }
  });
  afterAll(() => t?.close());

  it('refuses the 12-level zones/sensors fan-out at once with QUERY_TOO_COMPLEX (it used to run out of memory)', async () => {
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const res = await raw(t, JSON.stringify({ query: fanOutQuery(12) }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toContain(
      'QUERY_TOO_COMPLEX',
    );
    expect(res.body.errors[0].message).toMatch(/estimated cost \d+ exceeds 50000/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    // Two levels of the same lists are fine.
    const ok = await t.gql('{ zones { sensors { id } } }');
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.zones[0].sensors).toHaveLength(50);
  });

  it('counts a variable first as the largest page and @skip with a variable as included', async () => {
    const big = await t.gql('query($n: Int) { sensors(first: $n) { nodes { readings { value } } } }', { n: 1 });
    expect(big.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const skipped = await t.gql(
      `query($s: Boolean!) { zones { sensors @skip(if: $s) { zone { sensors { zone { sensors { id } } } } } } }`,
      { s: true },
    );
    expect(skipped.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const small = await t.gql('query($id: ID!) { sensor(id: $id) { readings(last: 100) { value } } }', { id: 's1' });
    expect(small.errors).toBeUndefined();
  });

  it('refuses too deep (QUERY_TOO_DEEP), too many aliases (TOO_MANY_ALIASES) and too many tokens (QUERY_TOO_LARGE)', async () => {
    const deep = await t.gql(
      `{ tickets(first: 1) { nodes { ${'sensor { zone { id } tickets { '.repeat(5)} id ${'} }'.repeat(5)} } } }`,
    );
    expect(deep.errors!.map((e) => e.extensions?.code)).toContain('QUERY_TOO_DEEP');
    const aliases = await t.gql(
      `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: dashboardSummary { sensorCount }`).join(' ')} }`,
    );
    expect(aliases.errors!.map((e) => e.extensions?.code)).toContain('TOO_MANY_ALIASES');
    const tokens = await raw(t, JSON.stringify({ query: `{ ${'__typename '.repeat(12_000)} }` }));
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors[0].extensions.code).toBe('QUERY_TOO_LARGE');
  });

  it("does not count introspection as cost: GraphiQL's schema query is never QUERY_TOO_COMPLEX", () => {
    const rules = queryLimitRules(t.config.limits, { introspection: true });
    const document = graphql.parse(graphql.getIntrospectionQuery());
    const codes = limitErrors(t.app.graphql.schema, document, rules).map((e) => e.extensions.code);
    expect(codes).not.toContain('QUERY_TOO_COMPLEX');
  });

  it('lets every query, mutation and subscription of the web app through', async () => {
    const rules = queryLimitRules(t.config.limits, { introspection: true });
    const documents = Object.entries(webDocuments).filter(([name]) => name.endsWith('Document'));
    expect(documents.length).toBeGreaterThan(10);
    for (const [name, doc] of documents) {
      const document = graphql.parse(graphql.print(doc));
      expect(
        limitErrors(t.app.graphql.schema, document, rules).map((e) => e.message),
        name,
      ).toEqual([]);
    }
  });
});

describe('malformed and oversized requests', () => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    t = await startTestApp('pglite', { logger: { level: 'info', stream }, env: { MAX_BATCH_SIZE: '10000' } });
  });
  afterAll(() => t?.close());

  it.each([
    ['broken JSON', '{"query": "{ zones { id } }"', 'BAD_REQUEST'],
    ['a raw NaN token', '{"query": "{ zones { id } }", "variables": {"x": NaN}}', 'BAD_REQUEST'],
    ['no query', '{"variables": {}}', 'BAD_REQUEST'],
    ['a query that is an object', '{"query": {"kind": "Document", "definitions": 5}}', 'BAD_REQUEST'],
    ['a number for a query (JSON, not a document)', '{"query": 5}', 'GRAPHQL_PARSE_FAILED'],
    ['a syntax error', '{"query": "{ zones { id "}', 'GRAPHQL_PARSE_FAILED'],
    ['an empty body', '', 'BAD_REQUEST'],
  ])('answers %s with 400 and a client code, logged without a stack', async (_name, payload, code) => {
    logLines.length = 0;
    const res = await raw(t, payload);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe(code);
    const logged = logLines.join('');
    expect(logged).not.toMatch(/"level":50/);
    expect(logged).not.toContain('"stack"');
  });

  it('cuts a long invalid value in the message', async () => {
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const res = await raw(
      t,
      JSON.stringify({
        query: 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }',
        variables: { r: [{ sensorId: 's', timestamp: huge, value: 1 }] },
      }),
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
    expect(res.body.errors[0].message).toContain('more characters cut');
  });

  it('accepts the largest legal batch and refuses a bigger body with 413 PAYLOAD_TOO_LARGE', async () => {
    const ts = new Date(Date.now() - 3_600_000).toISOString();
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      sensorId: `a-sensor-with-quite-a-long-identifier-${i}`,
      timestamp: ts,
      value: -1234.567890123456,
    }));
    const query = 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }';
    const legal = await raw(t, JSON.stringify({ query, variables: { r: readings } }));
    expect(legal.status).toBe(200);
    expect(legal.body.data.ingestReadings.rejected).toBe(10_000); // unknown sensors, but accepted for processing
    const tooBig = await raw(t, JSON.stringify({ query, variables: { r: [...readings, ...readings, ...readings] } }));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('masks an unexpected error with a request id that its log line has', async () => {
    logLines.length = 0;
    // Break one resolver's database access for this request only.
    const repo = t.app.services.dashboardRepository;
    const original = repo.zoneStats.bind(repo);
    repo.zoneStats = async () => {
      throw new Error('connection reset by peer at 10.0.0.7');
    };
    await t.app.services.dashboard.invalidateDashboard();
    try {
      const res = await t.gql('{ zoneStats { zoneId } }');
      const error = res.errors![0]!;
      expect(error.extensions!.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).not.toContain('10.0.0.7');
      const requestId = error.extensions!.requestId as string;
      expect(requestId).toMatch(/^[0-9a-f]{16}$/);
      const line = logLines.find((l) => l.includes('unexpected error in resolver'));
      expect(line).toContain(requestId);
      expect(line).toContain('10.0.0.7');
    } finally {
      repo.zoneStats = original;
    }
  });
});

describe('unexpected errors on plain routes', () => {
  it('masks them with a request id that the log line has (not the error message), and keeps 4xx as they are', async () => {
    const logLines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const t = await startTestApp('pglite', { logger: { level: 'info', stream } });
    const auth = t.app.services.auth;
    const authenticate = auth.authenticate.bind(auth);
    try {
      // A fault inside the request path (the key check) for these requests only.
      auth.authenticate = async () => {
        throw new Error('key store exploded at 10.0.0.7:5432');
      };
      for (const url of ['/metrics', '/graphql/stream']) {
        const res = await t.app.inject({
          method: url === '/metrics' ? 'GET' : 'POST',
          url,
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          payload: url === '/metrics' ? undefined : { query: 'subscription { readingAdded { value } }' },
        });
        expect(res.statusCode, url).toBe(500);
        const body = res.json<{ code: string; message: string; requestId: string }>();
        expect(body.code).toBe('INTERNAL_SERVER_ERROR');
        expect(res.body).not.toContain('10.0.0.7');
        expect(body.requestId).toMatch(/^[0-9a-f]{16}$/);
        expect(body.message).toContain(body.requestId);
        const line = logLines.find((l) => l.includes(body.requestId) && l.includes('10.0.0.7'));
        expect(line, url).toContain('"level":50');
      }
      auth.authenticate = authenticate;
      // A client's fault on a plain route stays what it was: 4xx with Fastify's code.
      const broken = await t.app.inject({
        method: 'POST',
        url: '/graphql/stream',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        payload: '{"query": ',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    } finally {
      auth.authenticate = authenticate;
      await t.close();
    }
  });
});

describe('rate limits, CSRF, CORS, introspection and GraphiQL switches', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', {
      env: {
        ADMIN_API_KEY: 'rate-limit-admin-key-0123456789',
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_WINDOW_SECONDS: '60',
        CORS_ORIGINS: 'https://ops.example.com',
        INTROSPECTION: 'false',
        GRAPHIQL: 'false',
      },
    });
  });
  afterAll(() => t?.close());
  const auth = { authorization: 'Bearer rate-limit-admin-key-0123456789' };

  it('answers 429 RATE_LIMITED with Retry-After once a key used its requests; other keys go on', async () => {
    const created = await raw(
      t,
      JSON.stringify({ query: 'mutation { createApiKey(name: "other", role: VIEWER) { key } }' }),
      auth,
    );
    const other = { authorization: `Bearer ${created.body.data.createApiKey.key}` };
    const statuses: number[] = [];
    const responses = [];
    for (let i = 0; i < 6; i++) {
      const res = await raw(t, JSON.stringify({ query: '{ viewer { name } }' }), auth);
      statuses.push(res.status);
      responses.push(res);
    }
    const last = responses[5]!;
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect((await raw(t, JSON.stringify({ query: '{ viewer { name } }' }), other)).status).toBe(200);
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    // A plain route (not GraphQL's error formatter) names the code too.
    const stream = await t.app.inject({
      method: 'POST',
      url: '/graphql/stream',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth },
      payload: { query: 'subscription { readingAdded { value } }' },
    });
    expect(stream.statusCode).toBe(429);
    expect(Number(stream.headers['retry-after'])).toBeGreaterThan(0);
    expect(stream.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('counts operations over the WebSocket against the same per-key budget: no way around the limit', async () => {
    // Created in the service, not over HTTP: the admin key has used its requests by now.
    const { key } = await t.app.services.auth.create('socket', 'VIEWER');
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // One socket held open (not lazy), every operation on it.
    const c = wsClient(url, { apiKey: key, lazy: false });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 7; i++) {
        const answer = collect(c, '{ viewer { name } }');
        await waitUntil(() => answer.items.length + answer.errors.length > 0, 5000, `answer ${i}`);
        outcomes.push(answer.items.length ? 'ok' : JSON.stringify(answer.errors));
      }
      // 5 per window and key (the upgrade carries no key: it counts for the address), then
      // refused with the code and when to retry.
      expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(outcomes[5]).toContain('RATE_LIMITED');
      expect(outcomes[6]).toContain('retry in');
      // One budget per key: HTTP with the same key is refused too.
      const http = await raw(t, JSON.stringify({ query: '{ viewer { name } }' }), { authorization: `Bearer ${key}` });
      expect(http.status).toBe(429);
    } finally {
      await c.dispose();
    }
  });

  it('refuses simple cross-site requests (CSRF) and answers CORS only for listed origins', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'text/plain', ...auth },
      payload: '{"query":"{ viewer { name } }"}',
    });
    expect(form.statusCode).not.toBe(200);
    const noHeaders = await t.app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D' });
    expect(noHeaders.statusCode).toBeGreaterThanOrEqual(400);
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: '/graphql',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    expect((await preflight('https://ops.example.com')).headers['access-control-allow-origin']).toBe(
      'https://ops.example.com',
    );
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('turns introspection and GraphiQL off', async () => {
    const intro = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-forwarded-for': '10.9.9.9', authorization: 'Bearer nope' },
      payload: { query: '{ __schema { types { name } } }' },
    });
    expect(intro.statusCode).toBe(401);
    const t2 = await startTestApp('pglite', { env: { INTROSPECTION: 'false', GRAPHIQL: 'false' } });
    try {
      const res = await t2.gql('{ __schema { types { name } } }');
      expect(res.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors![0]!.message).toContain('introspection');
      expect((await t2.app.inject({ url: '/graphiql' })).statusCode).toBe(404);
    } finally {
      await t2.close();
    }
  });
});

describe.each(TARGETS)('failed authentications per address (AUTH_FAILURE_LIMIT) on %s', (target) => {
  const ADMIN = 'auth-failure-admin-key-0123456789';
  let t: TestApp;
  let shared = false;
  beforeAll(async () => {
    // On PostgreSQL with the Redis store the limiter uses there (a namespace of its own:
    // counts live for a minute).
    shared = target === 'postgres' && (await redisReachable());
    t = await startTestApp(target, {
      countStatements: true,
      env: {
        ADMIN_API_KEY: ADMIN,
        AUTH_FAILURE_LIMIT: '5',
        ...(shared ? { REDIS_URL: redisUrl, REDIS_NAMESPACE: `authfail-${process.pid}-${Date.now()}` } : {}),
      },
    });
  });
  afterAll(() => t?.close());

  const post = (key: string | null, remoteAddress = '127.0.0.1') =>
    t.app.inject({
      method: 'POST',
      url: '/graphql',
      remoteAddress,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      payload: { query: '{ viewer { name } }' },
    });
  const randomKey = () => `st_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

  it('refuses an address with RATE_LIMITED and Retry-After before looking up its keys once it used its budget', async () => {
    expect(t.app.events.shared).toBe(shared);
    // The admin key is checked (and so remembered) before the flood.
    expect((await post(ADMIN)).statusCode).toBe(200);
    const before = t.app.db.statementCount();
    for (let i = 0; i < 5; i++) expect((await post(randomKey())).statusCode).toBe(401);
    const looked = t.app.db.statementCount() - before;
    expect(looked).toBeGreaterThanOrEqual(5); // one lookup per new key
    const refused = [];
    for (let i = 0; i < 20; i++) refused.push(await post(i % 2 ? randomKey() : null));
    // No lookup for any of the 20: they never reached the database.
    expect(t.app.db.statementCount() - before).toBe(looked);
    for (const res of refused) {
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(res.json().errors[0].extensions.code).toBe('RATE_LIMITED');
    }
    expect(refused[0]!.json().errors[0].message).toContain('AUTH_FAILURE_LIMIT');
    // Plain routes answer the code too.
    const metricsRoute = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${randomKey()}` } });
    expect(metricsRoute.statusCode).toBe(429);
    expect(metricsRoute.json()).toMatchObject({ code: 'RATE_LIMITED' });
    // A key already checked as valid still passes from that address; other addresses have their own budget.
    expect((await post(ADMIN)).statusCode).toBe(200);
    expect((await post(randomKey(), '10.1.2.3')).statusCode).toBe(401);
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(metrics.body).toMatch(/sensor_trust_auth_failures_total\{reason="rate_limited"\} 21/);
    expect(metrics.body).toMatch(/sensor_trust_auth_failures_total\{reason="unknown"\} 6/);
  });

  it('refuses graphql-ws connection_init from that address too (4429), and still admits a checked key', async () => {
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const before = t.app.db.statementCount();
    for (const apiKey of [randomKey(), undefined]) {
      const c = wsClient(url, { apiKey });
      try {
        const sub = collect(c, 'subscription { readingAdded { value } }');
        await waitUntil(() => sub.errors.length > 0, 5000, 'refusal');
        expect((sub.errors[0] as { code?: number }).code).toBe(4429);
        expect((sub.errors[0] as { reason?: string }).reason).toContain('AUTH_FAILURE_LIMIT');
      } finally {
        await c.dispose();
      }
    }
    expect(t.app.db.statementCount() - before).toBe(0);
    const ok = wsClient(url, { apiKey: ADMIN });
    try {
      const answer = collect(ok, '{ viewer { name } }');
      await waitUntil(() => answer.items.length + answer.errors.length > 0, 5000, 'answer');
      expect(answer.items).toEqual([{ viewer: { name: 'admin (ADMIN_API_KEY)' } }]);
    } finally {
      await ok.dispose();
    }
  });

  it('counts failed connection_init against the budget; a key that passed before is checked again even when blocked', async () => {
    const t2 = await startTestApp(target, {
      env: { ADMIN_API_KEY: ADMIN, AUTH_FAILURE_LIMIT: '2', AUTH_RECHECK_SECONDS: '1' },
    });
    const admin = () =>
      t2.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { query: '{ viewer { name } }' },
      });
    try {
      expect((await admin()).statusCode).toBe(200);
      const url = await t2.app.listen({ port: 0, host: '127.0.0.1' });
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = wsClient(url, { apiKey: randomKey() });
        try {
          const sub = collect(c, 'subscription { readingAdded { value } }');
          await waitUntil(() => sub.errors.length > 0, 5000, 'refusal');
          codes.push((sub.errors[0] as { code: number }).code);
        } finally {
          await c.dispose();
        }
      }
      expect(codes).toEqual([4401, 4401, 4429]);
      const http = await t2.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ viewer { name } }' } });
      expect(http.statusCode).toBe(429);
      // Its check is due again (AUTH_RECHECK_SECONDS=1): looked up, not refused with the guesses
      // (behind a reverse proxy every client has the proxy's address).
      await sleep(1100);
      expect((await admin()).statusCode).toBe(200);
    } finally {
      await t2.close();
    }
  });
});

describe.each(TARGETS)('/metrics, /healthz and /readyz under load on %s', (target) => {
  const ADMIN = 'probe-limits-admin-key-0123456789';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target, {
      env: { ADMIN_API_KEY: ADMIN, METRICS_RATE_LIMIT: '3', READYZ_CACHE_MS: '300' },
    });
  });
  afterAll(() => t?.close());
  const auth = { authorization: `Bearer ${ADMIN}` };

  it('limits /metrics per address with a budget of its own (429 RATE_LIMITED, Retry-After)', async () => {
    const scrape = (remoteAddress = '127.0.0.1') => t.app.inject({ url: '/metrics', headers: auth, remoteAddress });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await scrape()).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const over = await scrape();
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(over.json().message).toContain('METRICS_RATE_LIMIT');
    // Another address scrapes; the key's own budget (RATE_LIMIT_MAX) is untouched.
    expect((await scrape('10.0.0.7')).statusCode).toBe(200);
    const query = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth,
      payload: { query: '{ viewer { name } }' },
    });
    expect(query.statusCode).toBe(200);
  });

  it('never limits the probes, and /readyz pings the database at most once per READYZ_CACHE_MS', async () => {
    const ping = t.app.db.ping.bind(t.app.db);
    let pings = 0;
    t.app.db.ping = () => {
      pings++;
      return ping();
    };
    try {
      const probes = await Promise.all(
        Array.from({ length: 100 }, (_, i) => t.app.inject({ url: i % 2 ? '/readyz' : '/healthz' })),
      );
      expect(probes.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
      expect(probes[1]!.json()).toMatchObject({ status: 'ready', database: 'up' });
      expect(pings).toBe(1); // 100 probes at once share one ping
      const started = performance.now();
      for (let i = 0; i < 50; i++) expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
      // 50 more in a row: one ping per 300 ms that passed, not one per probe.
      expect(pings - 1).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 300));
      expect(pings - 1).toBeLessThan(50);
      await sleep(350);
      const before = pings;
      expect((await t.app.inject({ url: '/readyz' })).json()).toMatchObject({ database: 'up' });
      expect(pings).toBe(before + 1);
    } finally {
      t.app.db.ping = ping;
    }
  });
});

describe('WebSocket limits', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp('pglite', { env: { WS_MAX_PAYLOAD_BYTES: '4096' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t?.close());

  it('closes a socket that sends a message over WS_MAX_PAYLOAD_BYTES (1009)', async () => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(10_000) } }));
    expect(await closed).toBe(1009);
  });

  it('applies the query limits to subscriptions too', async () => {
    const c = wsClient(url);
    const sub = collect(
      c,
      // (An empty fleet: its zones cost as large as they are, so the fan-out is in readings.)
      `subscription { sensorUpdated { ${Array.from({ length: 6 }, (_, i) => `r${i}: readings { value }`).join(' ')} } }`,
    );
    await waitUntil(() => sub.errors.length > 0, 5000, 'refusal');
    expect(JSON.stringify(sub.errors)).toContain('QUERY_TOO_COMPLEX');
    await c.dispose();
  });
});
