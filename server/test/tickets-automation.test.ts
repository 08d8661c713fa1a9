// Ticket automation against a real database, driven like the trust shell drives it:
// apply() inside a transaction with TrustChange values, sweep() with an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic, type TicketUpdatedPayload } from '../src/events/topics.js';
import { publishTicketUpdates } from '../src/modules/tickets/ticket-automation.js';
import type { TrustChange } from '../src/modules/trust/trust-changes.js';
import type { FaultKind, Severity, TrustStatus } from '../src/trust/types.js';
import { TARGETS } from './support/databases.js';
import { first } from './support/narrow.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const MIN = 60_000;

interface Condition {
  kind: FaultKind;
  since: number | null;
  severity?: Severity;
}

function change(
  sensorId: string,
  at: number,
  now: Condition[],
  opts: { before?: FaultKind[]; status?: TrustStatus; score?: number } = {},
): TrustChange {
  return {
    sensorId,
    zoneId: 'z1',
    previous: { status: 'DEGRADED', score: 50, reasonKinds: opts.before ?? [] },
    verdict: {
      score: opts.score ?? (now.length ? 30 : 90),
      status: opts.status ?? (now.length ? 'FAULTY' : 'HEALTHY'),
      severity: now[0]?.severity ?? 'NONE',
      reasons: now.map((c) => ({
        kind: c.kind,
        severity: c.severity ?? 'MEDIUM',
        message: `${c.kind} evidence`,
        since: c.since,
        active: true,
        clearedAt: null,
        advisory: false,
      })),
    },
    statusSince: new Date(T0),
    at: new Date(at),
  };
}

