// GraphQL subscriptions over a real socket (graphql-ws client, `ws`), server on
// port 0: server-side filtering, batch fan-out, row loading, coalesced
// dashboard pushes, keep-alive of dead peers and clean shutdown.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const UPSERT_ZONE = `mutation($input: ZoneInput!) { upsertZone(input: $input) { id } }`;
const UPSERT_SENSOR = `mutation($input: SensorInput!) { upsertSensor(input: $input) { id } }`;
const INGEST = `mutation($readings: [ReadingInput!]!) { ingestReadings(readings: $readings) { accepted rejected errors { code message } } }`;
const READING_ADDED = `subscription($sensorId: ID, $zoneId: ID) { readingAdded(sensorId: $sensorId, zoneId: $zoneId) { sensorId timestamp value } }`;
const SENSOR_UPDATED = `subscription($sensorId: ID, $zoneId: ID) { sensorUpdated(sensorId: $sensorId, zoneId: $zoneId) { id name zone { id } trust { status } } }`;
const TICKET_UPDATED = `subscription($sensorId: ID, $zoneId: ID) { ticketUpdated(sensorId: $sensorId, zoneId: $zoneId) { id status sensor { id } } }`;
const DASHBOARD_UPDATED = `subscription { dashboardUpdated { sensorCount generatedAt } }`;

const NOW = Date.now();

