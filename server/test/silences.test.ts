// Silences through the real app, database and a real local webhook receiver: a silenced
// sensor, zone or ticket still opens, escalates and resolves its tickets but notifies
// nobody; who silenced, why and until when is on the sensor, the zone and the ticket;
// bad input is refused with a code; only OPERATOR and ADMIN may silence.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Told {
  event: string;
  ticket: { id: string; sensorId: string } | null;
}

async function startReceiver() {
  const received: Told[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Told);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const HOUR = 3600_000;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted errors { code } } }`;
const SILENCE = `mutation($t: SilenceTarget!, $u: DateTime!, $n: String!) {
  silence(target: $t, until: $u, note: $n) { id sensorId ticketId zoneId incidentId until note createdBy active } }`;
const RESOLVE = `mutation($id: ID!) { resolveTicket(id: $id, note: "done") { status } }`;

describe.each(TARGETS)('silences on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  let minute = 0;
  let hook: Awaited<ReturnType<typeof startReceiver>>;

  const drained = async () => {
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
  };
  const readings = async (sensorId: string, values: number[]) => {
    const r = values.map((value) => ({ sensorId, timestamp: new Date(T0 + minute++ * 60_000).toISOString(), value }));
    clock = T0 + minute * 60_000;
    const res = await t.gql(INGEST, { r });
    expect(res.data!.ingestReadings).toMatchObject({ accepted: values.length, errors: [] });
  };
  /** Opens an OUT_OF_RANGE ticket on the sensor and returns its id. */
  const fault = async (sensorId: string) => {
    await readings(
      sensorId,
      Array.from({ length: 20 }, (_, i) => 20 + Math.sin(i)),
    );
    await readings(sensorId, [500, 510, 520, 530, 540, 550, 560, 570, 580, 590]);
    await drained();
    const res = await t.gql(`query($s: ID!) { tickets(filter: { sensorId: $s, status: [OPEN] }) { nodes { id } } }`, {
      s: sensorId,
    });
    const id = res.data!.tickets.nodes[0]?.id as string | undefined;
    expect(id).toBeTruthy();
    return id!;
  };
  const toldAbout = (sensorId: string) => hook.received.filter((r) => r.ticket?.sensorId === sensorId);

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      backgroundJobs: true,
      env: { NOTIFY_POLL_MS: '100', WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' },
    });
    hook = await startReceiver();
    await t.gql(`mutation { upsertZone(input: { id: "a", name: "A" }) { id } }`);
    for (const id of ['s1', 's2', 's3']) {
      const res = await t.gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "temperature", zoneId: "a", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
        { id, name: id },
      );
      expect(res.errors).toBeUndefined();
    }
    const r = await t.gql(`mutation($i: NotificationReceiverInput!) { createNotificationReceiver(input: $i) { id } }`, {
      i: { name: 'all', url: hook.url, secret: 's' },
    });
    expect(r.errors).toBeUndefined();
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it.each([
    ['no target', {}, 'BAD_USER_INPUT', 'target'],
    ['two targets', { sensorId: 's1', zoneId: 'a' }, 'BAD_USER_INPUT', 'target'],
    ['an unknown sensor', { sensorId: 'nope' }, 'NOT_FOUND', undefined],
    ['an unknown zone', { zoneId: 'nope' }, 'NOT_FOUND', undefined],
    ['an unknown ticket', { ticketId: 'nope' }, 'NOT_FOUND', undefined],
  ])('refuses %s', async (_what, target, code, field) => {
    const res = await t.gql(SILENCE, { t: target, u: new Date(clock + HOUR).toISOString(), n: 'why' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code, ...(field ? { field } : {}) });
  });

  it('refuses an until in the past and an empty note', async () => {
    const past = await t.gql(SILENCE, { t: { sensorId: 's1' }, u: new Date(clock - 1).toISOString(), n: 'why' });
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
    const blank = await t.gql(SILENCE, { t: { sensorId: 's1' }, u: new Date(clock + HOUR).toISOString(), n: ' ' });
    expect(blank.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
  });

  it('a silenced sensor opens its ticket but notifies nobody; an unsilenced one does', async () => {
    const res = await t.gql(SILENCE, {
      t: { sensorId: 's1' },
      u: new Date(clock + 6 * HOUR).toISOString(),
      n: 'replacing the probe',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.silence).toMatchObject({
      sensorId: 's1',
      note: 'replacing the probe',
      createdBy: 'operator',
      active: true,
    });
    const silenced = await fault('s1');
    const loud = await fault('s2');
    expect(toldAbout('s1')).toEqual([]);
    expect(toldAbout('s2').map((r) => r.event)[0]).toBe('TICKET_OPENED');
    // The ticket is in the ticket's history as usual.
    const ticket = await t.gql(
      `query($id: ID!) { ticket(id: $id) { status events { type } silences { sensorId note createdBy until } } }`,
      { id: silenced },
    );
    expect(ticket.data!.ticket.status).toBe('OPEN');
    expect(ticket.data!.ticket.events[0].type).toBe('opened');
    expect(ticket.data!.ticket.silences).toEqual([
      expect.objectContaining({ sensorId: 's1', note: 'replacing the probe', createdBy: 'operator' }),
    ]);
    const sensor = await t.gql(
      `{ sensor(id: "s1") { silences { id note } } other: sensor(id: "s2") { silences { id } } }`,
    );
    expect(sensor.data!.sensor.silences).toHaveLength(1);
    expect(sensor.data!.other.silences).toEqual([]);
    // Resolving a silenced ticket tells nobody either.
    expect((await t.gql(RESOLVE, { id: silenced })).data!.resolveTicket.status).toBe('RESOLVED');
    await drained();
    expect(toldAbout('s1')).toEqual([]);
    // Unsilenced: the next change is told.
    const ended = await t.gql(`mutation($id: ID!) { unsilence(id: $id) { active until } }`, {
      id: res.data!.silence.id,
    });
    expect(ended.data!.unsilence.active).toBe(false);
    const again = await t.gql(`mutation($id: ID!) { unsilence(id: $id) { active } }`, { id: res.data!.silence.id });
    expect(again.data!.unsilence.active).toBe(false);
    expect((await t.gql(`mutation { unsilence(id: "nope") { id } }`)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await t.gql(`mutation($id: ID!) { commentTicket(id: $id, note: "x") { id } }`, { id: silenced });
    expect((await t.gql(RESOLVE, { id: loud })).data!.resolveTicket.status).toBe('RESOLVED');
    await drained();
    expect(
      toldAbout('s2')
        .map((r) => r.event)
        .at(-1),
    ).toBe('TICKET_RESOLVED');
  });

  it('a zone silence covers every sensor of the zone; a ticket silence only that ticket', async () => {
    const zone = await t.gql(SILENCE, { t: { zoneId: 'a' }, u: new Date(clock + HOUR).toISOString(), n: 'fire drill' });
    expect(zone.errors).toBeUndefined();
    const before = hook.received.length;
    const s3 = await fault('s3');
    expect(hook.received.length).toBe(before);
    const shown = await t.gql(
      `{ zone(id: "a") { silences { note createdBy } } sensor(id: "s3") { silences { zoneId } } }`,
    );
    expect(shown.data!.zone.silences).toEqual([{ note: 'fire drill', createdBy: 'operator' }]);
    expect(shown.data!.sensor.silences).toEqual([{ zoneId: 'a' }]);
    await t.gql(`mutation($id: ID!) { unsilence(id: $id) { id } }`, { id: zone.data!.silence.id });
    const one = await t.gql(SILENCE, { t: { ticketId: s3 }, u: new Date(clock + HOUR).toISOString(), n: 'known' });
    expect(one.data!.silence).toMatchObject({ ticketId: s3, active: true });
    expect((await t.gql(RESOLVE, { id: s3 })).data!.resolveTicket.status).toBe('RESOLVED');
    await drained();
    expect(hook.received.length).toBe(before);
    const list = await t.gql(`{ silences { ticketId } all: silences(includePast: true) { id } }`);
    expect(list.data!.silences).toEqual([{ ticketId: s3 }]);
    expect(list.data!.all.length).toBeGreaterThanOrEqual(3);
  });

  it('marks tickets opened while a maintenance window was in force, and shows the zone window on the sensor', async () => {
    const open = await t.gql(
      `{ tickets(filter: { zoneId: "a" }) { nodes { sensor { id } openedAt openedDuringMaintenance } } }`,
    );
    const nodes = open.data!.tickets.nodes as {
      sensor: { id: string };
      openedAt: string;
      openedDuringMaintenance: boolean;
    }[];
    expect(nodes.length).toBeGreaterThanOrEqual(3);
    expect(nodes.every((n) => !n.openedDuringMaintenance)).toBe(true);
    const s3 = nodes.find((n) => n.sensor.id === 's3')!;
    // A zone window that started (in the past) just before s3's ticket opened, still running.
    const res = await t.gql(`mutation($i: MaintenanceInput!) { scheduleMaintenance(input: $i) { id } }`, {
      i: {
        zoneId: 'a',
        startsAt: new Date(Date.parse(s3.openedAt) - 1000).toISOString(),
        endsAt: new Date(clock + HOUR).toISOString(),
        reason: 'recalibration',
      },
    });
    expect(res.errors).toBeUndefined();
    const after = await t.gql(`{ tickets(filter: { zoneId: "a" }) { nodes { sensor { id } openedDuringMaintenance } }
      sensor(id: "s1") { maintenance { zoneId reason active } } zone(id: "a") { maintenance { reason } } }`);
    expect(after.errors).toBeUndefined();
    const marked = (after.data!.tickets.nodes as { sensor: { id: string }; openedDuringMaintenance: boolean }[])
      .filter((n) => n.openedDuringMaintenance)
      .map((n) => n.sensor.id);
    expect(marked).toEqual(['s3']);
    expect(after.data!.sensor.maintenance).toEqual([{ zoneId: 'a', reason: 'recalibration', active: true }]);
    expect(after.data!.zone.maintenance).toEqual([{ reason: 'recalibration' }]);
  });

  it('an incident id is stored as given', async () => {
    const res = await t.gql(SILENCE, {
      t: { incidentId: 'inc-42' },
      u: new Date(clock + HOUR).toISOString(),
      n: 'storm',
    });
    expect(res.data!.silence).toMatchObject({ incidentId: 'inc-42', sensorId: null, active: true });
  });

  it('only OPERATOR and ADMIN may silence', async () => {
    const admin = await t.gql(`mutation { createApiKey(name: "root", role: ADMIN) { key } }`);
    const as = (k: string, query: string, variables?: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${k}` },
        payload: { query, variables },
      });
    const newKey = async (name: string, role: string) =>
      (
        await as(admin.data!.createApiKey.key, `mutation { createApiKey(name: "${name}", role: ${role}) { key } }`)
      ).json().data.createApiKey.key as string;
    const call = (k: string) =>
      as(k, SILENCE, { t: { sensorId: 's2' }, u: new Date(clock + HOUR).toISOString(), n: 'night shift' });
    const key = { data: { createApiKey: { key: await newKey('watcher', 'VIEWER') } } };
    const op = { data: { createApiKey: { key: await newKey('ops', 'OPERATOR') } } };
    const viewer = (await call(key.data.createApiKey.key)).json();
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const operator = (await call(op.data.createApiKey.key)).json();
    expect(operator.data.silence).toMatchObject({ createdBy: 'ops', sensorId: 's2' });
  });
});
