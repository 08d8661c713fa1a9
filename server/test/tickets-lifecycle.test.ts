// Manual ticket lifecycle through GraphQL: every action from every status (legal →
// new status and an event with who and when; illegal → BAD_USER_INPUT, nothing
// changes), unknown ids, the x-actor header (TRUST_ACTOR_HEADER=true), and the tickets query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic, type TicketUpdatedPayload } from '../src/events/topics.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

type Status = 'OPEN' | 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED';
const STATUSES: Status[] = ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED'];
const NOW = new Date('2026-11-28T12:00:00.000Z');

const ACTIONS = {
  acknowledge: {
    mutation: `acknowledgeTicket(id: $id, note: "on it")`,
    event: 'acknowledged',
    legal: { OPEN: 'ACKNOWLEDGED' },
  },
  start: {
    mutation: `startTicket(id: $id, note: "driving there")`,
    event: 'started',
    legal: { OPEN: 'IN_PROGRESS', ACKNOWLEDGED: 'IN_PROGRESS' },
  },
  resolve: {
    mutation: `resolveTicket(id: $id, note: "replaced")`,
    event: 'resolved',
    legal: { OPEN: 'RESOLVED', ACKNOWLEDGED: 'RESOLVED', IN_PROGRESS: 'RESOLVED' },
  },
  assign: {
    mutation: `assignTicket(id: $id, assignee: "bob")`,
    event: 'assigned',
    legal: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS' },
  },
  comment: {
    mutation: `commentTicket(id: $id, note: "seen it")`,
    event: 'comment',
    legal: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS', RESOLVED: 'RESOLVED' },
  },
  setSeverity: {
    mutation: `setTicketSeverity(id: $id, severity: CRITICAL)`,
    event: 'severity_set',
    legal: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS' },
  },
} as const satisfies Record<string, { mutation: string; event: string; legal: Partial<Record<Status, Status>> }>;

const CASES = Object.entries(ACTIONS).flatMap(([action, spec]) =>
  STATUSES.map((from) => ({ action, from, to: (spec.legal as Partial<Record<Status, Status>>)[from] ?? null })),
);