describe.each(TARGETS)('ticket automation on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  const published: TicketUpdatedPayload[] = [];
  let dashboardChanges = 0;

  async function apply(...changes: TrustChange[]) {
    const s = t.app.services.ticketAutomation;
    const payloads = await t.app.db.prisma.$transaction((tx) => s.apply(tx, changes));
    publishTicketUpdates(t.app.events, payloads);
    return payloads;
  }
  async function sweep(at: number) {
    clock = at;
    const s = t.app.services.ticketAutomation;
    const payloads = await t.app.db.prisma.$transaction((tx) => s.sweep(tx, new Date(at), null));
    publishTicketUpdates(t.app.events, payloads);
    return payloads;
  }
  const tickets = (sensorId: string) =>
    t.app.db.prisma.ticket.findMany({
      where: { sensorId },
      orderBy: { openedAt: 'asc' },
      include: { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
    });
  const only = (sensorId: string, payloads: TicketUpdatedPayload[]) => payloads.filter((p) => p.sensorId === sensorId);
  const eventTypes = (ticket: { events: { type: string }[] }) => ticket.events.map((e) => e.type);

  beforeAll(async () => {
    t = await startTestApp(target, {
      now: () => new Date(clock),
      env: {
        TICKET_TRUST_THRESHOLD: '60',
        TICKET_PENDING_SECONDS: '600',
        TICKET_KEEP_OPEN_SECONDS: '1800',
        TICKET_REOPEN_WINDOW_SECONDS: '3600',
        TICKET_ESCALATE_AFTER_SECONDS: '3600',
      },
    });
    t.app.events.on(Topic.TicketUpdated, (p) => published.push(p));
    t.app.events.on(Topic.DashboardChanged, (p) => {
      if (p.reason === 'tickets') dashboardChanges++;
    });
    await t.gql(`mutation { upsertZone(input: { id: "z1", name: "Zone 1" }) { id } }`);
    for (let i = 1; i <= 12; i++) {
      const res = await t.gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "temperature", zoneId: "z1" }) { id } }`,
        { id: `s${i}`, name: `s${i}` },
      );
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it('waits out the pending period before opening a ticket, measured from reason.since in event time', async () => {
    const stuck = { kind: 'STUCK' as const, since: T0 };
    expect(await apply(change('s1', T0 + 5 * MIN, [stuck], { status: 'DEGRADED', score: 40 }))).toEqual([]);
    expect(await tickets('s1')).toHaveLength(0);
    const payloads = await apply(
      change('s1', T0 + 11 * MIN, [stuck], { before: ['STUCK'], status: 'DEGRADED', score: 40 }),
    );
    const ticket = first(await tickets('s1'), 'a ticket');
    expect(payloads).toEqual([{ ticketId: ticket.id, sensorId: 's1', zoneId: 'z1' }]);
    expect(ticket).toMatchObject({
      kind: 'STUCK',
      status: 'OPEN',
      severity: 'MEDIUM',
      occurrences: 1,
      title: 'Stuck values on sensor s1',
    });
    expect(ticket.openedAt.getTime()).toBe(T0 + 11 * MIN);
    expect(ticket.events.map((e) => [e.type, e.actor, e.note])).toEqual([['opened', 'automation', 'STUCK evidence']]);
  });

  it('does not page for a bad batch of a sensor whose trust stays above the threshold', async () => {
    const spike = { kind: 'SPIKE' as const, since: T0 };
    await apply(change('s2', T0 + 60 * MIN, [spike], { status: 'HEALTHY', score: 80 }));
    await apply(change('s2', T0 + 61 * MIN, [spike], { status: 'DEGRADED', score: 61, before: ['SPIKE'] }));
    expect(await tickets('s2')).toHaveLength(0);
  });

  it('opens at once for strong evidence (OUT_OF_RANGE) when trust is low', async () => {
    await apply(change('s3', T0, [{ kind: 'OUT_OF_RANGE', since: T0, severity: 'HIGH' }]));
    const ticket = first(await tickets('s3'), 'a ticket');
    expect(ticket).toMatchObject({ kind: 'OUT_OF_RANGE', status: 'OPEN', severity: 'HIGH' });
  });

  it('updates the open ticket on a repeat instead of opening a second one, and escalates with duration', async () => {
    const oor = { kind: 'OUT_OF_RANGE' as const, since: T0, severity: 'HIGH' as const };
    // Same episode going on: last seen moves, nothing else.
    expect(await apply(change('s3', T0 + 5 * MIN, [oor], { before: ['OUT_OF_RANGE'] }))).toEqual([]);
    // Reported as new again: a repeat.
    await apply(change('s3', T0 + 10 * MIN, [{ ...oor, since: T0 + 10 * MIN }], { before: [] }));
    // Two hours into the first episode: two levels up from HIGH, capped at CRITICAL.
    await apply(change('s3', T0 + 120 * MIN, [oor], { before: ['OUT_OF_RANGE'] }));
    const all = await tickets('s3');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ occurrences: 2, severity: 'CRITICAL' });
    expect(all[0]!.lastSeenAt!.getTime()).toBe(T0 + 120 * MIN);
    expect(eventTypes(all[0]!)).toEqual(['opened', 'repeated', 'escalated']);
    expect(all[0]!.events[2]!.note).toMatch(/^HIGH → CRITICAL/);
  });

  it('keeps a ticket open through a short recovery (relapse) and resolves it after the keep-open period', async () => {
    const noise = { kind: 'NOISE' as const, since: T0 - 20 * MIN };
    await apply(change('s4', T0, [noise]));
    await apply(change('s4', T0 + 10 * MIN, [], { before: ['NOISE'] }));
    let ticket = first(await tickets('s4'), 'a ticket');
    expect(ticket.recoveredAt!.getTime()).toBe(T0 + 10 * MIN);
    expect(only('s4', await sweep(T0 + 30 * MIN))).toEqual([]);
    // Back before the keep-open period ran out: same ticket, not resolved.
    await apply(change('s4', T0 + 35 * MIN, [{ ...noise, since: T0 + 35 * MIN }], { before: [] }));
    await sweep(T0 + 60 * MIN);
    ticket = first(await tickets('s4'), 'a ticket');
    expect(ticket).toMatchObject({ status: 'OPEN', recoveredAt: null, occurrences: 2 });
    // Recovery that lasts.
    await apply(change('s4', T0 + 70 * MIN, [], { before: ['NOISE'] }));
    expect(only('s4', await sweep(T0 + 99 * MIN))).toEqual([]);
    const before = published.length;
    const swept = only('s4', await sweep(T0 + 100 * MIN));
    ticket = first(await tickets('s4'), 'a ticket');
    expect(swept).toEqual([{ ticketId: ticket.id, sensorId: 's4', zoneId: 'z1' }]);
    expect(only('s4', published.slice(before))).toEqual(swept);
    expect(ticket).toMatchObject({ status: 'RESOLVED', resolvedBy: 'automation' });
    expect(ticket.resolvedAt!.getTime()).toBe(T0 + 100 * MIN);
    expect(eventTypes(ticket)).toEqual(['opened', 'recovering', 'relapsed', 'recovering', 'auto_resolved']);
    expect(ticket.events.at(-1)!.note).toBe(
      'NOISE not reported since 2026-11-28T11:10:00.000Z (longer than the keep-open period of 30 min): resolved automatically',
    );
  });

  it('reopens the same ticket on a relapse within the reopen window, and opens a new one after it', async () => {
    const resolved = first(await tickets('s4'), 'a ticket');
    const relapseAt = T0 + 130 * MIN; // 30 min after auto-resolution
    await apply(change('s4', relapseAt, [{ kind: 'NOISE', since: relapseAt - 15 * MIN }]));
    let all = await tickets('s4');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      id: resolved.id,
      status: 'OPEN',
      resolvedAt: null,
      resolvedBy: null,
      occurrences: 3,
    });
    expect(eventTypes(all[0]!).at(-1)).toBe('reopened');
    // Recover and resolve again, then relapse long after the window: a fresh ticket.
    await apply(change('s4', relapseAt + MIN, [], { before: ['NOISE'] }));
    await sweep(relapseAt + 40 * MIN);
    const late = relapseAt + 40 * MIN + 2 * 3600_000;
    await apply(change('s4', late, [{ kind: 'NOISE', since: late - 15 * MIN }]));
    all = await tickets('s4');
    expect(all.map((x) => x.status)).toEqual(['RESOLVED', 'OPEN']);
    expect(all[1]!.id).not.toBe(resolved.id);
  });

  it('never overwrites a severity chosen by a person, and notes the suggestion once', async () => {
    await apply(change('s5', T0, [{ kind: 'OFFLINE', since: T0 - 5 * MIN, severity: 'HIGH' }], { status: 'OFFLINE' }));
    const opened = first(await tickets('s5'), 'a ticket');
    clock = T0 + MIN;
    const set = await t.gql(
      `mutation($id: ID!) { setTicketSeverity(id: $id, severity: LOW, note: "planned outage") { severity } }`,
      { id: opened.id },
    );
    expect(set.data!.setTicketSeverity.severity).toBe('LOW');
    for (const m of [10, 20]) {
      await apply(
        change('s5', T0 + m * MIN, [{ kind: 'OFFLINE', since: T0 - 5 * MIN, severity: 'HIGH' }], {
          status: 'OFFLINE',
          before: ['OFFLINE'],
        }),
      );
    }
    await sweep(T0 + 5 * 3600_000);
    const ticket = first(await tickets('s5'), 'a ticket');
    expect(ticket).toMatchObject({ severity: 'LOW', severityManual: true });
    expect(eventTypes(ticket)).toEqual(['opened', 'severity_set', 'escalation_withheld']);
    expect(ticket.events[2]!.note).toBe(
      'Automation would raise the severity to HIGH; LOW was chosen by a person and is kept',
    );
  });

  it('reopens a resolved-by-hand ticket whose fault is still reported (a live fault keeps an open ticket)', async () => {
    await apply(change('s6', T0, [{ kind: 'DRIFT', since: T0 - 30 * MIN }]));
    const opened = first(await tickets('s6'), 'a ticket');
    clock = T0 + MIN;
    await t.gql(`mutation($id: ID!) { resolveTicket(id: $id, note: "recalibrated") { status } }`, { id: opened.id });
    for (const m of [5, 10]) {
      await apply(change('s6', T0 + m * MIN, [{ kind: 'DRIFT', since: T0 - 30 * MIN }], { before: ['DRIFT'] }));
    }
    const all = await tickets('s6');
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe('OPEN');
    expect(eventTypes(all[0]!)).toEqual(['opened', 'resolved', 'reopened']);
    expect(all[0]!.events[2]!.note).toMatch(/^DRIFT is still reported after operator resolved it: reopened/);
  });

  it('notes, but does not act on, the recovery of a ticket a person has taken', async () => {
    await apply(change('s7', T0, [{ kind: 'GAP', since: T0 - 30 * MIN }]));
    const opened = first(await tickets('s7'), 'a ticket');
    clock = T0;
    await t.gql(`mutation($id: ID!) { acknowledgeTicket(id: $id) { status } }`, { id: opened.id });
    await apply(change('s7', T0 + MIN, [], { before: ['GAP'] }));
    await sweep(T0 + 60 * MIN);
    await sweep(T0 + 70 * MIN);
    const ticket = first(await tickets('s7'), 'a ticket');
    expect(ticket.status).toBe('ACKNOWLEDGED');
    expect(eventTypes(ticket)).toEqual(['opened', 'acknowledged', 'recovering', 'recovered']);
  });

  it('escalates long-open tickets on the sweep, one level per period', async () => {
    clock = T0;
    await apply(
      change('s8', T0, [{ kind: 'CLOCK', since: T0 - 15 * MIN, severity: 'LOW' }], { status: 'DEGRADED', score: 40 }),
    );
    expect((await tickets('s8'))[0]!.severity).toBe('LOW');
    await sweep(T0 + 59 * MIN);
    expect((await tickets('s8'))[0]!.severity).toBe('LOW');
    await sweep(T0 + 61 * MIN);
    await sweep(T0 + 62 * MIN);
    const ticket = first(await tickets('s8'), 'a ticket');
    expect(ticket.severity).toBe('MEDIUM');
    expect(eventTypes(ticket)).toEqual(['opened', 'escalated']);
  });

  it('opens one ticket per fault kind and batches many sensors in one call', async () => {
    const at = T0 + 300 * MIN;
    const payloads = await apply(
      change('s9', at, [
        { kind: 'OUT_OF_RANGE', since: at },
        { kind: 'SPIKE', since: at - 20 * MIN },
      ]),
      change('s10', at, [{ kind: 'OFFLINE', since: at - 10 * MIN }], { status: 'OFFLINE' }),
      change('s11', at, [{ kind: 'STUCK', since: at - MIN }]), // still pending
    );
    expect(payloads.map((p) => p.sensorId).sort()).toEqual(['s10', 's9', 's9']);
    expect((await tickets('s9')).map((x) => x.kind).sort()).toEqual(['OUT_OF_RANGE', 'SPIKE']);
    expect(await tickets('s11')).toHaveLength(0);
    expect(dashboardChanges).toBeGreaterThan(0);
  });

  it('costs one statement when nothing needs doing', async () => {
    const counted = await startTestApp(target, { countStatements: true, env: { TICKET_PENDING_SECONDS: '600' } });
    try {
      await counted.gql(`mutation { upsertSensor(input: { id: "q1", name: "q1", kind: "t" }) { id } }`);
      const s = counted.app.services.ticketAutomation;
      const at = Date.now();
      const before = counted.app.db.statementCount();
      await counted.app.db.prisma.$transaction((tx) => s.apply(tx, [change('q1', at, [{ kind: 'STUCK', since: at }])]));
      // BEGIN, the ticket read, COMMIT.
      expect(counted.app.db.statementCount() - before).toBeLessThanOrEqual(3);
    } finally {
      await counted.close();
    }
  });
});
