// One unresolved ticket per sensor and fault kind, ever: many concurrent transactions
// (and, on PostgreSQL, two server instances on one database) report the same fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TrustChange } from '../src/modules/trust/trust-changes.js';
import type { FaultKind } from '../src/trust/types.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { first } from './support/narrow.js';

const AT = Date.parse('2026-11-28T10:00:00.000Z');

/** A fault that has lasted long enough to open a ticket (started `sinceAgo` ms before `at`). */
function fault(sensorId: string, kind: FaultKind, at: number, sinceAgo = 3_600_000): TrustChange {
  return {
    sensorId,
    zoneId: null,
    previous: { status: 'HEALTHY', score: 90, reasonKinds: [] },
    verdict: {
      score: 20,
      status: 'FAULTY',
      severity: 'HIGH',
      reasons: [
        {
          kind,
          severity: 'HIGH',
          message: `${kind} now`,
          since: at - sinceAgo,
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

function report(app: FastifyInstance, changes: TrustChange[]) {
  const automation = app.services.ticketAutomation;
  return app.db.prisma.$transaction((tx) => automation.apply(tx, changes));
}

describe.each(TARGETS)('ticket dedup on %s', (target) => {
  let t: TestApp;
  let second: TestApp | null = null;

  beforeAll(async () => {
    t = await startTestApp(target, { env: { TICKET_REOPEN_WINDOW_SECONDS: '3600' } });
    // A second instance on the same database (PostgreSQL only: PGlite is in-process).
    if (target === 'postgres') second = await startTestApp(target, { database: t.database });
    for (const id of ['d1', 'd2', 'd3', 'd4']) {
      const res = await t.gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "co2" }) { id } }`,
        { id, name: id },
      );
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  const openTickets = (sensorId: string) =>
    t.app.db.prisma.ticket.findMany({ where: { sensorId, status: { not: 'RESOLVED' } }, include: { events: true } });

  it('opens exactly one ticket when 24 transactions report the same new fault at once', async () => {
    const apps = second ? [t.app, second.app] : [t.app];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => report(apps[i % apps.length]!, [fault('d1', 'STUCK', AT + i)])),
    );
    const tickets = await openTickets('d1');
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.occurrences).toBe(24);
    const types = tickets[0]!.events.map((e) => e.type).sort();
    expect(types.filter((x) => x === 'opened')).toHaveLength(1);
    expect(types.filter((x) => x === 'repeated')).toHaveLength(23);
    // Every transaction reports the one ticket it touched.
    expect(new Set(results.flat().map((p) => p.ticketId))).toEqual(new Set([tickets[0]!.id]));
  });

  it('keeps one ticket per kind when concurrent batches mix sensors and kinds', async () => {
    const kinds: FaultKind[] = ['OUT_OF_RANGE', 'NOISE', 'CLOCK'];
    const apps = second ? [t.app, second.app] : [t.app];
    await Promise.all(
      Array.from({ length: 18 }, (_, i) => {
        // Different orders per batch: the lock order must not deadlock.
        const changes = (i % 2 ? ['d2', 'd3'] : ['d3', 'd2']).map((s) => {
          const c = fault(s, kinds[0]!, AT + i);
          const reason = first(c.verdict.reasons, 'a reason');
          c.verdict.reasons = kinds.map((k) => ({ ...reason, kind: k }));
          return c;
        });
        return report(apps[i % apps.length]!, changes);
      }),
    );
    for (const sensorId of ['d2', 'd3']) {
      const tickets = await openTickets(sensorId);
      expect(tickets.map((x) => x.kind).sort()).toEqual(['CLOCK', 'NOISE', 'OUT_OF_RANGE']);
      expect(tickets.map((x) => [x.occurrences, x.events.length])).toEqual([
        [18, 18],
        [18, 18],
        [18, 18],
      ]);
    }
  });

  it('reopens one ticket, never two, when concurrent batches report a relapse', async () => {
    await report(t.app, [fault('d4', 'OUT_OF_RANGE', Date.now() - 60_000)]);
    const ticket = first(await openTickets('d4'), 'a ticket');
    await t.gql(`mutation($id: ID!) { resolveTicket(id: $id) { status } }`, { id: ticket.id });
    // A relapse: the condition started after the (manual) resolution; OUT_OF_RANGE needs no pending period.
    const later = Date.now() + 60_000;
    const apps = second ? [t.app, second.app] : [t.app];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => report(apps[i % apps.length]!, [fault('d4', 'OUT_OF_RANGE', later + i, 0)])),
    );
    const all = await t.app.db.prisma.ticket.findMany({ where: { sensorId: 'd4' }, include: { events: true } });
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe('OPEN');
    expect(all[0]!.events.filter((e) => e.type === 'reopened')).toHaveLength(1);
  });

  it('is enforced by the database: a second unresolved row for a sensor and kind is rejected', async () => {
    const existing = first(await openTickets('d1'), 'a ticket');
    await expect(
      t.app.db.prisma.ticket.create({
        data: { sensorId: 'd1', kind: existing.kind, severity: 'LOW', title: 'duplicate' },
      }),
    ).rejects.toThrow(/Unique constraint|unique/i);
  });
});
