// Incidents over tickets, against a real database (PGlite, and PostgreSQL when
// DATABASE_URL is set), on the real ingest → trust stream → sweep → ticket automation path
// with an injected clock (event time), and the real notification fan-out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTicketUpdates } from '../src/modules/tickets/ticket-automation.js';
import type { TrustChange } from '../src/modules/trust/trust-changes.js';
import type { FaultKind } from '../src/trust/types.js';
import { TARGETS } from './support/databases.js';
import { createTestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const MIN = 60_000;

const UPSERT = `mutation($inputs: [SensorInput!]!) { upsertSensors(inputs: $inputs) { created rejected } }`;
const ZONES = `mutation($inputs: [ZoneInput!]!) { upsertZones(inputs: $inputs) { created rejected } }`;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;
const RECEIVER = `mutation($i: NotificationReceiverInput!) { createNotificationReceiver(input: $i) { id } }`;
const INCIDENTS = `{ incidents(filter: { status: [OPEN, ACKNOWLEDGED] }) { totalCount nodes { id cause scope status summary sensorCount source zone { id } tickets(first: 500) { totalCount } } } }`;

function faulty(sensorId: string, zoneId: string, kind: FaultKind, at: number): TrustChange {
  return {
    sensorId,
    zoneId,
    previous: { status: 'HEALTHY', score: 95, reasonKinds: [] },
    verdict: {
      score: 20,
      status: 'FAULTY',
      severity: 'HIGH',
      reasons: [
        {
          kind,
          severity: 'HIGH',
          message: `${kind} evidence`,
          since: at,
          active: true,
          clearedAt: null,
          advisory: false,
        },
      ],
    },
    statusSince: new Date(at),
    at: new Date(at),
  };
}

describe.each(TARGETS)('incidents on %s', (target) => {
  let t: TestApp;
  let clock = T0;

  async function registerZone(zoneId: string, count: number, extra: Record<string, unknown> = {}) {
    await t.gql(ZONES, { inputs: [{ id: zoneId, name: zoneId }] });
    const inputs = Array.from({ length: count }, (_, i) => ({
      id: `${zoneId}-s${i}`,
      name: `${zoneId} ${i}`,
      kind: 'temperature',
      zoneId,
      expectedIntervalSeconds: 60,
      ...extra,
    }));
    for (let i = 0; i < inputs.length; i += 500) {
      const res = await t.gql(UPSERT, { inputs: inputs.slice(i, i + 500) });
      expect(res.errors).toBeUndefined();
    }
    return inputs.map((s) => s.id);
  }

  async function apply(changes: TrustChange[]) {
    const s = t.app.services.ticketAutomation;
    const payloads = await t.app.db.prisma.$transaction((tx) => s.apply(tx, changes), { timeout: 60_000 });
    publishTicketUpdates(t.app.events, payloads);
    return payloads;
  }

  const openIncidents = async () => (await t.gql(INCIDENTS)).data!.incidents;

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      env: { WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', TICKET_PENDING_SECONDS: '0' },
    });
    // A receiver nobody listens on: deliveries are counted as they are queued (one per page).
    const res = await t.gql(RECEIVER, {
      i: { name: 'pager', url: 'http://127.0.0.1:9/hook', secret: 's3cret-s3cret' },
    });
    expect(res.errors).toBeUndefined();
  }, 120_000);

  afterAll(() => t?.close());

  it('the fleet falls silent: 54 OFFLINE sensors are one incident and at most 2 notifications in 10 minutes', async () => {
    const sensors = [
      ...(await registerZone('hall', 18)),
      ...(await registerZone('dock', 18)),
      ...(await registerZone('cold', 18)),
    ];
    for (let m = 0; m < 5; m++) {
      clock = T0 + m * MIN;
      const res = await t.gql(INGEST, {
        r: sensors.map((id, i) => ({
          sensorId: id,
          timestamp: new Date(clock).toISOString(),
          value: 20 + (i % 5) * 0.1 + m * 0.01,
        })),
      });
      expect(res.data!.ingestReadings.accepted).toBe(sensors.length);
    }
    await t.processed();
    const lastReading = clock;
    const queued = async () =>
      t.app.db.prisma.notificationDelivery.count({ where: { createdAt: { gte: new Date(0) } } });
    const before = await queued();
    // Ten minutes of silence, swept every 30 s (event time), notifications dispatched each step.
    for (clock = lastReading + 30_000; clock <= lastReading + 10 * MIN; clock += 30_000) {
      await t.app.services.trustStream.judgeAt(null, new Date(clock));
      await t.app.services.incidents.tick(new Date(clock));
      await t.app.services.notifications.dispatch();
    }
    const tickets = await t.app.db.prisma.ticket.count({
      where: { sensorId: { in: sensors }, status: { not: 'RESOLVED' } },
    });
    expect(tickets).toBeGreaterThanOrEqual(50);
    const incidents = await openIncidents();
    expect(incidents.totalCount).toBe(1);
    const [incident] = incidents.nodes;
    expect(incident.cause).toBe('FLEET_SILENT');
    expect(incident.summary).toBe('No readings from the fleet');
    expect(incident.tickets.totalCount).toBe(tickets);
    expect(incident.sensorCount).toBe(tickets);
    const pages = (await queued()) - before;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
    const events = await t.app.db.prisma.notificationDelivery.findMany({ select: { event: true } });
    expect(events.map((e) => e.event)).toContain('INCIDENT_OPENED');
    expect(events.map((e) => e.event)).not.toContain('TICKET_OPENED');

    // Resolving the incident resolves its tickets and is always notified.
    const resolved = await t.gql(
      `mutation($id: ID!) { resolveIncident(id: $id, note: "simulator key restored") { status resolvedAt } }`,
      { id: incident.id },
    );
    expect(resolved.data!.resolveIncident.status).toBe('RESOLVED');
    expect(
      await t.app.db.prisma.ticket.count({ where: { incidentId: incident.id, status: { not: 'RESOLVED' } } }),
    ).toBe(0);
    await t.app.services.notifications.dispatch();
    const last = await t.app.db.prisma.notificationDelivery.findMany({
      where: { incidentId: incident.id },
      select: { event: true },
    });
    expect(last.map((e) => e.event)).toContain('INCIDENT_RESOLVED');
    // The tickets point at their incident.
    const one = await t.gql(`{ tickets(first: 1, filter: { zoneId: "hall" }) { nodes { incident { id cause } } } }`);
    expect(one.data!.tickets.nodes[0].incident).toEqual({ id: incident.id, cause: 'FLEET_SILENT' });
  }, 300_000);

  it('a 250-sensor zone fault is one incident; two faults in two zones at once are two', async () => {
    clock = T0 + 60 * MIN;
    const big = await registerZone('plant', 250);
    const a = await registerZone('lab-a', 6);
    const b = await registerZone('lab-b', 6);
    const before = (await openIncidents()).totalCount;
    // The zone's fault arrives over three batches within the window, with the other zones' in between.
    await apply(big.slice(0, 100).map((id) => faulty(id, 'plant', 'STUCK', clock)));
    await apply([
      ...a.map((id) => faulty(id, 'lab-a', 'SPIKE', clock + 1000)),
      ...b.map((id) => faulty(id, 'lab-b', 'NOISE', clock + 1000)),
    ]);
    await apply(big.slice(100).map((id) => faulty(id, 'plant', 'STUCK', clock + 2 * MIN)));
    const incidents = (await openIncidents()).nodes.filter((i: { cause: string }) => i.cause === 'ZONE_FAULT');
    expect(incidents.length - before).toBe(3);
    const plant = incidents.find((i: { zone: { id: string } | null }) => i.zone?.id === 'plant');
    expect(plant.scope).toBe('zone:plant:STUCK');
    expect(plant.sensorCount).toBe(250);
    expect(plant.tickets.totalCount).toBe(250);
    expect(incidents.filter((i: { zone: { id: string } | null }) => i.zone?.id === 'lab-a')).toHaveLength(1);
    expect(incidents.filter((i: { zone: { id: string } | null }) => i.zone?.id === 'lab-b')).toHaveLength(1);
    // A lone fault elsewhere opens a ticket and no incident.
    const lone = await registerZone('attic', 4);
    await apply([faulty(lone[0]!, 'attic', 'DRIFT', clock + 3 * MIN)]);
    expect(
      (await openIncidents()).nodes.filter((i: { zone: { id: string } | null }) => i.zone?.id === 'attic'),
    ).toHaveLength(0);
  }, 300_000);

  it('a zone heating up together is an ENVIRONMENT incident and opens no per-sensor fault tickets', async () => {
    clock = T0 + 180 * MIN;
    const room = await registerZone('boiler', 10, { minValue: 0, maxValue: 25 });
    const lone = await registerZone('office', 5, { minValue: 0, maxValue: 25 });
    const send = async (ids: string[], at: number, value: (i: number) => number) => {
      clock = at;
      const res = await t.gql(INGEST, {
        r: ids.map((sensorId, i) => ({ sensorId, timestamp: new Date(at).toISOString(), value: value(i) })),
      });
      expect(res.data!.ingestReadings.rejected).toBe(0);
      await t.processed();
    };
    const start = clock;
    for (let m = 0; m < 5; m++) await send([...room, ...lone], start + m * MIN, (i) => 20 + (i % 3) * 0.1);
    // The heating fails: every sensor of the boiler room reads 31 °C, above its 25 °C maximum;
    // in the office one sensor alone reads 31 (a sensor fault).
    for (let m = 5; m < 8; m++) {
      await send(room, start + m * MIN, (i) => 31 + (i % 3) * 0.1);
      await send(lone, start + m * MIN, (i) => (i === 0 ? 31 : 20));
    }
    const roomTickets = await t.app.db.prisma.ticket.count({
      where: { sensorId: { in: room }, kind: { in: ['OUT_OF_RANGE', 'SPIKE'] }, status: { not: 'RESOLVED' } },
    });
    expect(roomTickets).toBe(0);
    const env = (await openIncidents()).nodes.filter((i: { cause: string }) => i.cause === 'ENVIRONMENT');
    expect(env).toHaveLength(1);
    expect(env[0].zone.id).toBe('boiler');
    expect(env[0].scope).toBe('environment:boiler:temperature');
    expect(env[0].summary).toMatch(/moved up together/);
    expect(env[0].sensorCount).toBe(10);
    // The office's lone out-of-range sensor is a sensor fault: its ticket opens as before.
    const office = await t.app.db.prisma.ticket.findMany({
      where: { sensorId: { in: lone }, status: { not: 'RESOLVED' } },
    });
    expect(office.map((o) => [o.sensorId, o.kind])).toEqual([[lone[0], 'OUT_OF_RANGE']]);
  }, 300_000);

  it('a silent gateway is one incident "no data from gateway …"', async () => {
    clock = T0 + 120 * MIN;
    const gw = await registerZone('yard', 5, { gatewayId: 'gw-7' });
    // The rest of the fleet still reports: this is one gateway's silence, not the fleet's.
    const alive = await t.gql(INGEST, {
      r: ['hall-s0', 'dock-s0'].map((sensorId) => ({ sensorId, timestamp: new Date(clock).toISOString(), value: 21 })),
    });
    expect(alive.data!.ingestReadings.accepted).toBe(2);
    await t.processed();
    const offline = (id: string): TrustChange => ({
      ...faulty(id, 'yard', 'OFFLINE', clock),
      verdict: { ...faulty(id, 'yard', 'OFFLINE', clock).verdict, status: 'OFFLINE' },
    });
    await apply(gw.slice(0, 3).map(offline));
    await apply(gw.slice(3).map(offline));
    const yard = (await openIncidents()).nodes.filter((i: { cause: string }) => i.cause === 'SOURCE_SILENT');
    expect(yard).toHaveLength(1);
    expect(yard[0].summary).toBe('No data from gateway gw-7');
    expect(yard[0].source).toBe('gateway:gw-7');
    expect(yard[0].sensorCount).toBe(5);
  }, 120_000);
});

