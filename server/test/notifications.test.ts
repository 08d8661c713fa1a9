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
import { entry, first } from './support/narrow.js';
import { NO_ANSWER } from '../src/modules/notifications/webhook-sender.js';

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

/** The ticket_event types receivers are told about, in order, as notification events. */
const TOLD: Record<string, string> = {
  opened: 'TICKET_OPENED',
  escalated: 'TICKET_ESCALATED',
  reopened: 'TICKET_REOPENED',
  resolved: 'TICKET_RESOLVED',
  auto_resolved: 'TICKET_RESOLVED',
};
const told = (events: { type: string }[]) => events.flatMap((e) => (TOLD[e.type] ? [TOLD[e.type]] : []));

/**
 * Every ticket change the stream has produced so far has been fanned out and
 * delivered (or given up on): nothing is left in the outbox or pending. A barrier
 * for "no further notification", instead of waiting a while and hoping.
 */
async function drained(t: TestApp) {
  await t.processed();
  await vi.waitFor(
    async () => {
      const [row] = await t.app.db.prisma.$queryRaw<{ outbox: number; pending: number }[]>`
        SELECT (SELECT count(*)::int FROM notification_outbox) AS outbox,
               (SELECT count(*)::int FROM notification_delivery WHERE status = 'PENDING') AS pending`;
      expect(row).toEqual({ outbox: 0, pending: 0 });
    },
    { timeout: 15_000, interval: 50 },
  );
}

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
  const settle = () => drained(t);
  const eventsOf = async (ticketId: string) => {
    const res = await t.gql(`query($id: ID!) { ticket(id: $id) { events { type } } }`, { id: ticketId });
    expect(res.errors).toBeUndefined();
    return res.data!.ticket.events as { type: string }[];
  };

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      backgroundJobs: true,
      // The receivers listen on 127.0.0.1: allowed explicitly (webhook-targets.test.ts: refused by default).
      env: {
        NOTIFY_POLL_MS: '100',
        NOTIFY_RETRY_BASE_MS: '150',
        NOTIFY_MAX_ATTEMPTS: '20',
        WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
      },
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
    // Ten minutes out of range in one batch: the ticket opens (and may escalate as
    // the fault goes on within the batch: each change is told, in order).
    await readings('s1', [500, 510, 520, 530, 540, 550, 560, 570, 580, 590]);
    await vi.waitFor(() => expect(hook.received.length).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 50 });
    await settle();
    const afterOpening = hook.received.map((r) => r.json.event);
    for (let i = 0; i < 5; i++) await readings('s1', [500, 600]);
    await settle();
    const events = hook.received.map((r) => r.json.event);
    expect(events[0]).toBe('TICKET_OPENED');
    // Repeats of the same fault tell nobody anything.
    expect(events).toEqual(afterOpening);
    const ticket = hook.received[0]!.json.ticket!;
    expect(ticket).toMatchObject({ kind: 'OUT_OF_RANGE' });
    ids.ticket = ticket.id;
    expect(hook.received.every((r) => r.json.ticket?.id === ticket.id)).toBe(true);
    // Once per change: exactly the ticket's history of told changes, in order.
    expect(events).toEqual(told(await eventsOf(ticket.id)));
    // The zone-b receiver hears nothing of a zone-a ticket; the CRITICAL-only one only what was CRITICAL.
    expect(otherZone.received).toHaveLength(0);
    const severityOf = (r: Received) => (r.json.ticket as unknown as { severity: string }).severity;
    expect(critical.received.map((r) => r.json.event)).toEqual(
      hook.received.filter((r) => severityOf(r) === 'CRITICAL').map((r) => r.json.event),
    );
    const log = await t.gql(`{ notificationReceivers { name deliveries { event status ticketId } } }`);
    const all = log.data!.notificationReceivers.find((r: { name: string }) => r.name === 'all');
    expect(all.deliveries).toEqual([
      ...[...events].reverse().map((event) => ({ event, status: 'DELIVERED', ticketId: ticket.id })),
      { event: 'TEST', status: 'DELIVERED', ticketId: null },
    ]);
  });

  it('notifies a resolution and a reopening once each', async () => {
    const resolved = await t.gql(`mutation($id: ID!) { resolveTicket(id: $id, note: "replaced") { status } }`, {
      id: ids.ticket,
    });
    expect(resolved.data!.resolveTicket.status).toBe('RESOLVED');
    const before = hook.received.length;
    await vi.waitFor(() => expect(hook.received).toHaveLength(before + 1), { timeout: 10_000, interval: 50 });
    // The episode a person resolved must end before a relapse reopens the ticket.
    await readings(
      's1',
      Array.from({ length: 60 }, (_, i) => 20 + Math.sin(i)),
    );
    await readings('s1', [700, 710, 720, 730, 740, 750, 760, 770, 780, 790]);
    await vi.waitFor(() => expect(hook.received.length).toBeGreaterThanOrEqual(before + 2), {
      timeout: 10_000,
      interval: 50,
    });
    await settle();
    const afterReopening = hook.received.map((r) => r.json.event);
    await readings('s1', [700, 800]);
    await settle();
    expect(hook.received.map((r) => r.json.event)).toEqual(afterReopening);
    expect(hook.received.every((r) => r.json.ticket?.id === ids.ticket)).toBe(true);
    expect(afterReopening.slice(before, before + 2)).toEqual(['TICKET_RESOLVED', 'TICKET_REOPENED']);
    expect(afterReopening).toEqual(told(await eventsOf(entry(ids, 'ticket'))));
  });

  it('retries a receiver that is down with backoff until it comes back', async () => {
    const reserved = await startReceiver();
    const port = reserved.port;
    await reserved.close();
    const created = await t.gql(CREATE, { i: { name: 'flaky', url: `http://127.0.0.1:${port}/hook`, secret: 's' } });
    const id = created.data!.createNotificationReceiver.id as string;
    const first = await t.gql(`mutation($id: ID!) { sendTestNotification(receiverId: $id) { ${DELIVERY} } }`, { id });
    expect(first.data!.sendTestNotification).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: null });
    expect(first.data!.sendTestNotification.lastError).toBe(NO_ANSWER);
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

