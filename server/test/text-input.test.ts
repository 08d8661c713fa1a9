// What the database would refuse never reaches it: over real HTTP and WebSocket, on
// PGlite and PostgreSQL. A NUL or control character in an ingested sensor id, a
// timestamp out of range and a value nested 20,000 levels deep are one coded item
// error each, the rest of a 1,001-reading batch stored; a NUL in any other text
// argument, variable or cursor is BAD_USER_INPUT for the request, never INTERNAL.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const at = (secondsBeforeNow: number) => new Date(NOW.getTime() - secondsBeforeNow * 1000).toISOString();
const INGEST = `mutation Ingest($r: [ReadingInput!]!) {
  ingestReadings(readings: $r) { accepted duplicates rejected errors { index sensorId code message } }
}`;
const cursorOf = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

describe.each(TARGETS)('text and ingest input checked before the database on %s', (target) => {
  let t: TestApp;
  let url: string;

  const post = async (body: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as { data: any; errors?: any[] } };
  };
  const gql = (query: string, variables?: Record<string, unknown>) => post(JSON.stringify({ query, variables }));
  const codes = (body: { errors?: any[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: { id: 'n1', name: 'n1', kind: 'temperature', minValue: -20, maxValue: 60 },
    });
    expect(res.body.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('stores 997 readings of a 1,001-reading batch and refuses, each with its code, a NUL id, a control character, a timestamp before 1970 and a value nested 20,000 levels deep', async () => {
    // Written out by hand: JSON.stringify itself overflows the stack at this depth.
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    // Twice: through graphql-js first, then through the compiled query.
    for (const round of [0, 1]) {
      const items: Record<string, unknown>[] = Array.from({ length: 1001 }, (_, i) => ({
        sensorId: 'n1',
        timestamp: at(5000 + round * 2000 - i),
        value: i,
      }));
      items[10] = { sensorId: 'n1\u0000x', timestamp: at(1), value: 1 };
      items[20] = { sensorId: 'n1\u0007', timestamp: at(1), value: 1 };
      items[30] = { sensorId: 'n1', timestamp: '1000-01-01T00:00:00Z', value: 1 };
      items[40] = { sensorId: 'n1', timestamp: at(1), value: '@DEEP@' };
      const body = JSON.stringify({ query: INGEST, variables: { r: items } }).replace('"@DEEP@"', deep);
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const out = res.body.data.ingestReadings;
      expect(out.errors.map((e: any) => [e.index, e.code])).toEqual([
        [10, 'INVALID_SENSOR_ID'],
        [20, 'INVALID_SENSOR_ID'],
        [30, 'INVALID_TIMESTAMP'],
        [40, 'INVALID_VALUE'],
      ]);
      expect(out).toMatchObject({ accepted: 997, duplicates: 0, rejected: 4 });
      expect(out.errors[0]).toMatchObject({
        sensorId: 'n1\u0000x',
        message: 'sensorId must not contain NUL or other control characters',
      });
      expect(out.errors[3].message).toBe('value must be a finite number, got [[[[…]]]]');
    }
  });

  it('answers BAD_USER_INPUT for a NUL in an id, a search, a note or a name, in a variable or a literal', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      ['query($id: ID!) { sensor(id: $id) { id } }', { id: 'n1\u0000' }],
      ['{ sensor(id: "n1\\u0000") { id } }'],
      ['query($s: String) { sensors(filter: { search: $s }) { nodes { id } } }', { s: 'a\u0000b' }],
      ['query($s: String) { tickets(filter: { search: $s }) { nodes { id } } }', { s: '\u0000' }],
      ['mutation($n: String) { acknowledgeTicket(id: "t-none", note: $n) { id } }', { n: 'ok\u0000' }],
      ['mutation($i: ZoneInput!) { upsertZone(input: $i) { id } }', { i: { id: 'z\u0000', name: 'Z' } }],
      ['mutation { upsertZone(input: { id: "z1", name: "Z\\u0000" }) { id } }'],
    ];
    for (const [query, variables] of cases) {
      const res = await gql(query, variables);
      expect({ query, codes: codes(res.body) }).toEqual({ query, codes: ['BAD_USER_INPUT'] });
      expect(res.status).toBeLessThan(500);
    }
    // A newline in a note is text, not a fault.
    const ok = await gql('query($s: String) { sensors(filter: { search: $s }) { nodes { id } } }', { s: 'n\n1' });
    expect(ok.body.errors).toBeUndefined();
  });

  it('answers BAD_USER_INPUT for a cursor that decodes to NUL bytes or to a NUL in a ticket cursor', async () => {
    const cursors: [string, string][] = [
      ['sensors', cursorOf('\u0000\u0000')],
      ['sensors', cursorOf('n1\u0000')],
      ['tickets', cursorOf('\u0000')],
      ['tickets', cursorOf(JSON.stringify(['OPENED_DESC', '2026-11-28T00:00:00.000Z', 'x\u0000']))],
      ['tickets', cursorOf(JSON.stringify(['OPENED_DESC', '-005000-01-01T00:00:00.000Z', 'x']))],
    ];
    for (const [field, after] of cursors) {
      const res = await gql(`query($a: String) { ${field}(first: 2, after: $a) { nodes { id } } }`, { a: after });
      expect({ after, codes: codes(res.body) }).toEqual({ after, codes: ['BAD_USER_INPUT'] });
    }
  });

  it('answers BAD_USER_INPUT over graphql-ws too', async () => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const frames: any[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      ws.on('message', (data) => {
        const message = JSON.parse((data as Buffer).toString('utf8'));
        if (message.type === 'connection_ack') {
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'query($id: ID!) { zone(id: $id) { id } }', variables: { id: '\u0000' } },
            }),
          );
        } else frames.push(message);
        if (message.type === 'complete' || message.type === 'error') resolve();
      });
    });
    ws.close();
    const errors = frames.flatMap((f) => (f.type === 'error' ? f.payload : (f.payload?.errors ?? [])));
    expect(errors.map((e: any) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
