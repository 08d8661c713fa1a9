// POST /api/readings over real HTTP, on PGlite and PostgreSQL: the same per-item outcomes
// as ingestReadings (one shared service and checks), authorised like the mutation,
// refused with codes (schema, batch size, body limit, content type), rate limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN = 'ingest-route-admin-key-0123456789';
const INGEST = `mutation($r: [ReadingInput!]!) {
  ingestReadings(readings: $r) { accepted duplicates rejected errors { index sensorId code message } } }`;

describe.each(TARGETS)('POST /api/readings on %s', (target) => {
  let t: TestApp;
  let url: string;
  const keys: Record<string, string> = {};
  const post = (key: string | null, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/readings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data: Record<string, any>; errors?: unknown[] };
  };

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN, MAX_BATCH_SIZE: '50' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await gql('mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
    for (const id of ['h1', 'h2', 'g1', 'g2'])
      await gql(
        `mutation { upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature", zoneId: "z" }) { id } }`,
      );
    for (const role of ['VIEWER', 'INTEGRATOR', 'OPERATOR']) {
      const res = await gql(`mutation { createApiKey(name: "${role}", role: ${role}) { key } }`);
      keys[role] = res.data.createApiKey.key;
    }
  });
  afterAll(() => t?.close());

  it('stores the good items of a mixed batch and refuses each bad one with its code, like MQTT and GraphQL', async () => {
    const batch = {
      readings: [
        { sensorId: 'h1', timestamp: '2026-01-01T00:00:00Z', value: 20.5 },
        { sensorId: 'nope', timestamp: '2026-01-01T00:00:00Z', value: 1 },
        { sensorId: 'h1\u0000x', timestamp: '2026-01-01T00:00:00Z', value: 1 },
        { sensorId: 'h1', timestamp: '-005000-01-01T00:00:00Z', value: 1 },
        { sensorId: 'h1', timestamp: '2026-01-01 00:01', value: 1 },
        { sensorId: 'h1', timestamp: '2026-01-01T00:02:00Z', value: 'warm' },
        { sensorId: 'h1', timestamp: '2026-01-01T00:03:00Z', value: '__DEEP__' },
        42,
        { timestamp: '2026-01-01T00:04:00Z', value: 1 },
        { sensorId: 'h1', timestamp: '2999-01-01T00:00:00Z', value: 1 },
        { sensorId: 'h2', timestamp: '2026-01-01T00:00:00+02:00', value: 30 },
      ],
    };
    // A value nested 20,000 levels deep (too deep for this process's JSON.stringify).
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const res = await post(keys.INTEGRATOR!, JSON.stringify(batch).replace('"__DEEP__"', deep));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: { index: number; code: string }[];
    };
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 9 });
    expect(body.errors.map((e) => [e.index, e.code])).toEqual([
      [1, 'UNKNOWN_SENSOR'],
      [2, 'INVALID_SENSOR_ID'],
      [3, 'INVALID_TIMESTAMP'],
      [4, 'INVALID_TIMESTAMP'],
      [5, 'INVALID_VALUE'],
      [6, 'INVALID_VALUE'],
      [7, 'INVALID_ITEM'],
      [8, 'INVALID_SENSOR_ID'],
      [9, 'FUTURE_TIMESTAMP'],
    ]);
    const stored = await gql(
      '{ a: sensor(id: "h1") { readings(last: 5) { value } } b: sensor(id: "h2") { readings(last: 5) { timestamp value } } }',
    );
    expect(stored.data.a.readings).toEqual([{ value: 20.5 }]);
    expect(stored.data.b.readings).toEqual([{ timestamp: '2025-12-31T22:00:00.000Z', value: 30 }]);

    // Sent again: duplicates, nothing changed.
    const again = await post(keys.INTEGRATOR!, {
      readings: [{ sensorId: 'h1', timestamp: '2026-01-01T00:00:00Z', value: 20.5 }],
    });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: 0, errors: [] });
  });

  it('answers what ingestReadings answers for the same batch', async () => {
    const batch = (sensor: string) => [
      { sensorId: sensor, timestamp: '2026-02-01T00:00:00Z', value: 1 },
      { sensorId: sensor, timestamp: '2026-02-01T00:00:00Z', value: 1 },
      { sensorId: 'unknown', timestamp: '2026-02-01T00:00:00Z', value: 1 },
      { sensorId: `${sensor}\u0000`, timestamp: '2026-02-01T00:00:00Z', value: 1 },
      { sensorId: sensor, timestamp: '1960-01-01T00:00:00Z', value: 1 },
      { sensorId: sensor, timestamp: '2999-01-01T00:00:00Z', value: 1 },
      { sensorId: sensor, timestamp: '2026-02-01T00:01:00Z', value: 2 },
    ];
    const overHttp = (await (await post(keys.INTEGRATOR!, { readings: batch('g1') })).json()) as Record<string, any>;
    const overGraphql = (await gql(INGEST, { r: batch('g2') })).data.ingestReadings;
    // The same but for the sensor and the server clock a FUTURE_TIMESTAMP message names.
    const strip = (r: Record<string, any>) =>
      JSON.parse(
        JSON.stringify(r)
          .replaceAll('g1', 'g2')
          .replace(/server clock \([^)]*\)/g, 'server clock'),
      );
    expect(strip(overHttp)).toEqual(strip(overGraphql));
    expect(overHttp.accepted).toBe(2);
  });

  it('is authorised like the mutation: INTEGRATOR and ADMIN; 401 without a key, 403 for other roles', async () => {
    const one = { readings: [{ sensorId: 'h1', timestamp: '2026-03-01T00:00:00Z', value: 1 }] };
    expect((await post(ADMIN, one)).status).toBe(200);
    const anonymous = await post(null, one);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    for (const role of ['VIEWER', 'OPERATOR']) {
      const res = await post(keys[role]!, one);
      expect(res.status, role).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
    }
    const revoked = await gql('mutation { createApiKey(name: "gone", role: INTEGRATOR) { key apiKey { id } } }');
    await gql(`mutation { revokeApiKey(id: "${revoked.data.createApiKey.apiKey.id}") { id } }`);
    expect((await post(revoked.data.createApiKey.key, one)).status).toBe(401);
  });

  it('refuses a bad envelope with a code: schema, batch size, body limit, not JSON, wrong content type', async () => {
    const code = async (res: Response) => {
      const text = await res.text();
      return { status: res.status, code: (JSON.parse(text) as { code: string }).code, text };
    };
    expect(await code(await post(keys.INTEGRATOR!, { values: [] }))).toMatchObject({
      status: 400,
      code: 'FST_ERR_VALIDATION',
    });
    expect(await code(await post(keys.INTEGRATOR!, '{"readings": ['))).toMatchObject({ status: 400 });
    const big = Array.from({ length: 51 }, (_, i) => ({
      sensorId: 'h1',
      timestamp: `2026-04-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
      value: i,
    }));
    const tooMany = await post(keys.INTEGRATOR!, { readings: big });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'BATCH_TOO_LARGE', maxBatchSize: 50 });
    const huge = await post(keys.INTEGRATOR!, { readings: [], pad: 'x'.repeat(t.config.limits.bodyLimitBytes) });
    expect(await code(huge)).toMatchObject({ status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const plain = await post(keys.INTEGRATOR!, '{"readings": []}', { 'content-type': 'text/plain' });
    // A text body (the server reads text/plain for GraphQL's CSRF check) is not the JSON object.
    const refusedPlain = await code(plain);
    expect([400, 415]).toContain(refusedPlain.status);
    expect(refusedPlain.code).toMatch(/^FST_ERR_(VALIDATION|CTP_INVALID_MEDIA_TYPE)$/);
    expect((await post(keys.INTEGRATOR!, { readings: [] })).status).toBe(200);
  });
});

describe('POST /api/readings is rate limited per key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', {
      env: { ADMIN_API_KEY: ADMIN, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(() => t?.close());

  it('answers 429 RATE_LIMITED past RATE_LIMIT_MAX', async () => {
    const statuses: number[] = [];
    let last: { code?: string } = {};
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/readings',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { readings: [] },
      });
      statuses.push(res.statusCode);
      last = res.json();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last.code).toBe('RATE_LIMITED');
  });
});