describe.each(TARGETS)('escalation and automatic resolution notify once per change on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  let minute = 0;
  let hook: Awaited<ReturnType<typeof startReceiver>>;

  /** One reading a minute; the app's clock follows the newest one. */
  const minutely = async (values: number[]) => {
    for (const value of values) {
      const r = [{ sensorId: 'e1', timestamp: new Date(T0 + minute++ * 60_000).toISOString(), value }];
      clock = T0 + minute * 60_000;
      const res = await t.gql(INGEST, { r });
      expect(res.data!.ingestReadings).toMatchObject({ accepted: 1, errors: [] });
    }
  };
  const healthy = (n: number) => Array.from({ length: n }, (_, i) => 20 + Math.sin(i));
  const ticketOf = async () => {
    const res = await t.gql(`{ tickets(filter: { sensorId: "e1" }) { nodes { id severity status events { type } } } }`);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.tickets.nodes as {
      id: string;
      severity: string;
      status: string;
      events: { type: string }[];
    }[];
    expect(nodes).toHaveLength(1);
    return first(nodes, 'a ticket of e1');
  };
  const evaluate = async () => expect((await t.gql('mutation { evaluateTrust }')).errors).toBeUndefined();

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      env: {
        NOTIFY_POLL_MS: '100',
        TICKET_ESCALATE_AFTER_SECONDS: '600',
        TICKET_KEEP_OPEN_SECONDS: '300',
        WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
      },
      backgroundJobs: true,
    });
    hook = await startReceiver();
    await t.gql(`mutation { upsertZone(input: { id: "e", name: "E" }) { id } }`);
    const sensor = await t.gql(
      `mutation { upsertSensor(input: { id: "e1", name: "e1", kind: "temperature", zoneId: "e", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
    );
    expect(sensor.errors).toBeUndefined();
    expect((await t.gql(CREATE, { i: { name: 'all', url: hook.url, secret: 'k' } })).errors).toBeUndefined();
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it('notifies each escalation of a fault that goes on, once, never per reading', async () => {
    await minutely(healthy(30));
    // Out of range for 25 minutes, a reading a minute: the ticket opens, then rises a
    // level per 10 minutes of fault until CRITICAL.
    await minutely(Array.from({ length: 25 }, (_, i) => 500 + i));
    await drained(t);
    const ticket = await ticketOf();
    const escalations = ticket.events.filter((e) => e.type === 'escalated').length;
    expect(escalations).toBeGreaterThanOrEqual(1);
    const events = hook.received.map((r) => r.json.event);
    expect(events[0]).toBe('TICKET_OPENED');
    expect(events.filter((e) => e === 'TICKET_ESCALATED')).toHaveLength(escalations);
    expect(events).toEqual(told(ticket.events));
    expect(new Set(hook.received.map((r) => r.json.deliveryId)).size).toBe(hook.received.length);
    // A sweep at the same moment changes nothing and tells nobody anything.
    await evaluate();
    await drained(t);
    expect(hook.received.map((r) => r.json.event)).toEqual(events);
  });

  it('notifies the automatic resolution once, after the keep-open period of recovery', async () => {
    const before = hook.received.length;
    // Healthy again: the reason clears (after the engine's hold), the ticket notes the
    // recovery, and a sweep 5 minutes (the keep-open period) later resolves it.
    let ticket = await ticketOf();
    for (let healthyMinutes = 0; ticket.status !== 'RESOLVED'; healthyMinutes += 5) {
      expect(healthyMinutes, 'resolved within 2 h of recovery').toBeLessThan(120);
      await minutely(healthy(5));
      await evaluate();
      await drained(t);
      ticket = await ticketOf();
    }
    expect(ticket.events.map((e) => e.type)).toContain('auto_resolved');
    const after = hook.received.slice(before);
    expect(after.map((r) => r.json.event)).toEqual(['TICKET_RESOLVED']);
    expect(after[0]!.json.ticket).toMatchObject({ id: ticket.id });
    expect(hook.received.map((r) => r.json.event)).toEqual(told(ticket.events));
    // More healthy readings and sweeps tell nobody anything.
    await minutely(healthy(3));
    await evaluate();
    await drained(t);
    expect(hook.received.slice(before)).toHaveLength(1);
  });
});
