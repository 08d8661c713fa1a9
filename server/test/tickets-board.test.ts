// What the tickets board asks of the API: every ticket reachable by cursor in each
// order (no skips, no repeats), text search and assignee filters, and bulk actions
// with an outcome per ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const KINDS = ['STUCK', 'SPIKE', 'NOISE', 'GAP', 'CLOCK', 'DRIFT'] as const;
const SENSORS = 45;

describe.each(TARGETS)('tickets board API on %s', (target) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW, env: { TRUST_ACTOR_HEADER: 'true' } });
    await t.gql(`mutation { upsertZone(input: { id: "north", name: "North" }) { id } }`);
    const data = [];
    for (let i = 0; i < SENSORS; i++) {
      const id = `s${String(i).padStart(2, '0')}`;
      await t.gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "t", zoneId: "north" }) { id } }`,
        { id, name: i === 7 ? 'Freezer door probe' : `Sensor ${i}` },
      );
      // 6 tickets per sensor: 270 in all, more than one page of 100; ties on openedAt on purpose.
      for (const [k, kind] of KINDS.entries()) {
        const at = new Date(NOW.getTime() - (i % 20) * 60_000 - k * 1000);
        data.push({
          sensorId: id,
          kind,
          severity: SEVERITIES[(i + k) % 4]!,
          title: `${kind} on ${id}`,
          openedAt: at,
          updatedAt: new Date(at.getTime() + ((i * 7 + k) % 13) * 1000),
          assignee: i % 3 === 0 ? (i % 2 ? 'Ana' : 'mo') : null,
        });
      }
    }
    await t.app.db.prisma.ticket.createMany({ data });
  });
  afterAll(() => t?.close());

  async function all(order: string, filter: Record<string, unknown> = {}) {
    const ids: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let guard = 0; guard < 50; guard++) {
      const res: GraphQLResponse = await t.gql(
        `query($f: TicketFilter, $after: String, $order: TicketOrder) {
          tickets(filter: $f, first: 100, after: $after, orderBy: $order) {
            totalCount pageInfo { endCursor hasNextPage } nodes { id severity openedAt updatedAt }
          }
        }`,
        { f: filter, after, order },
      );
      expect(res.errors).toBeUndefined();
      const page: {
        totalCount: number;
        nodes: { id: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      } = res.data!.tickets;
      total = page.totalCount;
      ids.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { ids, total };
  }

  it.each(['OPENED_DESC', 'OPENED_ASC', 'UPDATED_DESC', 'SEVERITY_DESC'])(
    'reaches every ticket exactly once by cursor in order %s',
    async (order) => {
      const { ids, total } = await all(order);
      expect(total).toBe(SENSORS * KINDS.length);
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);
    },
  );

  it('orders by severity, most severe first', async () => {
    const res = await t.gql(`{ tickets(first: 1000, orderBy: SEVERITY_DESC) { nodes { severity } } }`);
    const ranks = res.data!.tickets.nodes.map((n: { severity: string }) => SEVERITIES.indexOf(n.severity as never));
    expect(ranks).toEqual([...ranks].sort((a: number, b: number) => b - a));
  });

  it('refuses a cursor from another order', async () => {
    const first = await t.gql(`{ tickets(first: 5, orderBy: OPENED_ASC) { pageInfo { endCursor } } }`);
    const res = await t.gql(
      `query($a: String) { tickets(first: 5, after: $a, orderBy: SEVERITY_DESC) { totalCount } }`,
      {
        a: first.data!.tickets.pageInfo.endCursor,
      },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('finds tickets by text in the title, sensor id or name, and by assignee', async () => {
    expect((await all('OPENED_DESC', { search: 'freezer' })).total).toBe(6); // sensor name
    expect((await all('OPENED_DESC', { search: 'SPIKE on s1' })).total).toBe(10); // s1, s10..s19
    expect((await all('OPENED_DESC', { search: 'ana' })).total).toBe(7 * 6); // assignee, any case
    expect((await all('OPENED_DESC', { assignee: 'ANA' })).total).toBe(7 * 6);
    expect((await all('OPENED_DESC', { assignee: 'mo' })).total).toBe(8 * 6);
    expect((await all('OPENED_DESC', { assignee: '' })).total).toBe(30 * 6); // unassigned
  });

  it('acknowledges, assigns and resolves in bulk, with an outcome per ticket', async () => {
    const { ids } = await all('OPENED_DESC', { sensorId: 's01' });
    const [a, b, c] = ids;
    await t.gql(`mutation($id: ID!) { resolveTicket(id: $id) { id } }`, { id: c });
    const bulk = async (input: Record<string, unknown>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'x-actor': 'lee' },
        payload: {
          query: `mutation($input: TicketBulkInput!) {
            bulkUpdateTickets(input: $input) {
              succeeded failed
              outcomes { id ok code message ticket { id status assignee events { type actor note } } }
            }
          }`,
          variables: { input },
        },
      });
      return res.json();
    };

    const ack = await bulk({ ids: [a, b, c, 'nope', a], action: 'ACKNOWLEDGE', note: 'seen' });
    expect(ack.errors).toBeUndefined();
    const r = ack.data.bulkUpdateTickets;
    expect(r.succeeded).toBe(2);
    expect(r.failed).toBe(2);
    expect(r.outcomes.map((o: { id: string; ok: boolean; code: string | null }) => [o.id, o.ok, o.code])).toEqual([
      [a, true, null],
      [b, true, null],
      [c, false, 'BAD_USER_INPUT'],
      ['nope', false, 'NOT_FOUND'],
    ]);
    expect(r.outcomes[0].ticket.status).toBe('ACKNOWLEDGED');
    expect(r.outcomes[0].ticket.events.at(-1)).toEqual({ type: 'acknowledged', actor: 'lee', note: 'seen' });
    expect(r.outcomes[2].message).toMatch(/it is RESOLVED/);

    const assign = await bulk({ ids: [a, b], action: 'ASSIGN', assignee: 'Ana' });
    expect(assign.data.bulkUpdateTickets.succeeded).toBe(2);
    expect(assign.data.bulkUpdateTickets.outcomes[1].ticket.assignee).toBe('Ana');

    const resolve = await bulk({ ids: [a, b], action: 'RESOLVE', note: 'probe replaced' });
    expect(resolve.data.bulkUpdateTickets.succeeded).toBe(2);
    const stored = await t.app.db.prisma.ticket.findUniqueOrThrow({ where: { id: b }, include: { events: true } });
    expect(stored.status).toBe('RESOLVED');
    expect(stored.events.at(-1)).toMatchObject({ type: 'resolved', actor: 'lee', note: 'probe replaced' });

    expect((await bulk({ ids: [], action: 'RESOLVE' })).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await bulk({ ids: [a], action: 'ASSIGN' })).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