describe.each(TARGETS)('incident grouping across instances and restarts on %s', (target) => {
  it('two instances (PostgreSQL) opening one cause at once, then a restart, make one incident', async () => {
    const database = await createTestDatabase(target);
    const dataDir = target === 'pglite' ? mkdtempSync(join(tmpdir(), 'incidents-')) : null;
    let clock = T0;
    const env = { TICKET_PENDING_SECONDS: '0', ...(dataDir ? { DATA_DIR: dataDir } : {}) };
    const start = () =>
      startTestApp(target, { database, now: () => new Date(clock), env, inMemoryDatabase: dataDir === null });
    const first = await start();
    // PGlite is one process's database: the second instance exists only on PostgreSQL.
    const second = target === 'postgres' ? await start() : null;
    try {
      await first.gql(ZONES, { inputs: [{ id: 'z', name: 'z' }] });
      const ids = Array.from({ length: 40 }, (_, i) => `z-s${i}`);
      await first.gql(UPSERT, {
        inputs: ids.map((id) => ({ id, name: id, kind: 'temperature', zoneId: 'z' })),
      });
      const run = (app: TestApp, part: string[]) =>
        app.app.db.prisma.$transaction((tx) =>
          app.app.services.ticketAutomation.apply(
            tx,
            part.map((id) => faulty(id, 'z', 'STUCK', clock)),
          ),
        );
      await Promise.all([run(first, ids.slice(0, 20)), run(second ?? first, ids.slice(20, 30))]);
      await first.app.close();
      const restarted = await start();
      try {
        clock += MIN;
        await run(restarted, ids.slice(30));
        const rows = await restarted.app.db.prisma.incident.findMany({
          include: { _count: { select: { tickets: true } } },
        });
        expect(rows).toHaveLength(1);
        expect(rows[0]!._count.tickets).toBe(40);
        expect(rows[0]!.sensorCount).toBe(40);
      } finally {
        await restarted.app.close();
      }
    } finally {
      await second?.app.close();
      await database.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe.each(TARGETS)('the source of readings on %s', (target) => {
  it('records the API key that sent a sensor its readings; its sensors going OFFLINE are "no data from API key …"', async () => {
    let clock = T0;
    const t = await startTestApp(target, { now: () => new Date(clock), env: { TICKET_PENDING_SECONDS: '0' } });
    try {
      await t.gql(ZONES, {
        inputs: [
          { id: 'roof', name: 'roof' },
          { id: 'lobby', name: 'lobby' },
        ],
      });
      const roof = ['roof-a', 'roof-b', 'roof-c'];
      await t.gql(UPSERT, {
        inputs: [...roof, 'lobby-a', 'lobby-b'].map((id) => ({
          id,
          name: id,
          kind: 'temperature',
          zoneId: id.split('-')[0],
        })),
      });
      // The first key closes open mode: from then on every request names its key.
      const adminKey = (await t.gql(`mutation { createApiKey(name: "ops", role: ADMIN) { key } }`)).data!.createApiKey
        .key as string;
      const as = async (key: string, query: string, variables: Record<string, unknown> = {}) =>
        (
          await t.app.inject({
            method: 'POST',
            url: '/graphql',
            headers: { authorization: `Bearer ${key}` },
            payload: { query, variables },
          })
        ).json();
      const key = (await as(adminKey, `mutation { createApiKey(name: "roof-uploader", role: INTEGRATOR) { key } }`))
        .data.createApiKey.key as string;
      const sent = await as(key, INGEST, {
        r: roof.map((sensorId) => ({ sensorId, timestamp: new Date(clock).toISOString(), value: 20 })),
      });
      expect(sent.data.ingestReadings.accepted).toBe(3);
      const sources = await t.app.db.prisma.sensorSource.findMany({ orderBy: { sensorId: 'asc' } });
      expect(sources.map((s) => [s.sensorId, s.source])).toEqual(roof.map((id) => [id, 'key:roof-uploader']));
      // The lobby still reports (the fleet is not silent) while the roof's uploader stops.
      const lobby = await as(adminKey, INGEST, {
        r: ['lobby-a', 'lobby-b'].map((sensorId) => ({
          sensorId,
          timestamp: new Date(clock + 4 * MIN).toISOString(),
          value: 20,
        })),
      });
      expect(lobby.data.ingestReadings.accepted).toBe(2);
      await t.processed();
      clock += 4 * MIN;
      await t.app.db.prisma.$transaction((tx) =>
        t.app.services.ticketAutomation.apply(
          tx,
          roof.map((id) => {
            const c = faulty(id, 'roof', 'OFFLINE', clock);
            return { ...c, verdict: { ...c.verdict, status: 'OFFLINE' as const } };
          }),
        ),
      );
      const incidents = await t.app.db.prisma.incident.findMany();
      expect(incidents.map((i) => [i.cause, i.summary, i.sensorCount])).toEqual([
        ['SOURCE_SILENT', 'No data from API key roof-uploader', 3],
      ]);
    } finally {
      await t.close();
    }
  }, 180_000);
});

describe.each(TARGETS)('incident grouping switched off on %s', (target) => {
  it('INCIDENT_GROUPING=false: a zone fault opens its tickets, each on its own, and no incident', async () => {
    const t = await startTestApp(target, {
      now: () => new Date(T0),
      env: { INCIDENT_GROUPING: 'false', TICKET_PENDING_SECONDS: '0' },
    });
    try {
      expect((await t.gql(ZONES, { inputs: [{ id: 'hall', name: 'hall' }] })).errors).toBeUndefined();
      const ids = Array.from({ length: 12 }, (_, i) => `hall-s${i}`);
      const res = await t.gql(UPSERT, {
        inputs: ids.map((id) => ({ id, name: id, kind: 'temperature', zoneId: 'hall', expectedIntervalSeconds: 60 })),
      });
      expect(res.errors).toBeUndefined();
      const automation = t.app.services.ticketAutomation;
      await t.app.db.prisma.$transaction(
        (tx) =>
          automation.apply(
            tx,
            ids.map((id) => faulty(id, 'hall', 'STUCK', T0)),
          ),
        { timeout: 60_000 },
      );
      const tickets = await t.gql<{ tickets: { totalCount: number; nodes: { incident: { id: string } | null }[] } }>(
        `{ tickets(filter: { status: [OPEN] }, first: 50) { totalCount nodes { incident { id } } } }`,
      );
      expect(tickets.errors).toBeUndefined();
      expect(tickets.data?.tickets.totalCount).toBe(12);
      expect(tickets.data?.tickets.nodes.every((n) => n.incident === null)).toBe(true);
      expect((await t.gql(INCIDENTS)).data!.incidents.totalCount).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);
});
