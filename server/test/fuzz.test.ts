// A deterministic fuzz run against the real server process, on PGlite and on PostgreSQL:
// well over 1,000 malformed or hostile requests over HTTP (GraphQL and server-sent events)
// and WebSocket (broken JSON, wrong types, NaN and
// Infinity, giant strings and lists, deep, wide and aliased queries, bad keys, bad
// graphql-ws frames, oversized frames, random bytes). Every answer must be a coded
// refusal or a plain success: never a 5xx, never INTERNAL_SERVER_ERROR, never a stack,
// never a long echo. Afterwards the process is up, its memory stayed under a stated
// bound, nothing was logged as an error, and a normal request still works.
// FUZZ_SEED=<n> replays another sequence; the seed is printed.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5e45_7a11);
const HTTP_CASES = 1000;
const WS_SOCKETS = 120;
/**
 * Resident memory the server may gain during the run. On PGlite it starts at 650-950 MB
 * here, most of it the embedded database's WebAssembly heap, and the run adds about
 * 60-120 MB; on PostgreSQL it starts near 280 MB and the run adds about 250-265 MB (the
 * heap grows to parse the megabyte bodies, where PGlite's process had room already).
 */
const RSS_GROWTH_BOUND_MB = 400;
// The default for MAX_BATCH_SIZE 2000 (a 2,000-reading batch with room to spare), set explicitly.
const BODY_LIMIT = 1024 * 1024;
const ADMIN = 'st_fuzz-admin-key-0123456789abcdef';
const VIEWER_KEY_NAME = 'fuzz-viewer';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!; // lists here are non-empty literals
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const text = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(pick([32 + int(95), int(0x3000) + 0x80, 0, 0xfffd]))).join('');
  return { next, int, pick, bytes, text };
}

interface HttpCase {
  kind: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const INGEST = 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates } }';
const QUERIES = [
  '{ zones { id sensors { id } } }',
  '{ dashboardSummary { totalSensors } }',
  '{ sensors(first: 5) { nodes { id trust { status } } } }',
  '{ tickets(first: 5) { nodes { id } } }',
  '{ viewer { name role } }',
];

function deep(levels: number): string {
  let inner = 'id';
  for (let i = levels - 1; i >= 1; i--) inner = `${i % 2 === 1 ? 'sensors' : 'zone'} { ${inner} }`;
  return `{ zones { ${inner} } }`;
}

