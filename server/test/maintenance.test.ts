// Maintenance windows: scheduling and cancelling through GraphQL, visibility on the
// sensor, and silencing of automatic tickets (readings are still scored elsewhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustChange } from '../src/modules/trust/trust-changes.js';
import type { FaultKind } from '../src/trust/types.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { first } from './support/narrow.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function fault(
  sensorId: string,
  zoneId: string | null,
  kind: FaultKind,
  at: number,
  severity: 'MEDIUM' | 'HIGH' = 'MEDIUM',
): TrustChange {
  return {
    sensorId,
    zoneId,
    previous: { status: 'FAULTY', score: 20, reasonKinds: [kind] },
    verdict: {
      score: 20,
      status: 'FAULTY',
      severity,
      reasons: [
        {
          kind,
          severity,
          message: `${kind} now`,
          since: at - 30 * MIN,
          active: true,
          clearedAt: null,
          advisory: false,
        },
      ],
    },
    statusSince: new Date(at - 30 * MIN),
    at: new Date(at),
  };
}

const SCHEDULE = `mutation($input: MaintenanceInput!) { scheduleMaintenance(input: $input) { id sensorId zoneId startsAt endsAt reason createdBy active } }`;

describe.each(TARGETS)('maintenance windows on %s', (target) => {
  let t: TestApp;
  let clock = T0;

  async function apply(...changes: TrustChange[]) {
    const s = t.app.services.ticketAutomation;
    return t.app.db.prisma.$transaction((tx) => s.apply(tx, changes));
  }
  const tickets = (sensorId: string) =>
    t.app.db.prisma.ticket.findMany({
      where: { sensorId },
      include: { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
    });

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock) });
    await t.gql(`mutation { upsertZone(input: { id: "plant", name: "Plant" }) { id } }`);
    for (const [id, zone] of [
      ['m1', null],
      ['m2', 'plant'],
      ['m3', 'plant'],
      ['m4', null],
    ]) {
      const res = await t.gql(
        `mutation($id: ID!, $name: String!, $zone: ID) { upsertSensor(input: { id: $id, name: $name, kind: "t", zoneId: $zone }) { id } }`,
        { id, name: id, zone },
      );
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it.each([
    ['neither sensor nor zone', { startsAt: iso(T0), endsAt: iso(T0 + MIN) }, /exactly one/],
    [
      'both sensor and zone',
      { sensorId: 'm1', zoneId: 'plant', startsAt: iso(T0), endsAt: iso(T0 + MIN) },
      /exactly one/,
    ],
    ['end before start', { sensorId: 'm1', startsAt: iso(T0 + MIN), endsAt: iso(T0) }, /endsAt must be after startsAt/],
    ['a window already over', { sensorId: 'm1', startsAt: iso(T0 - 9 * MIN), endsAt: iso(T0 - MIN) }, /in the past/],
    [
      'an unknown sensor',
      { sensorId: 'nope', startsAt: iso(T0), endsAt: iso(T0 + MIN) },
      /Sensor "nope" does not exist/,
    ],
    ['an unknown zone', { zoneId: 'nope', startsAt: iso(T0), endsAt: iso(T0 + MIN) }, /Zone "nope" does not exist/],
  ])('rejects %s as BAD_USER_INPUT', async (_label, input, message) => {
    const res = await t.gql(SCHEDULE, { input });
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(message);
  });

  it('silences new tickets for a sensor during its window, shows it on the sensor, and pages after it ends', async () => {
    const res = await t.gql(SCHEDULE, {
      input: { sensorId: 'm1', startsAt: iso(T0 - MIN), endsAt: iso(T0 + 30 * MIN), reason: 'recalibration' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.scheduleMaintenance).toMatchObject({
      sensorId: 'm1',
      zoneId: null,
      reason: 'recalibration',
      createdBy: 'operator',
      active: true,
    });
    const shown = await t.gql(
      `{ sensor(id: "m1") { maintenance { id active } } m4: sensor(id: "m4") { maintenance { id } } }`,
    );
    expect(shown.data!.sensor.maintenance).toEqual([{ id: res.data!.scheduleMaintenance.id, active: true }]);
    expect(shown.data!.m4.maintenance).toEqual([]);

    expect(
      await apply(fault('m1', null, 'OUT_OF_RANGE', T0 + 10 * MIN), fault('m4', null, 'OUT_OF_RANGE', T0 + 10 * MIN)),
    ).toHaveLength(1);
    expect(await tickets('m1')).toHaveLength(0);
    expect(await tickets('m4')).toHaveLength(1);
    // The window is over and the fault is still there: now it opens.
    await apply(fault('m1', null, 'OUT_OF_RANGE', T0 + 31 * MIN));
    expect((await tickets('m1')).map((x) => x.status)).toEqual(['OPEN']);
  });

  it('silences a whole zone, and withholds escalation of a ticket already open there (noted once)', async () => {
    await apply(fault('m3', 'plant', 'NOISE', T0));
    const open = first(await tickets('m3'), 'a ticket');
    expect(open.severity).toBe('MEDIUM');
    const res = await t.gql(SCHEDULE, {
      input: { zoneId: 'plant', startsAt: iso(T0), endsAt: iso(T0 + 60 * MIN), createdBy: 'operator' },
    });
    const window = res.data!.scheduleMaintenance;
    expect(window).toMatchObject({ zoneId: 'plant', createdBy: 'operator' });
    await apply(
      fault('m2', 'plant', 'OUT_OF_RANGE', T0 + 5 * MIN),
      fault('m3', 'plant', 'NOISE', T0 + 5 * MIN, 'HIGH'),
    );
    await apply(fault('m3', 'plant', 'NOISE', T0 + 6 * MIN, 'HIGH'));
    expect(await tickets('m2')).toHaveLength(0);
    const m3 = first(await tickets('m3'), 'a ticket');
    expect(m3.severity).toBe('MEDIUM');
    expect(m3.events.map((e) => e.type)).toEqual(['opened', 'suppressed']);
    expect(m3.events[1]!.note).toBe(
      `Escalation to HIGH withheld: maintenance window ${window.id} until ${iso(T0 + 60 * MIN)}`,
    );
  });

  it('cancels a running window (ends it now) and deletes an upcoming one', async () => {
    clock = T0 + 20 * MIN;
    const running = (
      await t.gql(SCHEDULE, { input: { sensorId: 'm4', startsAt: iso(T0), endsAt: iso(T0 + 60 * MIN) } })
    ).data!.scheduleMaintenance;
    const upcoming = (
      await t.gql(SCHEDULE, { input: { sensorId: 'm4', startsAt: iso(T0 + 90 * MIN), endsAt: iso(T0 + 120 * MIN) } })
    ).data!.scheduleMaintenance;
    const cancel = `mutation($id: ID!) { cancelMaintenance(id: $id) { id endsAt active } }`;
    const ended = await t.gql(cancel, { id: running.id });
    expect(ended.data!.cancelMaintenance).toEqual({ id: running.id, endsAt: iso(clock), active: false });
    const deleted = await t.gql(cancel, { id: upcoming.id });
    expect(deleted.data!.cancelMaintenance.id).toBe(upcoming.id);
    const list = await t.gql(`{ maintenanceWindows(sensorId: "m4", includePast: true) { id endsAt } }`);
    expect(list.data!.maintenanceWindows).toEqual([{ id: running.id, endsAt: iso(clock) }]);
    const again = await t.gql(cancel, { id: running.id });
    expect(again.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const unknown = await t.gql(cancel, { id: 'nope' });
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    clock = T0;
  });
});
