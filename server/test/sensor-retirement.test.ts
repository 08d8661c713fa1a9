// Retiring and reactivating a sensor, and deleting an empty zone, through GraphQL on a
// real database: a retired sensor leaves every fleet figure, sweep and ticket but keeps
// its history; only ADMIN keys may change the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustChange } from '../src/modules/trust/trust-changes.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ADMIN_KEY = 'st_retirement-admin-key-0123456789abcdef';

function outOfRange(sensorId: string, zoneId: string, at: number): TrustChange {
  return {
    sensorId,
    zoneId,
    previous: { status: 'FAULTY', score: 20, reasonKinds: ['OUT_OF_RANGE'] },
    verdict: {
      score: 20,
      status: 'FAULTY',
      severity: 'HIGH',
      reasons: [
        {
          kind: 'OUT_OF_RANGE',
          severity: 'HIGH',
          message: 'too hot',
          since: at - MIN,
          active: true,
          clearedAt: null,
          advisory: false,
        },
      ],
    },
    statusSince: new Date(at - MIN),
    at: new Date(at),
  };
}

const SUMMARY = `{ dashboardSummary { sensorCount openTickets statusCounts { status count } }
  zoneStats { zoneId sensorCount openTickets } }`;
const RETIRE = `mutation($id: ID!, $note: String) { retireSensor(id: $id, note: $note) { id retiredAt trust { status } } }`;
const REACTIVATE = `mutation($id: ID!) { reactivateSensor(id: $id) { id retiredAt trust { status score } } }`;
const DELETE_ZONE = `mutation($id: ID!) { deleteZone(id: $id) }`;

