// The four subscriptions over Server-Sent Events (graphql-sse protocol, distinct
// connections mode) at /graphql/stream, with a real HTTP client on a real port.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TARGETS } from './support/databases.js';
import { openSseStream } from './support/sse-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The shared graphql-sse client, with whether the server has ended the stream. */
async function openStream(url: string, query: string, apiKey?: string) {
  const stream = await openSseStream(url, query, apiKey);
  return { ...stream, ended: () => stream.endedAt() !== null };
}

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`;

describe.each(TARGETS)('subscriptions over Server-Sent Events on %s', (target) => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(NOW), env: { DASHBOARD_COALESCE_MS: '50' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await t.gql(`mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }`);
    const res = await t.gql(
      `mutation { upsertSensor(input: { id: "e1", name: "e1", kind: "temperature", zoneId: "z", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('streams readingAdded, sensorUpdated (with a loader field), ticketUpdated and dashboardUpdated as next events', async () => {
    const streams = await Promise.all([
      openStream(url, `subscription { readingAdded(sensorId: "e1") { sensorId value } }`),
      openStream(url, `subscription { sensorUpdated(zoneId: "z") { id trust { status } } }`),
      openStream(url, `subscription { ticketUpdated(sensorId: "e1") { kind status } }`),
      openStream(url, `subscription { dashboardUpdated { sensorCount } }`),
    ]);
    for (const s of streams) {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    const [readings, sensors, tickets, dashboard] = streams;
    // The stream answers before its subscription is registered with the hub: wait for all four.
    await vi.waitFor(() =>
      expect(t.app.services.subscriptions.counts()).toEqual({
        readingAdded: 1,
        sensorUpdated: 1,
        ticketUpdated: 1,
        dashboardUpdated: 1,
        incidentUpdated: 0,
      }),
    );
    const r = Array.from({ length: 30 }, (_, i) => ({
      sensorId: 'e1',
      timestamp: new Date(NOW - (40 - i) * 60_000).toISOString(),
      value: i < 20 ? 20 + Math.sin(i) : 500,
    }));
    expect((await t.gql(INGEST, { r })).data!.ingestReadings.accepted).toBe(30);
    await vi.waitFor(
      () => {
        expect(readings.next()).toHaveLength(30);
        expect(sensors.next().length).toBeGreaterThan(0);
        expect(tickets.next().length).toBeGreaterThan(0);
        expect(dashboard.next().length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(readings.next()[0]).toEqual({ data: { readingAdded: { sensorId: 'e1', value: 20 } } });
    expect(sensors.next().at(-1)!.data.sensorUpdated).toMatchObject({
      id: 'e1',
      trust: { status: expect.any(String) },
    });
    expect(tickets.next()[0]!.data.ticketUpdated).toEqual({ kind: 'OUT_OF_RANGE', status: 'OPEN' });
    expect(dashboard.next().at(-1)!.data.dashboardUpdated).toEqual({ sensorCount: 1 });
    for (const s of streams) expect(s.events.every((e) => e.event === 'next')).toBe(true);
    await Promise.all(streams.map((s) => s.close()));
  });

  it('refuses queries and mutations (they go to POST /graphql) and every malformed request with a status and a code', async () => {
    const query = await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ zones { id } }' }),
    });
    expect(query.status).toBe(400);
    expect(((await query.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/POST \/graphql/);
    // Everything graphql-sse would refuse (or report inside a stream) without a code is
    // refused first, before a stream opens, with a status and a code.
    const send = async (init: RequestInit & { path?: string }) => {
      const res = await fetch(`${url}${init.path ?? '/graphql/stream'}`, init);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      return { status: res.status, code: body.errors[0]!.extensions.code, message: body.errors[0]!.message };
    };
    const post = (body: string, headers: Record<string, string> = {}) =>
      send({
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body,
      });
    const sub = 'subscription { readingAdded { value } }';
    expect(await post('{"query": "subscription { nope }"}')).toMatchObject({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: expect.stringMatching(/Cannot query field "nope"/),
    });
    expect(await post('{"query": "subscription {"}')).toMatchObject({ status: 400, code: 'GRAPHQL_PARSE_FAILED' });
    expect(await post(JSON.stringify({ query: sub }), { accept: 'application/json' })).toMatchObject({
      status: 406,
      code: 'NOT_ACCEPTABLE',
    });
    expect(await post(JSON.stringify({ query: sub }), { 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(await post('{"variables": {}}')).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'Missing query',
    });
    expect(await post('[1]')).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(await post(JSON.stringify({ query: 5 }))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(await post(JSON.stringify({ query: sub, variables: [1] }))).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
    });
    expect(
      await send({
        headers: { accept: 'text/event-stream' },
        path: `/graphql/stream?query=${encodeURIComponent(sub)}&variables=%7B`,
      }),
    ).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    // Errors inside a stream are coded and cut as on POST /graphql.
    const invalid = await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription($s: ID) { readingAdded(sensorId: $s) { value } }',
        variables: { s: { pad: 'x'.repeat(1_000_000) } },
      }),
    });
    const events = await invalid.text();
    expect(events.length).toBeLessThan(2000);
    const next = JSON.parse(/^data: (.*)$/m.exec(events.split('event: next')[1]!)![1]!) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(next.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(next.errors[0]!.message).toContain('more characters cut');
    // A subscription in the URL (EventSource's GET) still streams.
    const controller = new AbortController();
    const get = await fetch(`${url}/graphql/stream?query=${encodeURIComponent(sub)}`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(get.status).toBe(200);
    controller.abort();
  });

  it('refuses a subscription over the query limits before the stream opens, with 400 and the limit code', async () => {
    const refused = async (query: string) => {
      const res = await fetch(`${url}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      const codes = body.errors.map((e) => e.extensions.code);
      return { status: res.status, codes, message: body.errors.map((e) => e.message).join(' | ') };
    };
    // Every pushed sensor would read 60,000 readings: refused for its cost.
    const fanOut = await refused(
      `subscription { sensorUpdated { ${Array.from({ length: 6 }, (_, i) => `r${i}: readings(last: 10000) { value }`).join(' ')} } }`,
    );
    expect(fanOut).toMatchObject({ status: 400, codes: expect.arrayContaining(['QUERY_TOO_COMPLEX']) });
    expect(fanOut.message).toMatch(/exceeds 50000/);
    const deep = await refused(
      `subscription { ticketUpdated { ${'sensor { zone { id } tickets { '.repeat(6)} id ${'} }'.repeat(6)} } }`,
    );
    expect(deep).toMatchObject({ status: 400, codes: expect.arrayContaining(['QUERY_TOO_DEEP']) });
    const aliases = await refused(
      `subscription { readingAdded { ${Array.from({ length: 31 }, (_, i) => `a${i}: value`).join(' ')} } }`,
    );
    expect(aliases).toMatchObject({ status: 400, codes: expect.arrayContaining(['TOO_MANY_ALIASES']) });
    const tokens = await refused(`subscription { readingAdded { ${'value '.repeat(12_000)} } }`);
    expect(tokens).toMatchObject({ status: 400, codes: expect.arrayContaining(['QUERY_TOO_LARGE']) });
    expect(Object.values(t.app.services.subscriptions.counts()).every((n) => n === 0)).toBe(true);
  });

  it('serves distinct connections only: no stream reservation can take the transport from other subscribers', async () => {
    // graphql-sse's single-connection mode (PUT a reservation, GET it) shared one token
    // between all clients: a reservation held open answered everyone else 409.
    const put = await fetch(`${url}/graphql/stream`, { method: 'PUT' });
    expect(put.status).toBe(404);
    expect(await put.json()).toMatchObject({ code: 'NOT_FOUND' });
    const held = await openStream(url, '');
    const victim = await openStream(url, `subscription { dashboardUpdated { sensorCount } }`);
    expect(victim.res.status).toBe(200);
    await Promise.all([held.close(), victim.close()]);
  });

  it('is authorised like the other paths: 401 without a key, the role checked per subscription', async () => {
    const keyed = await startTestApp(target, { env: { ADMIN_API_KEY: 'st_admin_sse_test_key_0123456789' } });
    try {
      const base = await keyed.app.listen({ port: 0, host: '127.0.0.1' });
      const create = async (role: string) => {
        const res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer st_admin_sse_test_key_0123456789' },
          body: JSON.stringify({ query: `mutation { createApiKey(name: "${role}", role: ${role}) { key } }` }),
        });
        return ((await res.json()) as { data: { createApiKey: { key: string } } }).data.createApiKey.key;
      };
      const query = `subscription { dashboardUpdated { sensorCount } }`;
      const anonymous = await openStream(base, query);
      expect(anonymous.res.status).toBe(401);
      await anonymous.close();
      const viewer = await openStream(base, query, await create('VIEWER'));
      expect(viewer.res.status).toBe(200);
      await viewer.close();
      const integrator = await openStream(base, query, await create('INTEGRATOR'));
      await vi.waitFor(() => expect(integrator.ended()).toBe(true), { timeout: 5_000 });
      expect(JSON.parse(integrator.events[0]!.data)).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    } finally {
      await keyed.close();
    }
  });

  it('holds a key to WS_MAX_SOCKETS_PER_KEY open streams (429 TOO_MANY_CONNECTIONS beyond), freed as they close', async () => {
    const admin = 'st_admin_sse_limit_key_0123456789';
    const keyed = await startTestApp(target, { env: { ADMIN_API_KEY: admin, WS_MAX_SOCKETS_PER_KEY: '2' } });
    try {
      const base = await keyed.app.listen({ port: 0, host: '127.0.0.1' });
      const query = `subscription { dashboardUpdated { sensorCount } }`;
      const first = await openStream(base, query, admin);
      const second = await openStream(base, query, admin);
      expect([first.res.status, second.res.status]).toEqual([200, 200]);
      const third = await fetch(`${base}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query }),
      });
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_CONNECTIONS' } }] });
      await first.close();
      await vi.waitFor(async () => {
        const again = await openStream(base, query, admin);
        expect(again.res.status).toBe(200);
        await again.close();
      });
      await second.close();
    } finally {
      await keyed.close();
    }
  });

  it('ends open streams when the server shuts down instead of waiting for them', async () => {
    const stream = await openStream(url, `subscription { dashboardUpdated { sensorCount } }`);
    expect(stream.res.status).toBe(200);
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(15_000);
    await vi.waitFor(() => expect(stream.ended()).toBe(true), { timeout: 5_000 });
  });
});
