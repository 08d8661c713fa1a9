// /metrics after real activity: ingestion with rejected items, named and anonymous
// GraphQL operations, a WebSocket with two subscriptions, a sensor gone out of range
// (a ticket), a request without a key. Every family the operators' dashboards read
// is there with the values that activity implies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationLabels } from '../src/http/app-metrics.js';
import { STATE_RESET_REASONS } from '../src/trust/index.js';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const KEY = 'st_metrics-admin-key-0123456789abcdef01';
const T0 = Date.now() - 3 * 3_600_000;
const iso = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples by metric name. */
function parse(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

function value(metrics: Map<string, Sample[]>, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = (metrics.get(name) ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : undefined;
}

describe('operation labels', () => {
  it('names each operation, anonymous without a name, and "other" beyond the bound or for odd names', () => {
    const label = operationLabels(3);
    expect([label(null), label('A'), label('B'), label('A'), label('C')]).toEqual(['anonymous', 'A', 'B', 'A', 'C']);
    expect(label('D')).toBe('other');
    expect(label('B')).toBe('B');
    expect(operationLabels()('x'.repeat(65))).toBe('other');
  });
});

describe.each(TARGETS)('/metrics on %s', (target) => {
  let t: TestApp;
  let url: string;
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { query, variables },
    });
    const body = res.json();
    expect(body.errors).toBeUndefined();
    return body.data;
  };

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: KEY } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await gql(`mutation { upsertZone(input: { id: "mz", name: "M" }) { id } }`);
    for (const id of ['m1', 'm2', 'm3'])
      await gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', zoneId: 'mz', minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 },
      });
  });
  afterAll(() => t?.close());

  it('reports readings by outcome and code, operation latency, trust, tickets, sockets, subscriptions, pool, event loop and auth failures', async () => {
    const ws = wsClient(url, { apiKey: KEY });
    const readings = collect(ws, 'subscription { readingAdded(sensorId: "m1") { value } }');
    const dashboard = collect(ws, 'subscription { dashboardUpdated { sensorCount } }');
    await waitUntil(
      () => t.app.services.subscriptions.counts().readingAdded === 1,
      10_000,
      'the readingAdded subscription',
    );
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated === 1, 10_000, 'the dashboard one');

    const INGEST = `mutation Ingest($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;
    // 60 healthy minutes on each sensor, then m1 reports impossible values (a ticket).
    for (const id of ['m1', 'm2', 'm3']) {
      const r = Array.from({ length: 60 }, (_, i) => ({ sensorId: id, timestamp: iso(i), value: 20 + Math.sin(i) }));
      expect((await gql(INGEST, { r })).ingestReadings).toMatchObject({ accepted: 60, rejected: 0 });
    }
    const bad = Array.from({ length: 15 }, (_, i) => ({ sensorId: 'm1', timestamp: iso(60 + i), value: 500 }));
    const mixed = [
      ...bad,
      { sensorId: 'nope', timestamp: iso(1), value: 1 },
      { sensorId: 'nope', timestamp: iso(2), value: 1 },
      { sensorId: 'm2', timestamp: new Date(Date.now() + 3_600_000).toISOString(), value: 1 },
      { sensorId: 'm2', timestamp: iso(0), value: 20 }, // stored already: a duplicate
    ];
    expect((await gql(INGEST, { r: mixed })).ingestReadings).toEqual({ accepted: 15, duplicates: 1, rejected: 3 });
    await readings.waitFor(61);
    await t.processed();
    await gql('{ zones { id } }');
    await gql('query Fleet { sensors(first: 5) { nodes { id } } }');
    await t.app.services.dashboard.invalidateDashboard(); // the summary below reflects the ticket
    expect(
      (await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ zones { id } }' } })).statusCode,
    ).toBe(401);

    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEY}` } });
    expect(res.statusCode).toBe(200);
    const m = parse(res.body);

    expect(value(m, 'sensor_trust_readings_total', { outcome: 'accepted' })).toBe(195);
    expect(value(m, 'sensor_trust_readings_total', { outcome: 'duplicate' })).toBe(1);
    expect(value(m, 'sensor_trust_readings_total', { outcome: 'rejected', code: 'UNKNOWN_SENSOR' })).toBe(2);
    expect(value(m, 'sensor_trust_readings_total', { outcome: 'rejected', code: 'FUTURE_TIMESTAMP' })).toBe(1);

    const count = (operation: string) =>
      value(m, 'sensor_trust_graphql_request_duration_seconds_count', { operation }) ?? 0;
    expect(count('Ingest')).toBe(4);
    expect(count('Fleet')).toBe(1);
    expect(count('anonymous')).toBeGreaterThanOrEqual(5); // registry, zones, 401
    const ingestSeconds = value(m, 'sensor_trust_graphql_request_duration_seconds_sum', { operation: 'Ingest' })!;
    expect(ingestSeconds).toBeGreaterThan(0);
    expect(ingestSeconds).toBeLessThan(60);
    expect(value(m, 'sensor_trust_graphql_request_duration_seconds_bucket', { operation: 'Ingest', le: '+Inf' })).toBe(
      4,
    );

    expect(value(m, 'sensor_trust_sensors_by_trust_status')).toBe(3);
    expect(value(m, 'sensor_trust_sensors_by_trust_status', { status: 'FAULTY' })).toBeGreaterThanOrEqual(1);
    const tickets = (m.get('sensor_trust_open_tickets') ?? []).filter((s) => s.value > 0);
    expect(tickets.map((s) => s.labels.severity)).toHaveLength(1);
    expect(tickets[0]!.value).toBe(1);

    expect(value(m, 'sensor_trust_websocket_sockets')).toBe(1);
    expect(value(m, 'sensor_trust_subscriptions', { field: 'readingAdded' })).toBe(1);
    expect(value(m, 'sensor_trust_subscriptions', { field: 'dashboardUpdated' })).toBe(1);
    expect(value(m, 'sensor_trust_subscriptions', { field: 'ticketUpdated' })).toBe(0);

    const size = value(m, 'sensor_trust_db_pool_connections', { state: 'size' })!;
    expect(size).toBe(target === 'postgres' ? 8 : 1);
    const inUse = value(m, 'sensor_trust_db_pool_connections', { state: 'in_use' })!;
    expect(inUse).toBeGreaterThanOrEqual(0);
    expect(inUse).toBeLessThanOrEqual(size);
    // The trust stream may be queued for a connection at the moment of the scrape.
    const waiting = value(m, 'sensor_trust_db_pool_connections', { state: 'waiting' })!;
    expect(Number.isInteger(waiting) && waiting >= 0 && waiting <= 8).toBe(true);

    const lag = value(m, 'sensor_trust_nodejs_eventloop_lag_seconds')!;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
    expect(value(m, 'sensor_trust_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);

    expect(value(m, 'sensor_trust_auth_failures_total', { reason: 'missing' })).toBe(2);
    // Every stored state was restored: each reason is listed, at 0 (trust-state-reset.test.ts counts some).
    expect((m.get('sensor_trust_state_resets_total') ?? []).map((s) => [s.labels.reason, s.value])).toEqual(
      STATE_RESET_REASONS.map((reason) => [reason, 0]),
    );

    readings.dispose();
    dashboard.dispose();
    await ws.dispose();
    await waitUntil(() => t.app.websocketServer.clients.size === 0, 5000, 'the socket to close');
    await waitUntil(
      () => Object.values(t.app.services.subscriptions.counts()).every((n) => n === 0),
      5000,
      'the subscriptions to end',
    );
    const after = parse((await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEY}` } })).body);
    expect(value(after, 'sensor_trust_websocket_sockets')).toBe(0);
    expect(value(after, 'sensor_trust_subscriptions')).toBe(0);
  }, 60_000);
});