function httpCase(r: ReturnType<typeof prng>): HttpCase {
  const json = (body: unknown) => JSON.stringify(body);
  const hostileValue = () =>
    r.pick<unknown>([
      'NaN',
      'Infinity',
      '-Infinity',
      '1e400',
      null,
      {},
      [],
      [1, 2],
      true,
      'x'.repeat(r.pick([10, 5_000, 200_000])),
      { nested: { deeper: [1, { a: 'b' }] } },
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      r.text(20),
    ]);
  const kinds: (() => HttpCase)[] = [
    // Broken JSON: a valid body cut short, bytes flipped, or noise.
    () => {
      const good = json({ query: r.pick(QUERIES), variables: { a: 1 } });
      return { kind: 'truncated-json', body: good.slice(0, r.int(good.length)) };
    },
    () => ({ kind: 'random-bytes', body: r.bytes(1 + r.int(4000)) }),
    () => ({
      kind: 'raw-nan',
      body: `{"query":"${INGEST}","variables":{"r":[{"sensorId":"f1","timestamp":"2026-11-28T00:00:00Z","value":${r.pick(['NaN', 'Infinity', '-Infinity', '1e999', '0x10', '.5.', '+1'])}}]}}`,
    }),
    () => ({ kind: 'not-an-object', body: json(r.pick<unknown>([null, 1, 'query', [1, 2], true, []])) }),
    () => ({ kind: 'query-wrong-type', body: json({ query: hostileValue() }) }),
    () => ({ kind: 'no-query', body: json({ variables: { a: 1 }, operationName: 'X' }) }),
    () => ({ kind: 'variables-wrong-type', body: json({ query: INGEST, variables: hostileValue() }) }),
    () => ({
      kind: 'operation-name-wrong',
      body: json({
        query: 'query A { viewer { name } } query B { viewer { role } }',
        operationName: r.pick<unknown>([undefined, 'C', 7, {}, 'x'.repeat(10_000)]),
      }),
    }),
    // Ingest with hostile items.
    () => ({
      kind: 'ingest-hostile-items',
      body: json({
        query: INGEST,
        variables: {
          r: Array.from({ length: 1 + r.int(50) }, () => ({
            sensorId: r.pick<unknown>(['f1', 'ghost', '', 'x'.repeat(100_000), 5, null, r.text(30)]),
            timestamp: r.pick<unknown>([
              '2026-11-28T00:00:00Z',
              'yesterday',
              '',
              1e20,
              -1,
              null,
              '9999-12-31T23:59:59Z',
              r.text(10),
            ]),
            value: hostileValue(),
          })),
        },
      }),
    }),
    () => ({
      kind: 'ingest-over-batch',
      body: json({
        query: INGEST,
        variables: {
          r: Array.from({ length: 2_001 }, (_, i) => ({
            sensorId: 'f1',
            timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
            value: i,
          })),
        },
      }),
    }),
    // Input the database would refuse (NUL in text, timestamps out of its range) and
    // values nested deeper than a recursive walk survives: coded answers, never INTERNAL.
    () => ({
      kind: 'nul-text-argument',
      body: json(
        r.pick<{ query: string; variables?: unknown }>([
          {
            query: 'query($id: ID!) { sensor(id: $id) { id } }',
            variables: { id: `f1${'\u0000'.repeat(1 + r.int(3))}` },
          },
          { query: '{ zone(id: "fz\\u0000") { id } }' },
          {
            query: 'query($s: String) { sensors(filter: { search: $s }) { nodes { id } } }',
            variables: { s: r.text(5) + '\u0000' },
          },
          {
            query: 'query($s: String) { tickets(filter: { search: $s, assignee: $s }) { nodes { id } } }',
            variables: { s: '\u0000' },
          },
          {
            query: 'mutation($n: String) { acknowledgeTicket(id: "nope", note: $n) { id } }',
            variables: { n: 'x\u0000y' },
          },
          {
            query: 'mutation($i: ZoneInput!) { upsertZone(input: $i) { id } }',
            variables: { i: { id: 'z', name: '\u0000' } },
          },
        ]),
      ),
    }),
    () => ({
      kind: 'nul-cursor',
      body: json({
        query: `query($a: String) { ${r.pick(['sensors', 'tickets'])}(first: 3, after: $a) { nodes { id } } }`,
        variables: {
          a: Buffer.from(
            r.pick([
              '\u0000'.repeat(1 + r.int(8)),
              `f1\u0000`,
              JSON.stringify(['OPENED_DESC', '2026-11-28T00:00:00.000Z', '\u0000']),
              JSON.stringify(['OPENED_DESC', '-005000-01-01T00:00:00.000Z', 'x']),
            ]),
            'utf8',
          ).toString('base64url'),
        },
      }),
    }),
    () => ({
      kind: 'ingest-nul-and-extreme',
      body: json({
        query: INGEST,
        variables: {
          r: Array.from({ length: 1 + r.int(1001) }, (_, i) => ({
            sensorId: r.int(10) === 0 ? r.pick(['f1\u0000', '\u0000', 'f\u0007', `f1${r.text(3)}`]) : 'f1',
            timestamp:
              r.int(10) === 0
                ? r.pick([
                    '1000-01-01T00:00:00Z',
                    '1969-12-31T23:59:59Z',
                    '9999-12-31T23:59:59.999Z',
                    '0999-01-01T00:00:00Z',
                  ])
                : new Date(Date.UTC(2026, 9, 1) + i * 1000 + r.int(1e9)).toISOString(),
            value: r.int(1000),
          })),
        },
      }),
    }),
    () => {
      // Written out by hand: JSON.stringify itself overflows the stack at this depth.
      const depth = r.pick([1_000, 20_000, 100_000]);
      const [open, close] = r.pick([
        ['[', ']'],
        ['{"a":', '}'],
      ] as const);
      const deepValue = `${open.repeat(depth)}1${close.repeat(depth)}`;
      return {
        kind: 'deep-value',
        body: `{"query":"${INGEST}","variables":{"r":[{"sensorId":"f1","timestamp":"2026-11-28T00:00:00Z","value":${deepValue}},{"sensorId":"f1","timestamp":"2026-11-28T00:00:01Z","value":1}]}}`,
      };
    },
    () => ({
      kind: 'giant-string-variable',
      body: json({
        query: 'query($id: ID!) { sensor(id: $id) { id } }',
        variables: { id: 'y'.repeat(r.pick([100_000, 1_000_000])) },
      }),
    }),
    () => ({ kind: 'over-body-limit', body: json({ query: '{ viewer { name } }', pad: 'z'.repeat(3_000_000) }) }),
    // Queries: deep, wide, aliased, long, garbage.
    () => ({ kind: 'deep', body: json({ query: deep(8 + r.int(200)) }) }),
    () => ({
      kind: 'alias-flood',
      body: json({
        query: `{ ${Array.from({ length: 30 + r.int(3000) }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`,
      }),
    }),
    () => ({ kind: 'token-flood', body: json({ query: `{ viewer { ${'name '.repeat(5_000 + r.int(50_000))} } }` }) }),
    () => ({ kind: 'brace-bomb', body: json({ query: '{'.repeat(1 + r.int(100_000)) }) }),
    () => ({
      kind: 'directive-flood',
      body: json({ query: `{ viewer ${'@include(if: true) '.repeat(1 + r.int(3000))} { name } }` }),
    }),
    () => ({
      kind: 'fragment-cycle',
      body: json({ query: 'query { zones { ...A } } fragment A on Zone { sensors { zone { ...A } } }' }),
    }),
    () => ({
      kind: 'unknown-field',
      body: json({ query: `{ ${r.pick(['nope', '__schema { nope }', 'zones { password }', 'sensor { id }'])} }` }),
    }),
    () => ({ kind: 'random-query', body: json({ query: r.text(1 + r.int(3000)) }) }),
    () => ({
      kind: 'wide-list',
      body: json({
        query: `{ sensors(first: ${r.pick([-1, 0, 2147483647, 1e10, 100000])}) { nodes { id readings(last: ${r.pick([-5, 999999, 2147483648])}) { value } } } }`,
      }),
    }),
    () => ({ kind: 'subscription-over-post', body: json({ query: 'subscription { readingAdded { value } }' }) }),
    () => ({ kind: 'batched', body: json(Array.from({ length: 1 + r.int(200) }, () => ({ query: r.pick(QUERIES) }))) }),
    // Keys and headers.
    () => ({
      kind: 'bad-key',
      headers: {
        authorization: r.pick([
          '',
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `Bearer ${'k'.repeat(4000)}`,
          'Bearer st_wrong',
          `bearer ${ADMIN}x`,
          r.text(40).replace(/[^\x20-\x7e]/g, ''),
        ]),
      },
      body: json({ query: r.pick(QUERIES) }),
    }),
    () => ({
      kind: 'viewer-mutation',
      headers: { authorization: 'VIEWER' },
      body: json({ query: 'mutation { upsertZone(input: { id: "hack", name: "H" }) { id } }' }),
    }),
    () => ({
      kind: 'content-type',
      headers: {
        'content-type': r.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/graphql',
          'application/json; charset=utf-16',
          '',
        ]),
      },
      body: json({ query: r.pick(QUERIES) }),
    }),
    () => ({
      kind: 'content-encoding',
      headers: { 'content-encoding': r.pick(['gzip', 'br', 'deflate', 'x-bogus']) },
      body: r.bytes(200),
    }),
    () => ({
      kind: 'get-query',
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(r.pick([r.text(200), deep(40), 'mutation { upsertZone(input: {id: "g", name: "G"}) { id } }', '{ viewer { name } }']))}&variables=${encodeURIComponent(r.pick(['{', 'null', '[]', '{"a":NaN}']))}`,
      body: undefined,
    }),
    () => ({ kind: 'method', method: r.pick(['PUT', 'DELETE', 'PATCH']), body: json({ query: r.pick(QUERIES) }) }),
    // Server-sent events: hostile subscriptions and requests (never a valid one: it would stream).
    () => ({
      kind: 'sse-body',
      path: '/graphql/stream',
      headers: {
        accept: r.pick(['text/event-stream', 'text/event-stream', 'application/json', '*/*']),
        ...(r.int(8) === 0 ? { 'content-type': 'text/plain' } : {}),
      },
      body: r.pick<() => string>([
        () => json({ query: deep(8 + r.int(40)).replace('{ zones {', 'subscription { sensorUpdated { zone {') }),
        () =>
          json({
            query: `subscription { readingAdded { ${Array.from({ length: 31 + r.int(3000) }, (_, i) => `a${i}: value`).join(' ')} } }`,
          }),
        () => json({ query: `subscription { readingAdded { ${'value '.repeat(10_001 + r.int(50_000))} } }` }),
        () => json({ query: `subscription { ${r.text(1 + r.int(2000))}` }),
        () => json({ query: r.pick(QUERIES) }),
        () => json({ query: 'mutation { upsertZone(input: { id: "sse", name: "S" }) { id } }' }),
        () => json({ query: hostileValue(), variables: hostileValue() }),
        () => json(r.pick<unknown>([null, 1, [], 'x'])),
        () => json({ query: 'subscription { nope }' }),
        () => json({ query: 'subscription { readingAdded { value } }' }).slice(0, 1 + r.int(40)),
      ])(),
    }),
    () => ({
      kind: 'sse-get',
      method: r.pick(['GET', 'PUT', 'DELETE']),
      path: `/graphql/stream?query=${encodeURIComponent(r.pick(['', r.text(100), deep(30), '{ viewer { name } }']))}&variables=${encodeURIComponent(r.pick(['{', '[]', '"x"', '{"a":NaN}']))}`,
      headers: { accept: 'text/event-stream' },
      body: undefined,
    }),
    // POST /api/readings: hostile envelopes and items (per-item codes, or a coded refusal).
    () => {
      const item = () =>
        r.pick<unknown>([
          { sensorId: hostileValue(), timestamp: '2026-11-28T00:00:00Z', value: 1 },
          { sensorId: 'f1', timestamp: hostileValue(), value: 1 },
          {
            sensorId: 'f1',
            timestamp: r.pick(['-005000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '2026-13-45T99:00:00Z']),
            value: 1,
          },
          { sensorId: `f1${String.fromCharCode(r.int(32))}`, timestamp: '2026-11-28T00:00:00Z', value: 1 },
          { sensorId: 'f1', timestamp: '2026-11-28T00:00:00Z', value: hostileValue() },
          hostileValue(),
        ]);
      const body = r.pick<() => string>([
        () => json({ readings: Array.from({ length: 1 + r.int(30) }, item) }),
        () => json({ readings: hostileValue() }),
        () => json(hostileValue()),
        () =>
          `{"readings":[{"sensorId":"f1","timestamp":"2026-11-28T00:00:00Z","value":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`,
        () => `{"readings":[{"sensorId":"f\\u0000","timestamp":"2026-11-28T00:00:00Z","value":1}]}`,
        () => json({ readings: [item()] }).slice(0, 1 + r.int(40)),
      ])();
      return {
        kind: 'rest-ingest',
        path: '/api/readings',
        headers: r.pick([
          {},
          { authorization: 'VIEWER' },
          { authorization: 'Bearer st_nope' },
          { 'content-type': 'text/plain' },
        ]),
        body,
      };
    },
    () => ({
      kind: 'path',
      method: r.pick(['GET', 'POST']),
      path: r.pick([
        '/metrics',
        '/graphql/..%2f',
        '/%00',
        '/readyz?x=' + 'a'.repeat(2000),
        '/api/keys',
        '/graphiql/../../etc/passwd',
        '/graphql;x',
      ]),
      body: undefined,
    }),
  ];
  return r.pick(kinds)();
}

interface WsCase {
  kind: string;
  /** Frames sent after the socket opens (after connection_init when `init` is set). */
  frames: (string | Buffer)[];
  init: unknown;
}

function wsCase(r: ReturnType<typeof prng>): WsCase {
  const sub = (id: unknown, query: unknown, variables?: unknown) =>
    JSON.stringify({ id, type: 'subscribe', payload: { query, variables } });
  const goodInit = { type: 'connection_init', payload: { authorization: `Bearer ${ADMIN}` } };
  const kinds: (() => WsCase)[] = [
    () => ({ kind: 'random-bytes', init: null, frames: [r.bytes(1 + r.int(2000))] }),
    () => ({ kind: 'not-json', init: null, frames: [r.text(1 + r.int(500))] }),
    () => ({
      kind: 'wrong-shape',
      init: null,
      frames: [JSON.stringify(r.pick<unknown>([null, 1, [], { type: 7 }, { type: 'nope' }, { id: {} }]))],
    }),
    () => ({
      kind: 'bad-init-key',
      init: {
        type: 'connection_init',
        payload: r.pick<unknown>([
          null,
          5,
          'x',
          { authorization: 'Bearer st_nope' },
          { authorization: 12 },
          { authorization: 'k'.repeat(10_000) },
        ]),
      },
      frames: [],
    }),
    () => ({
      kind: 'subscribe-before-init',
      init: null,
      frames: [sub('1', 'subscription { readingAdded { value } }')],
    }),
    () => ({ kind: 'double-init', init: goodInit, frames: [JSON.stringify(goodInit)] }),
    () => ({
      kind: 'bad-subscribe',
      init: goodInit,
      frames: [
        sub(
          r.pick<unknown>(['1', '', null, 5, 'x'.repeat(5000)]),
          r.pick<unknown>([
            r.text(100),
            deep(60),
            5,
            null,
            'subscription { nope }',
            `subscription { ${Array.from({ length: 400 }, (_, i) => `a${i}: readingAdded { value }`).join(' ')} }`,
          ]),
          r.pick<unknown>([null, 'x', [], { a: 'NaN' }]),
        ),
      ],
    }),
    () => ({
      kind: 'duplicate-id',
      init: goodInit,
      frames: [
        sub('d', 'subscription { readingAdded { value } }'),
        sub('d', 'subscription { readingAdded { value } }'),
      ],
    }),
    () => ({
      kind: 'too-many-subscriptions',
      init: goodInit,
      frames: Array.from({ length: 60 }, (_, i) => sub(`s${i}`, 'subscription { ticketUpdated { id } }')),
    }),
    () => ({
      kind: 'oversized-frame',
      init: goodInit,
      frames: [sub('big', `subscription { readingAdded { value } } #${'x'.repeat(300_000)}`)],
    }),
    () => ({
      kind: 'query-over-ws',
      init: goodInit,
      frames: [
        sub(
          'q',
          r.pick([deep(30), '{ viewer { name } }', 'mutation { upsertZone(input: { id: "w", name: "W" }) { id } }']),
        ),
      ],
    }),
    () => ({
      kind: 'complete-unknown',
      init: goodInit,
      frames: [JSON.stringify({ id: 'never', type: 'complete' }), JSON.stringify({ type: 'pong' })],
    }),
  ];
  return r.pick(kinds)();
}

/** Close codes that say what was wrong (graphql-ws 44xx, 1009 too big); never 1011 (server error). */
const CLEAN_CLOSES = new Set([1000, 1009, 4400, 4401, 4403, 4408, 4409, 4429, 4499]);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function checkBody(kind: string, status: number, text: string, problems: string[]) {
  const where = `${kind} (${status})`;
  if (status >= 500) problems.push(`${where}: server error ${text.slice(0, 200)}`);
  if (/INTERNAL_SERVER_ERROR/.test(text)) problems.push(`${where}: INTERNAL_SERVER_ERROR ${text.slice(0, 300)}`);
  // An ingest item the server could not handle is a per-item INTERNAL_ERROR: a fault too.
  if (/"code":"INTERNAL_ERROR"/.test(text)) problems.push(`${where}: per-item INTERNAL_ERROR ${text.slice(0, 300)}`);
  if (/\n\s+at .+:\d+:\d+/.test(text) || /"stack"/.test(text)) problems.push(`${where}: stack in answer`);
  if (text.length > 20_000 && status !== 200) problems.push(`${where}: ${text.length}-character error answer`);
  if (status >= 400) {
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${where}: not JSON: ${text.slice(0, 120)}`);
      return;
    }
    const codes = Array.isArray(body?.errors) ? body.errors.map((e: any) => e?.extensions?.code) : [body?.code];
    if (!codes.length || codes.some((c: unknown) => typeof c !== 'string')) {
      problems.push(`${where}: error without a code: ${text.slice(0, 200)}`);
    }
  }
}

describe.each(TARGETS)('fuzz: hostile HTTP and WebSocket traffic against the server process on %s', (target) => {
  let server: ServerProcess;
  let dataDir: string;
  let database: TestDatabase;
  let viewerKey = '';
  const problems: string[] = [];
  const codes = new Map<string, number>();
  let peakRss = 0;
  let startRss = 0;
  let sampler: NodeJS.Timeout;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'st-fuzz-'));
    database = await createTestDatabase(target);
    server = await startServerProcess({
      ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir }),
      ADMIN_API_KEY: ADMIN,
      RATE_LIMIT_MAX: '0',
      MAX_BATCH_SIZE: '2000',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      LOG_REQUESTS: 'false',
      SWEEP_INTERVAL_SECONDS: '0',
    });
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
    const setup = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        query: `mutation { upsertZone(input: { id: "fz", name: "Fuzz" }) { id }
          upsertSensor(input: { id: "f1", name: "F1", kind: "temperature", zoneId: "fz" }) { id }
          createApiKey(name: "${VIEWER_KEY_NAME}", role: VIEWER) { key } }`,
      }),
    });
    const created = (await setup.json()) as any;
    expect(created.errors).toBeUndefined();
    viewerKey = created.data.createApiKey.key;
    startRss = rssMb(server.child.pid!);
    peakRss = startRss;
    sampler = setInterval(() => {
      if (server.child.exitCode === null) peakRss = Math.max(peakRss, rssMb(server.child.pid!));
    }, 100);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    await server?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`${HTTP_CASES} hostile HTTP requests and ${WS_SOCKETS} hostile WebSockets: every answer coded, the process up and bounded, a normal query works`, async () => {
    const r = prng(SEED);
    console.log(`fuzz seed ${SEED} (FUZZ_SEED to replay another)`);
    const cases = Array.from({ length: HTTP_CASES }, () => httpCase(r));
    const count = (kind: string) => codes.set(kind, (codes.get(kind) ?? 0) + 1);

    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        if (!c) break;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          authorization: `Bearer ${ADMIN}`,
          ...c.headers,
        };
        if (headers.authorization === 'VIEWER') headers.authorization = `Bearer ${viewerKey}`;
        if (headers['content-type'] === '') delete headers['content-type'];
        const method = c.method ?? 'POST';
        let res: Response;
        try {
          res = await fetch(`${server.url}${c.path ?? '/graphql'}`, {
            method,
            headers,
            body: method === 'GET' ? undefined : c.body,
          });
        } catch (err) {
          const cause = String((err as Error).cause ?? err);
          // A body over the limit is refused from its Content-Length, before it is read
          // (413, then the connection closes). A client still writing the megabytes when
          // the answer comes may see the socket close instead of the 413: a refusal too.
          if (Buffer.byteLength(c.body ?? '') > BODY_LIMIT && /EPIPE|ECONNRESET/.test(cause)) {
            count('HTTP 413 (socket closed while the body was still being sent)');
            continue;
          }
          problems.push(`${c.kind}: request failed: ${cause}`);
          continue;
        }
        const text = await res.text();
        checkBody(c.kind, res.status, text, problems);
        // Whatever the request, the answer carries the security headers.
        if (!res.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"))
          problems.push(`${c.kind}: HTTP ${res.status} without the Content-Security-Policy`);
        if (res.headers.get('x-content-type-options') !== 'nosniff')
          problems.push(`${c.kind}: HTTP ${res.status} without X-Content-Type-Options`);
        count(`HTTP ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    // WebSockets: each socket sends its hostile frames, then a ping; the pong (or the
    // close) says the server has handled everything before it.
    const wsCases = Array.from({ length: WS_SOCKETS }, () => wsCase(r));
    let frames = 0;
    const runSocket = (c: WsCase) =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
        const timer = setTimeout(() => {
          problems.push(`ws ${c.kind}: no pong or close within 30 s`);
          ws.terminate();
        }, 30_000);
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        ws.on('open', () => {
          if (c.init) ws.send(JSON.stringify(c.init));
          for (const f of c.frames) ws.send(f);
          frames += c.frames.length + (c.init ? 1 : 0) + 1;
          ws.send(JSON.stringify({ type: 'ping' }));
        });
        ws.on('message', (data) => {
          const text = (data as Buffer).toString('utf8');
          checkBody(`ws ${c.kind}`, 200, text, problems);
          let message: { type: string; payload?: any };
          try {
            message = JSON.parse(text) as typeof message;
          } catch {
            problems.push(`ws ${c.kind}: a frame that is not JSON: ${text.slice(0, 100)}`);
            return;
          }
          if (message.type === 'error') {
            const errs = Array.isArray(message.payload) ? message.payload : [message.payload];
            for (const e of errs)
              if (typeof e?.message !== 'string') problems.push(`ws ${c.kind}: error without a message`);
            count('WS error');
          }
          if (message.type === 'pong') {
            count('WS pong');
            ws.close(1000);
          }
        });
        ws.on('close', (code) => {
          count(code === 1000 ? 'WS close 1000' : `WS close ${code} (${c.kind})`);
          if (!CLEAN_CLOSES.has(code) && code !== 1005) problems.push(`ws ${c.kind}: closed with ${code}`);
          finish();
        });
        ws.on('error', () => undefined); // the close follows
      });
    for (let i = 0; i < wsCases.length; i += 6) await Promise.all(wsCases.slice(i, i + 6).map(runSocket));

    console.log(
      `fuzz (${target}): ${cases.length} HTTP requests, ${wsCases.length} sockets (${frames} frames); answers ${JSON.stringify(Object.fromEntries([...codes].sort()))}; RSS ${startRss.toFixed(0)} → peak ${peakRss.toFixed(0)} MB`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(cases.length + frames).toBeGreaterThanOrEqual(1000);

    // Up, bounded, quiet, and still serving.
    expect(server.child.exitCode).toBeNull();
    expect(peakRss - startRss).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ok = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${viewerKey}` },
      body: JSON.stringify({ query: '{ zone(id: "fz") { id sensors { id } } viewer { name role } }' }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      data: { zone: { id: 'fz', sensors: [{ id: 'f1' }] }, viewer: { name: VIEWER_KEY_NAME, role: 'VIEWER' } },
    });
    const errorLines = server
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errorLines.slice(0, 5)).toEqual([]);
  }, 300_000);
});