describe.each(TARGETS)('sensor retirement and zone deletion on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  const keys: Record<string, string> = {};

  async function gql(query: string, variables?: Record<string, unknown>, key = ADMIN_KEY) {
    await t.processed();
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${key}` },
      payload: { query, variables },
    });
    return res.json<{ data: Record<string, any> | null; errors?: { message: string; extensions?: any }[] }>();
  }

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock), env: { ADMIN_API_KEY: ADMIN_KEY } });
    for (const role of ['VIEWER', 'OPERATOR']) {
      const res = await gql(`mutation { createApiKey(name: "${role}", role: ${role}) { key } }`);
      keys[role] = res.data!.createApiKey.key;
    }
    for (const zone of ['hall', 'empty']) {
      await gql(`mutation($id: ID!, $name: String!) { upsertZone(input: { id: $id, name: $name }) { id } }`, {
        id: zone,
        name: zone,
      });
    }
    for (const id of ['r1', 'r2']) {
      const res = await gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "temperature", zoneId: "hall", expectedIntervalSeconds: 60 }) { id } }`,
        { id, name: id },
      );
      expect(res.errors).toBeUndefined();
    }
    const readings = [];
    for (let i = 0; i < 10; i++) {
      for (const id of ['r1', 'r2'])
        readings.push({ sensorId: id, timestamp: iso(T0 - (10 - i) * MIN), value: 20 + i / 10 });
    }
    const ingested = await gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: readings,
    });
    expect(ingested.data!.ingestReadings.accepted).toBe(20);
    await t.app.db.prisma.$transaction((tx) =>
      t.app.services.ticketAutomation.apply(tx, [outOfRange('r1', 'hall', T0)]),
    );
  });
  afterAll(() => t?.close());

  it('only ADMIN may retire, reactivate or delete a zone', async () => {
    for (const role of ['VIEWER', 'OPERATOR']) {
      for (const [query, variables] of [
        [RETIRE, { id: 'r1' }],
        [REACTIVATE, { id: 'r1' }],
        [DELETE_ZONE, { id: 'empty' }],
      ] as const) {
        const res = await gql(query, variables, keys[role]);
        expect(res.errors?.[0]?.extensions?.code, `${role} ${query}`).toBe('FORBIDDEN');
      }
    }
  });

  it('retiring takes the sensor out of fleet and zone figures and resolves its open tickets with a note', async () => {
    const before = await gql(SUMMARY);
    expect(before.data!.dashboardSummary).toMatchObject({ sensorCount: 2, openTickets: 1 });
    expect(before.data!.zoneStats).toContainEqual({ zoneId: 'hall', sensorCount: 2, openTickets: 1 });

    clock = T0 + MIN;
    const retired = await gql(RETIRE, { id: 'r1', note: 'replaced by r3' });
    expect(retired.errors).toBeUndefined();
    expect(retired.data!.retireSensor).toMatchObject({ id: 'r1', retiredAt: iso(T0 + MIN) });

    const after = await gql(SUMMARY);
    expect(after.data!.dashboardSummary).toMatchObject({ sensorCount: 1, openTickets: 0 });
    expect(after.data!.zoneStats).toContainEqual({ zoneId: 'hall', sensorCount: 1, openTickets: 0 });

    const tickets = await gql(`{ sensor(id: "r1") { tickets { status resolvedAt events { type actor note } } } }`);
    const [ticket] = tickets.data!.sensor.tickets;
    expect(ticket.status).toBe('RESOLVED');
    expect(ticket.resolvedAt).toBe(iso(T0 + MIN));
    expect(ticket.events.at(-1)).toEqual({
      type: 'resolved',
      actor: 'admin (ADMIN_API_KEY)',
      note: 'Sensor retired by admin (ADMIN_API_KEY): replaced by r3; the ticket was resolved with it',
    });

    // Retiring again changes nothing.
    clock = T0 + 2 * MIN;
    const again = await gql(RETIRE, { id: 'r1' });
    expect(again.data!.retireSensor.retiredAt).toBe(iso(T0 + MIN));
    // Who and why are on the sensor itself.
    const shown = await gql(`{ sensor(id: "r1") { retiredBy retireNote } }`);
    expect(shown.data!.sensor).toEqual({ retiredBy: 'admin (ADMIN_API_KEY)', retireNote: 'replaced by r3' });
  });

  it('lists retired sensors only when asked, and keeps their history readable', async () => {
    const lists = await gql(`{
      inService: sensors { nodes { id } totalCount }
      retired: sensors(filter: { retired: true }) { nodes { id retiredAt } }
      zone(id: "hall") { sensors { id } }
      trustScores { sensorId }
      sensor(id: "r1") { readings { value } trustHistory { status } lastReading { value } }
    }`);
    expect(lists.errors).toBeUndefined();
    expect(lists.data!.inService).toEqual({ nodes: [{ id: 'r2' }], totalCount: 1 });
    expect(lists.data!.retired.nodes).toEqual([{ id: 'r1', retiredAt: iso(T0 + MIN) }]);
    expect(lists.data!.zone.sensors).toEqual([{ id: 'r2' }]);
    expect(lists.data!.trustScores).toEqual([{ sensorId: 'r2' }]);
    expect(lists.data!.sensor.readings).toHaveLength(10);
    expect(lists.data!.sensor.lastReading.value).toBeCloseTo(20.9);
  });

  it('searches sensors by id, name or zone name, case-insensitively', async () => {
    const search = async (text: string, retired = false) =>
      (
        await gql(`query($f: SensorFilter) { sensors(filter: $f) { nodes { id } } }`, {
          f: { search: text, retired },
        })
      ).data!.sensors.nodes.map((n: { id: string }) => n.id);
    expect(await search('R2')).toEqual(['r2']);
    expect(await search('HAL')).toEqual(['r2']);
    expect(await search('hall', true)).toEqual(['r1']);
    expect(await search('nothing like it')).toEqual([]);
  });

  it('refuses the readings of a retired sensor with SENSOR_RETIRED, alone in the batch', async () => {
    const res = await gql(
      `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected errors { index code message } } }`,
      {
        r: [
          { sensorId: 'r1', timestamp: iso(T0), value: 21 },
          { sensorId: 'r2', timestamp: iso(T0), value: 21 },
        ],
      },
    );
    expect(res.data!.ingestReadings).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.data!.ingestReadings.errors).toEqual([
      {
        index: 0,
        code: 'SENSOR_RETIRED',
        message: 'Sensor "r1" is retired; reactivate it with reactivateSensor to accept its readings',
      },
    ]);
  });

  it('is not swept: an hour of silence makes its peer OFFLINE, not the retired sensor', async () => {
    const before = await t.app.db.prisma.trustState.findUniqueOrThrow({ where: { sensorId: 'r1' } });
    clock = T0 + 60 * MIN;
    const swept = await gql(`mutation { evaluateTrust }`);
    expect(swept.data!.evaluateTrust).toBe(1);
    const after = await t.app.db.prisma.trustState.findUniqueOrThrow({ where: { sensorId: 'r1' } });
    expect(after.status).toBe(before.status);
    expect(after.version).toBe(before.version);
    const peer = await gql(`{ sensor(id: "r2") { trust { status } } }`);
    expect(peer.data!.sensor.trust.status).toBe('OFFLINE');
    const open = await t.app.db.prisma.ticket.count({ where: { sensorId: 'r1', status: { not: 'RESOLVED' } } });
    expect(open).toBe(0);
  });

  it('finds sensors by the reasons they list, by filter or by naming the kind in the search text', async () => {
    const ids = async (f: Record<string, unknown>) => {
      const res = await gql(`query($f: SensorFilter) { sensors(filter: $f) { nodes { id } } }`, { f });
      expect(res.errors).toBeUndefined();
      return res.data!.sensors.nodes.map((n: { id: string }) => n.id);
    };
    // r2 went OFFLINE in the sweep above; r1 is retired.
    expect(await ids({ reason: ['OFFLINE'] })).toEqual(['r2']);
    expect(await ids({ reason: ['STUCK', 'OFFLINE'] })).toEqual(['r2']);
    expect(await ids({ reason: ['STUCK'] })).toEqual([]);
    expect(await ids({ reason: ['OFFLINE'], status: ['HEALTHY'] })).toEqual([]);
    expect(await ids({ reason: ['OFFLINE'], status: ['OFFLINE'] })).toEqual(['r2']);
    expect(await ids({ search: 'offline' })).toEqual(['r2']);
    expect(await ids({ search: 'out of range' })).toEqual([]);
    // A kind that does not exist: one clear validation error, inline or as a variable.
    const inline = await gql(`{ sensors(filter: { reason: [BROKEN] }) { totalCount } }`);
    expect(inline.errors!.map((e) => e.extensions)).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED' }]);
    const variable = await gql(`query($f: SensorFilter) { sensors(filter: $f) { totalCount } }`, {
      f: { reason: ['BROKEN'] },
    });
    expect(variable.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('reactivating brings it back as UNKNOWN, judged from its next reading', async () => {
    const res = await gql(REACTIVATE, { id: 'r1' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.reactivateSensor).toEqual({ id: 'r1', retiredAt: null, trust: { status: 'UNKNOWN', score: 50 } });
    const summary = await gql(SUMMARY);
    expect(summary.data!.dashboardSummary.sensorCount).toBe(2);
    expect(summary.data!.dashboardSummary.statusCounts).toContainEqual({ status: 'UNKNOWN', count: 1 });
    const ingested = await gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: [{ sensorId: 'r1', timestamp: iso(clock), value: 21 }],
    });
    expect(ingested.data!.ingestReadings.accepted).toBe(1);
    // Reactivating a sensor in service changes nothing.
    const again = await gql(REACTIVATE, { id: 'r1' });
    expect(again.data!.reactivateSensor.retiredAt).toBeNull();
  });

  it('answers NOT_FOUND for an unknown sensor', async () => {
    for (const query of [RETIRE, REACTIVATE]) {
      const res = await gql(query, { id: 'nope' });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });

  it('deletes an empty zone with its maintenance windows, and refuses one that holds sensors', async () => {
    const full = await gql(DELETE_ZONE, { id: 'hall' });
    expect(full.errors?.[0]?.extensions).toMatchObject({ code: 'ZONE_NOT_EMPTY', sensors: 2 });
    expect(full.errors?.[0]?.message).toMatch(/still holds 2 sensors/);

    // A retired sensor still counts: retire both, the zone is still not empty.
    await gql(RETIRE, { id: 'r1' });
    const retiredOnly = await gql(DELETE_ZONE, { id: 'hall' });
    expect(retiredOnly.errors?.[0]?.extensions?.code).toBe('ZONE_NOT_EMPTY');

    await gql(`mutation($input: MaintenanceInput!) { scheduleMaintenance(input: $input) { id } }`, {
      input: { zoneId: 'empty', startsAt: iso(clock), endsAt: iso(clock + 60 * MIN) },
    });
    const deleted = await gql(DELETE_ZONE, { id: 'empty' });
    expect(deleted).toEqual({ data: { deleteZone: true } });
    const gone = await gql(
      `{ zone(id: "empty") { id } maintenanceWindows(zoneId: "empty") { id } zoneStats { zoneId } }`,
    );
    expect(gone.data!.zone).toBeNull();
    expect(gone.data!.maintenanceWindows).toEqual([]);
    expect(gone.data!.zoneStats.map((z: { zoneId: string }) => z.zoneId)).not.toContain('empty');
    expect((await gql(DELETE_ZONE, { id: 'empty' })).data!.deleteZone).toBe(false);
  });
  it('keeps who retired a sensor and why on the sensor even when it had no open ticket', async () => {
    const res = await gql(
      `mutation { upsertSensor(input: { id: "r-quiet", name: "quiet", kind: "temperature" }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
    const retired = await gql(RETIRE, { id: 'r-quiet', note: 'room demolished' });
    expect(retired.errors).toBeUndefined();
    const shown = await gql(`{ sensor(id: "r-quiet") { retiredBy retireNote tickets { id } } }`);
    expect(shown.data!.sensor).toEqual({
      retiredBy: 'admin (ADMIN_API_KEY)',
      retireNote: 'room demolished',
      tickets: [],
    });
    await gql(REACTIVATE, { id: 'r-quiet' });
    const back = await gql(`{ sensor(id: "r-quiet") { retiredAt retiredBy retireNote } }`);
    expect(back.data!.sensor).toEqual({ retiredAt: null, retiredBy: null, retireNote: null });
  });
});