describe.each(TARGETS)('subscriptions on %s', (target) => {
  let t: TestApp;
  let url: string;
  const clients: Client[] = [];
  const client = () => {
    const c = wsClient(url);
    clients.push(c);
    return c;
  };
  const hub = () => t.app.services.subscriptions.counts();

  beforeAll(async () => {
    t = await startTestApp(target, { env: { DASHBOARD_COALESCE_MS: '300', WS_KEEPALIVE_MS: '300' } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const zone of ['north', 'south']) await t.gql(UPSERT_ZONE, { input: { id: zone, name: zone } });
    const sensors = [
      ['n1', 'north'],
      ['n2', 'north'],
      ['s1', 'south'],
    ];
    for (const [id, zoneId] of sensors) {
      const res = await t.gql(UPSERT_SENSOR, {
        input: { id, name: id, kind: 'temperature', zoneId, expectedIntervalSeconds: 60 },
      });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
  });

  it('fans an ingest batch out into readings and sends each client only what its filter accepts', async () => {
    const c = client();
    const bySensor = collect(c, READING_ADDED, { sensorId: 'n1' });
    const byZone = collect(c, READING_ADDED, { zoneId: 'south' });
    const both = collect(c, READING_ADDED, { sensorId: 'n2', zoneId: 'south' }); // n2 is in north: nothing
    const all = collect(c, READING_ADDED);
    await waitUntil(() => hub().readingAdded === 4, 5000, 'four readingAdded subscriptions');

    const ts = (i: number) => new Date(NOW - 60_000 + i * 1000).toISOString();
    const res = await t.gql(INGEST, {
      readings: [
        { sensorId: 'n1', timestamp: ts(0), value: 20.5 },
        { sensorId: 'n2', timestamp: ts(0), value: 21 },
        { sensorId: 's1', timestamp: ts(0), value: 22 },
        { sensorId: 'n1', timestamp: ts(1), value: 20.7 },
      ],
    });
    expect(res.data!.ingestReadings).toMatchObject({ accepted: 4, rejected: 0 });

    await all.waitFor(4);
    expect(await bySensor.waitFor(2)).toEqual([
      { readingAdded: { sensorId: 'n1', timestamp: ts(0), value: 20.5 } },
      { readingAdded: { sensorId: 'n1', timestamp: ts(1), value: 20.7 } },
    ]);
    expect(await byZone.waitFor(1)).toEqual([{ readingAdded: { sensorId: 's1', timestamp: ts(0), value: 22 } }]);
    // Nothing else may trickle in. Barrier: a marker batch sent afterwards is fanned out to every
    // stream in the same pass, after the first batch; once each stream that accepts it has it (and
    // `all` shares the socket with `both`), anything left over from the first batch would be here.
    const marker = [
      { sensorId: 'n1', timestamp: ts(2), value: 1 },
      { sensorId: 's1', timestamp: ts(2), value: 2 },
    ];
    expect((await t.gql(INGEST, { readings: marker })).data!.ingestReadings).toMatchObject({ accepted: 2 });
    await Promise.all([bySensor.waitFor(3), byZone.waitFor(2), all.waitFor(6)]);
    expect(bySensor.items.map((i) => i.readingAdded.value)).toEqual([20.5, 20.7, 1]);
    expect(byZone.items.map((i) => i.readingAdded.value)).toEqual([22, 2]);
    expect(both.items).toHaveLength(0);
    expect(all.items.map((i) => i.readingAdded.sensorId).sort()).toEqual(['n1', 'n1', 'n1', 'n2', 's1', 's1']);
    for (const s of [bySensor, byZone, both, all]) {
      expect(s.errors).toEqual([]);
      s.dispose();
    }
    await waitUntil(() => hub().readingAdded === 0, 5000, 'unsubscribed streams to be released');
  });

  it('sends sensorUpdated with the loaded Sensor (nested fields included) to matching subscribers only', async () => {
    const c = client();
    const south = collect(c, SENSOR_UPDATED, { zoneId: 'south' });
    const n2 = collect(c, SENSOR_UPDATED, { sensorId: 'n2' });
    await waitUntil(() => hub().sensorUpdated === 2, 5000, 'sensorUpdated subscriptions');

    await t.gql(UPSERT_SENSOR, { input: { id: 's1', name: 'South one', kind: 'temperature', zoneId: 'south' } });
    expect(await south.waitFor(1)).toEqual([
      { sensorUpdated: { id: 's1', name: 'South one', zone: { id: 'south' }, trust: { status: 'UNKNOWN' } } },
    ]);
    // Barrier: loads and deliveries run in order per topic, so a change to n2 made afterwards is
    // the first thing n2's stream may receive.
    await t.gql(UPSERT_SENSOR, { input: { id: 'n2', name: 'n2', kind: 'temperature', zoneId: 'north' } });
    expect((await n2.waitFor(1)).map((i) => i.sensorUpdated.id)).toEqual(['n2']);
    expect(south.items).toHaveLength(1);
    south.dispose();
    n2.dispose();
  });

  it('sends ticketUpdated with the loaded Ticket after a ticket changes, filtered by sensor', async () => {
    const prisma = t.app.db.prisma;
    const ticket = await prisma.ticket.create({
      data: { sensorId: 'n1', kind: 'SPIKE', severity: 'LOW', title: 'Spikes on n1' },
    });
    const c = client();
    const n1 = collect(c, TICKET_UPDATED, { sensorId: 'n1' });
    const south = collect(c, TICKET_UPDATED, { zoneId: 'south' });
    await waitUntil(() => hub().ticketUpdated === 2, 5000, 'ticketUpdated subscriptions');

    const res = await t.gql(`mutation($id: ID!) { acknowledgeTicket(id: $id, note: "on it") { status } }`, {
      id: ticket.id,
    });
    expect(res.errors).toBeUndefined();
    expect(await n1.waitFor(1)).toEqual([
      { ticketUpdated: { id: ticket.id, status: 'ACKNOWLEDGED', sensor: { id: 'n1' } } },
    ]);
    // Barrier: ticket loads and deliveries run in order, so a change to a south ticket made
    // afterwards is the first thing the south stream may receive.
    const southTicket = await prisma.ticket.create({
      data: { sensorId: 's1', kind: 'SPIKE', severity: 'LOW', title: 'Spikes on s1' },
    });
    await t.gql(`mutation($id: ID!) { acknowledgeTicket(id: $id) { status } }`, { id: southTicket.id });
    expect((await south.waitFor(1)).map((i) => i.ticketUpdated.id)).toEqual([southTicket.id]);
    expect(n1.items).toHaveLength(1);
    n1.dispose();
    south.dispose();
  });

  it('coalesces dashboardUpdated: at most one push per interval and always one after the last change', async () => {
    const c = client();
    const dash = collect<{ dashboardUpdated: { sensorCount: number; generatedAt: string } }>(c, DASHBOARD_UPDATED);
    await waitUntil(() => hub().dashboardUpdated === 1, 5000, 'dashboardUpdated subscription');
    // 15 writes as fast as they go (well under a second), each one a change.
    const started = performance.now();
    for (let i = 0; i < 15; i++) {
      await t.gql(UPSERT_SENSOR, { input: { id: `burst-${i}`, name: `Burst ${i}`, kind: 'co2', zoneId: 'north' } });
    }
    const writesTook = performance.now() - started;
    const total = 3 + 15;
    // The trailing push (after the last write) carries every sensor.
    await waitUntil(() => dash.items.at(-1)?.dashboardUpdated.sensorCount === total, 5000, 'the trailing push');
    expect(dash.items.length).toBeGreaterThanOrEqual(1);
    // At most one per 300 ms window over the burst, plus the trailing one.
    expect(dash.items.length).toBeLessThanOrEqual(Math.ceil(writesTook / 300) + 2);
    // Spacing on the server: each summary is computed (generatedAt) at least one
    // interval after the previous push was delivered.
    const computedAt = dash.items.map((i) => Date.parse(i.dashboardUpdated.generatedAt));
    for (let i = 1; i < computedAt.length; i++) expect(computedAt[i]! - computedAt[i - 1]!).toBeGreaterThanOrEqual(299);
    expect(dash.items.at(-1)!.dashboardUpdated.sensorCount).toBe(total);
    dash.dispose();
  });

  it('terminates a peer that stops answering pings, without disturbing others', async () => {
    const wsUrl = url.replace(/^http/, 'ws') + '/graphql';
    const silent = new WebSocket(wsUrl, 'graphql-transport-ws', { autoPong: false });
    await new Promise((resolve) => silent.once('open', resolve));
    silent.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => silent.once('message', resolve));
    silent.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: DASHBOARD_UPDATED } }));
    const healthy = collect(client(), DASHBOARD_UPDATED);
    await waitUntil(() => hub().dashboardUpdated === 2, 5000, 'both subscriptions');

    const closed = await new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    expect(closed).toBe(1006); // terminated by the heartbeat (no closing handshake)
    await waitUntil(() => hub().dashboardUpdated === 1, 5000, 'the dead subscription to be released');
    await t.gql(UPSERT_SENSOR, { input: { id: 'after-dead', name: 'x', kind: 'co2' } });
    await healthy.waitFor(1);
    healthy.dispose();
  });
});

/** A bare graphql-transport-ws peer (no client library) subscribed to `query` on a fresh app. */
async function rawSubscriber(target: (typeof TARGETS)[number], query: string) {
  const t = await startTestApp(target);
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return { t, ws };
}

describe.each(TARGETS)('subscription shutdown on %s', (target) => {
  it('closes subscriber sockets with 1001 and completes streams when the server closes', async () => {
    const { t, ws } = await rawSubscriber(target, READING_ADDED);
    await waitUntil(() => t.app.services.subscriptions.counts().readingAdded === 1, 5000, 'subscription');

    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const started = performance.now();
    await t.close();
    expect(await closed).toBe(1001);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(t.app.services.subscriptions.counts().readingAdded).toBe(0);
  });

  it('does not wait on a peer that never answers the closing handshake', async () => {
    const { t, ws } = await rawSubscriber(target, DASHBOARD_UPDATED);
    await waitUntil(() => t.app.services.subscriptions.counts().dashboardUpdated === 1, 5000, 'subscription');
    (ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stalled peer: reads nothing any more

    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(8000);
    ws.terminate();
  });
});
