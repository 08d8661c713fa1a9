// Webhook notifications through the real app, database and a real local HTTP
// receiver: signed JSON, one notification per ticket change (never per reading),
// routing by severity and zone, the delivery log, and retries to a receiver that is
// down and comes back.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { first } from './support/narrow.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { event: string; deliveryId: string; receiver: string; ticket: { id: string; kind: string } | null };
}

/** A real webhook endpoint on a local port; `status` is what it answers. */
async function startReceiver(port = 0, status = 204) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    port: address.port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected errors { code message } } }`;
const CREATE = `mutation($i: NotificationReceiverInput!) { createNotificationReceiver(input: $i) { id name url minSeverity zoneIds } }`;
const DELIVERY = 'id event ticketId status attempts lastStatusCode lastError payload';

describe.each(TARGETS)('webhook notifications on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  let minute = 0;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let otherZone: Awaited<ReturnType<typeof startReceiver>>;
  let critical: Awaited<ReturnType<typeof startReceiver>>;
  const ids: Record<string, string> = {};

  const readings = async (sensorId: string, values: number[]) => {
    const r = values.map((value) => ({
      sensorId,
      timestamp: new Date(T0 + minute++ * 60_000).toISOString(),
      value,
    }));
    clock = T0 + minute * 60_000;
    const res = await t.gql(INGEST, { r });
    expect(res.data!.ingestReadings).toMatchObject({ accepted: values.length, errors: [] });
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      backgroundJobs: true,
      env: { NOTIFY_POLL_MS: '100', NOTIFY_RETRY_BASE_MS: '150', NOTIFY_MAX_ATTEMPTS: '20' },
    });
    hook = await startReceiver();
    otherZone = await startReceiver();
    critical = await startReceiver();
    await t.gql(
      `mutation { a: upsertZone(input: { id: "a", name: "A" }) { id } b: upsertZone(input: { id: "b", name: "B" }) { id } }`,
    );
    const sensor = await t.gql(
      `mutation { upsertSensor(input: { id: "s1", name: "s1", kind: "temperature", zoneId: "a", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
    );
    expect(sensor.errors).toBeUndefined();
    for (const [name, url, extra] of [
      ['all', hook.url, {}],
      ['zone b', otherZone.url, { zoneIds: ['b'] }],
      ['critical only', critical.url, { minSeverity: 'CRITICAL' }],
    ] as const) {
      const res = await t.gql(CREATE, { i: { name, url, secret: `secret of ${name}`, ...extra } });
      expect(res.errors).toBeUndefined();
      ids[name] = res.data!.createNotificationReceiver.id;
    }
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([hook, otherZone, critical].map((r) => r?.close()));
  });

  it('sends a signed TEST notification and logs the delivery', async () => {
    const res = await t.gql(`mutation($id: ID!) { sendTestNotification(receiverId: $id) { ${DELIVERY} } }`, {
      id: ids.all,
    });
    expect(res.errors).toBeUndefined();
    const delivery = res.data!.sendTestNotification;
    expect(delivery).toMatchObject({ event: 'TEST', status: 'DELIVERED', attempts: 1, lastStatusCode: 204 });
    expect(hook.received).toHaveLength(1);
    const { headers, body, json } = first(hook.received, 'a delivery');
    const expected = createHmac('sha256', 'secret of all').update(body).digest('hex');
    expect(headers['x-sensor-trust-signature']).toBe(`sha256=${expected}`);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-sensor-trust-delivery']).toBe(delivery.id);
    expect(json).toMatchObject({ event: 'TEST', deliveryId: delivery.id, receiver: 'all', ticket: null });
    expect(body).toBe(delivery.payload);
    hook.received.length = 0;
  });

  it('notifies a ticket opening once however many readings repeat it, routed by zone and severity', async () => {
    await readings(
      's1',
      Array.from({ length: 30 }, (_, i) => 20 + Math.sin(i)),
    );
    await readings('s1', [500, 510, 520, 530, 540, 550, 560, 570, 580, 590]);
    await vi.waitFor(() => expect(hook.received).toHaveLength(1), { timeout: 10_000, interval: 50 });
    for (let i = 0; i < 5; i++) await readings('s1', [500, 600]);
    await settle();
    expect(hook.received.map((r) => r.json.event)).toEqual(['TICKET_OPENED']);
    const ticket = hook.received[0]!.json.ticket!;
    expect(ticket).toMatchObject({ kind: 'OUT_OF_RANGE' });
    ids.ticket = ticket.id;
    // The zone-b receiver hears nothing of a zone-a ticket; the CRITICAL-only one only if it is CRITICAL.
    expect(otherZone.received).toHaveLength(0);
    const severity = (hook.received[0]!.json.ticket as unknown as { severity: string }).severity;
    expect(critical.received.map((r) => r.json.event)).toEqual(severity === 'CRITICAL' ? ['TICKET_OPENED'] : []);
    const log = await t.gql(`{ notificationReceivers { name deliveries { event status ticketId } } }`);
    const all = log.data!.notificationReceivers.find((r: { name: string }) => r.name === 'all');
    expect(all.deliveries).toEqual([
      { event: 'TICKET_OPENED', status: 'DELIVERED', ticketId: ticket.id },
      { event: 'TEST', status: 'DELIVERED', ticketId: null },
    ]);
  });

  it('notifies a resolution and a reopening once each', async () => {
    const resolved = await t.gql(`mutation($id: ID!) { resolveTicket(id: $id, note: "replaced") { status } }`, {
      id: ids.ticket,
    });
    expect(resolved.data!.resolveTicket.status).toBe('RESOLVED');
    await vi.waitFor(() => expect(hook.received).toHaveLength(2), { timeout: 10_000, interval: 50 });
    // The episode a person resolved must end before a relapse reopens the ticket.
    await readings(
      's1',
      Array.from({ length: 60 }, (_, i) => 20 + Math.sin(i)),
    );
    await readings('s1', [700, 710, 720, 730, 740, 750, 760, 770, 780, 790]);
    await vi.waitFor(() => expect(hook.received).toHaveLength(3), { timeout: 10_000, interval: 50 });
    await readings('s1', [700, 800]);
    await settle();
    expect(hook.received.map((r) => [r.json.event, r.json.ticket?.id])).toEqual([
      ['TICKET_OPENED', ids.ticket],
      ['TICKET_RESOLVED', ids.ticket],
      ['TICKET_REOPENED', ids.ticket],
    ]);
  });

  it('retries a receiver that is down with backoff until it comes back', async () => {
    const reserved = await startReceiver();
    const port = reserved.port;
    await reserved.close();
    const created = await t.gql(CREATE, { i: { name: 'flaky', url: `http://127.0.0.1:${port}/hook`, secret: 's' } });
    const id = created.data!.createNotificationReceiver.id as string;
    const first = await t.gql(`mutation($id: ID!) { sendTestNotification(receiverId: $id) { ${DELIVERY} } }`, { id });
    expect(first.data!.sendTestNotification).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: null });
    expect(first.data!.sendTestNotification.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    await vi.waitFor(
      async () => {
        const res = await t.gql(`query { notificationReceivers { id deliveries(first: 1) { attempts } } }`);
        const flaky = res.data!.notificationReceivers.find((r: { id: string }) => r.id === id);
        expect(flaky.deliveries[0].attempts).toBeGreaterThanOrEqual(3);
      },
      { timeout: 15_000, interval: 100 },
    );
    const back = await startReceiver(port);
    try {
      await vi.waitFor(() => expect(back.received).toHaveLength(1), { timeout: 20_000, interval: 100 });
      const res = await t.gql(`query { notificationReceivers { id deliveries(first: 5) { ${DELIVERY} } } }`);
      const [delivery] = res.data!.notificationReceivers.find((r: { id: string }) => r.id === id).deliveries;
      expect(delivery).toMatchObject({ event: 'TEST', status: 'DELIVERED', lastStatusCode: 204, lastError: null });
      expect(delivery.attempts).toBeGreaterThanOrEqual(4);
      expect(back.received[0]!.json.deliveryId).toBe(delivery.id);
    } finally {
      await back.close();
    }
  });

  it('refuses a bad receiver and deletes one with its log', async () => {
    const bad = await t.gql(CREATE, { i: { name: 'x', url: 'ftp://example.com', secret: 's' } });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const del = `mutation($id: ID!) { deleteNotificationReceiver(id: $id) }`;
    expect((await t.gql(del, { id: ids['zone b'] })).data!.deleteNotificationReceiver).toBe(true);
    expect((await t.gql(del, { id: ids['zone b'] })).data!.deleteNotificationReceiver).toBe(false);
    const list = await t.gql(`{ notificationReceivers { name minSeverity zoneIds } }`);
    expect(list.data!.notificationReceivers.map((r: { name: string }) => r.name)).not.toContain('zone b');
    expect(list.data!.notificationReceivers).toContainEqual({
      name: 'critical only',
      minSeverity: 'CRITICAL',
      zoneIds: null,
    });
    const missing = await t.gql(`mutation { sendTestNotification(receiverId: "nope") { id } }`);
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});