describe.each(TARGETS)('ticket lifecycle on %s', (target) => {
  let t: TestApp;
  const published: TicketUpdatedPayload[] = [];

  async function gqlAs(actor: string | null, query: string, variables: Record<string, unknown>) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: actor ? { 'x-actor': actor } : {},
      payload: { query, variables },
    });
    return res.json();
  }

  let seq = 0;
  async function ticketIn(status: Status, sensorId = 'l1') {
    const at = new Date(NOW.getTime() - 3_600_000 + seq++ * 1000);
    return t.app.db.prisma.ticket.create({
      data: {
        sensorId,
        kind: 'STUCK',
        severity: 'MEDIUM',
        status,
        title: 'Stuck values on sensor',
        openedAt: at,
        updatedAt: at,
        resolvedAt: status === 'RESOLVED' ? at : null,
      },
    });
  }

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW, env: { TRUST_ACTOR_HEADER: 'true' } });
    t.app.events.on(Topic.TicketUpdated, (p) => published.push(p));
    await t.gql(`mutation { upsertZone(input: { id: "north", name: "North" }) { id } }`);
    await t.gql(`mutation { upsertZone(input: { id: "south", name: "South" }) { id } }`);
    for (const [id, zone] of [
      ['l1', 'north'],
      ['l2', 'south'],
      ['l3', 'north'],
    ]) {
      await t.gql(
        `mutation($id: ID!, $name: String!, $zone: ID) { upsertSensor(input: { id: $id, name: $name, kind: "t", zoneId: $zone }) { id } }`,
        { id, name: id, zone },
      );
    }
  });
  afterAll(() => t?.close());

  it.each(CASES)('$action from $from → $to', async ({ action, from, to }) => {
    // Each case gets its own sensor-less clash free ticket: resolved ones need no unique slot.
    await t.app.db.prisma.ticket.updateMany({
      where: { sensorId: 'l1', status: { not: 'RESOLVED' } },
      data: { status: 'RESOLVED' },
    });
    const ticket = await ticketIn(from);
    const spec = ACTIONS[action as keyof typeof ACTIONS];
    const before = published.length;
    const res = await gqlAs(
      'alice',
      `mutation($id: ID!) { ${spec.mutation} { id status assignee severity events { at type actor note } } }`,
      { id: ticket.id },
    );
    const stored = await t.app.db.prisma.ticket.findUniqueOrThrow({
      where: { id: ticket.id },
      include: { events: true },
    });
    if (to === null) {
      expect(res.data).toBeNull();
      expect(res.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(res.errors[0].message).toMatch(new RegExp(`it is ${from} \\(allowed from `));
      expect(stored.status).toBe(from);
      expect(stored.events).toHaveLength(0);
      expect(published.length).toBe(before);
      return;
    }
    expect(res.errors).toBeUndefined();
    const out = Object.values(res.data)[0] as {
      status: string;
      events: { at: string; type: string; actor: string; note: string }[];
    };
    expect(out.status).toBe(to);
    expect(stored.status).toBe(to);
    expect(out.events).toEqual([expect.objectContaining({ type: spec.event, actor: 'alice', at: NOW.toISOString() })]);
    expect(published.slice(before)).toEqual([{ ticketId: ticket.id, sensorId: 'l1', zoneId: 'north' }]);
    if (action === 'resolve') expect(stored).toMatchObject({ resolvedBy: 'alice', resolvedAt: NOW });
    if (action === 'assign') expect(stored.assignee).toBe('bob');
    if (action === 'start') expect(stored.assignee).toBe('alice');
    if (action === 'setSeverity') expect(stored).toMatchObject({ severity: 'CRITICAL', severityManual: true });
  });

  it('takes "operator" as the actor without an x-actor header', async () => {
    const ticket = await ticketIn('RESOLVED');
    const res = await gqlAs(
      null,
      `mutation($id: ID!) { commentTicket(id: $id, note: "post-mortem") { events { actor note } } }`,
      { id: ticket.id },
    );
    expect(res.data.commentTicket.events).toEqual([{ actor: 'operator', note: 'post-mortem' }]);
  });

  it.each([
    'acknowledgeTicket(id: $id)',
    'resolveTicket(id: $id)',
    'commentTicket(id: $id, note: "x")',
    'assignTicket(id: $id, assignee: "x")',
  ])('%s on an unknown id is NOT_FOUND', async (call) => {
    const res = await gqlAs(null, `mutation($id: ID!) { ${call} { id } }`, { id: 'no-such-ticket' });
    expect(res.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(res.errors[0].message).toBe('Ticket "no-such-ticket" does not exist');
  });

  it('rejects an empty comment or assignee as BAD_USER_INPUT', async () => {
    await t.app.db.prisma.ticket.updateMany({
      where: { sensorId: 'l1', status: { not: 'RESOLVED' } },
      data: { status: 'RESOLVED' },
    });
    const ticket = await ticketIn('OPEN');
    for (const call of ['commentTicket(id: $id, note: "  ")', 'assignTicket(id: $id, assignee: "")']) {
      const res = await gqlAs(null, `mutation($id: ID!) { ${call} { id } }`, { id: ticket.id });
      expect(res.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('lists tickets newest first with filters and cursor pagination', async () => {
    await t.app.db.prisma.ticketEvent.deleteMany({});
    await t.app.db.prisma.ticket.deleteMany({});
    const base = NOW.getTime() - 86_400_000;
    const rows: { id: string; openedAt: Date }[] = [];
    // 9 tickets, several sharing an openedAt (one automation batch opens many at once).
    for (let i = 0; i < 9; i++) {
      const at = new Date(base + Math.floor(i / 3) * 60_000);
      const sensorId = ['l1', 'l2', 'l3'][i % 3]!;
      const kind = (['STUCK', 'NOISE', 'SPIKE'] as const)[Math.floor(i / 3)]!;
      rows.push(
        await t.app.db.prisma.ticket.create({
          data: {
            sensorId,
            kind,
            severity: i % 2 ? 'HIGH' : 'LOW',
            status: i === 8 ? 'RESOLVED' : 'OPEN',
            title: `t${i}`,
            openedAt: at,
            updatedAt: at,
          },
        }),
      );
    }
    const expected = [...rows]
      .sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: GraphQLResponse = await t.gql(
        `query($after: String) { tickets(first: 2, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.tickets.totalCount).toBe(9);
      seen.push(...res.data!.tickets.nodes.map((n: { id: string }) => n.id));
      if (!res.data!.tickets.pageInfo.hasNextPage) break;
      after = res.data!.tickets.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);

    const filtered = await t.gql(`{
      byZone: tickets(filter: { zoneId: "north" }) { totalCount nodes { sensor { id } } }
      bySensor: tickets(filter: { sensorId: "l2" }) { totalCount }
      open: tickets(filter: { status: [OPEN] }) { totalCount }
      high: tickets(filter: { severity: [HIGH], status: [OPEN, ACKNOWLEDGED] }) { totalCount nodes { severity status } }
    }`);
    expect(filtered.errors).toBeUndefined();
    expect(filtered.data!.byZone.totalCount).toBe(6);
    expect(new Set(filtered.data!.byZone.nodes.map((n: { sensor: { id: string } }) => n.sensor.id))).toEqual(
      new Set(['l1', 'l3']),
    );
    expect(filtered.data!.bySensor.totalCount).toBe(3);
    expect(filtered.data!.open.totalCount).toBe(8);
    expect(filtered.data!.high.totalCount).toBe(4);

    const bad = await t.gql(`{ tickets(after: "not-a-cursor") { totalCount } }`);
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});
