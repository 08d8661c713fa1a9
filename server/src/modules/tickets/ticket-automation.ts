// Ticket automation, driven by the trust shell inside its ingest/sweep transactions:
// read the tickets the changes touch (one statement), plan, and write in bulk. Opening
// or reopening takes per-(sensor, kind) advisory locks and re-plans on fresh data; the
// partial unique index ticket_one_open_per_sensor_kind is the last line of defence.
// The caller publishes the returned payloads after commit (`publishTicketUpdates`, below).
import type { SqlTx } from '../../db/sql-transaction.js';
import type { TicketSettings } from '../../config.js';
import { dedupePayloads } from '../../events/ticket-updates.js';
import type { TicketUpdatedPayload } from '../../events/topics.js';
import type { IncidentGrouping, OpenedTicket } from './ticket-grouping.js';
import type { TicketAutomation, TrustChange } from '../trust/trust-changes.js';
import {
  activeWindows,
  insertTickets,
  knownTickets,
  lockKeys,
  patchTickets,
  reopenTickets,
  type ChangedTicket,
} from './ticket-automation-repository.js';
import {
  planTickets,
  ticketDigest,
  ticketKey,
  type ActiveWindow,
  type KnownTicket,
  type TicketPlan,
} from './ticket-planner.js';
import { escalateLongOpen, resolveRecovered } from './ticket-sweep-repository.js';

type Tx = SqlTx;

export interface TicketAutomationDeps {
  settings: TicketSettings;
  /** Puts opened and reopened tickets into the incident of their cause (modules/incidents). */
  grouping?: IncidentGrouping;
}

export { dedupePayloads, publishTicketUpdates } from '../../events/ticket-updates.js';

function byKey(tickets: readonly KnownTicket[]): Map<string, KnownTicket> {
  return new Map(tickets.map((t) => [ticketKey(t.sensorId, t.kind), t]));
}

function structuralKeys(plan: TicketPlan): string[] {
  return [
    ...plan.inserts.map((i) => ticketKey(i.sensorId, i.kind)),
    ...plan.reopens.map((r) => ticketKey(r.sensorId, r.kind)),
  ];
}

export function createTicketAutomation({ settings, grouping }: TicketAutomationDeps): TicketAutomation {
  async function planWithWindows(
    tx: Tx,
    changes: TrustChange[],
    known: Map<string, KnownTicket>,
    windows: Map<string, ActiveWindow | null>,
  ) {
    let plan = planTickets({ changes, known, windows, settings });
    if (plan.needWindows.size) {
      const wanted = changes.filter((c) => plan.needWindows.has(c.sensorId));
      for (const [id, w] of await activeWindows(tx, wanted)) windows.set(id, w);
      plan = planTickets({ changes, known, windows, settings });
    }
    return plan;
  }

  /** One change per sensor at most. */
  async function applyRound(tx: Tx, changes: TrustChange[]): Promise<TicketUpdatedPayload[]> {
    const sensorIds = [...new Set(changes.map((c) => c.sensorId))];
    const windows = new Map<string, ActiveWindow | null>();
    let plan: TicketPlan = await planWithWindows(tx, changes, byKey(await knownTickets(tx, sensorIds)), windows);

    // Someone else may be opening the same tickets right now: serialise on the keys and
    // decide again on what is committed once we hold them (again if the plan moved on).
    const locked = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const keys = structuralKeys(plan).filter((k) => !locked.has(k));
      if (!keys.length) break;
      await lockKeys(tx, keys);
      for (const k of keys) locked.add(k);
      plan = await planWithWindows(tx, changes, byKey(await knownTickets(tx, sensorIds)), windows);
    }

    const zoneOf = new Map(changes.map((c) => [c.sensorId, c.zoneId]));
    // A zone's sensors moving together are the environment, not faults: those open no ticket.
    const environment = grouping
      ? await grouping.holdEnvironment(tx, plan.inserts)
      : { keep: plan.inserts, incidentIds: [], released: [] };
    const inserted = await insertTickets(tx, environment.keep);
    const reopened = await reopenTickets(tx, plan.reopens);
    const changed: ChangedTicket[] = [...inserted, ...reopened, ...(await patchTickets(tx, plan.patches, plan.events))];
    let incidentOf = new Map<string, string>();
    if (grouping && (inserted.length || reopened.length)) {
      const insertOf = new Map(plan.inserts.map((i) => [ticketKey(i.sensorId, i.kind), i]));
      const reopenOf = new Map(plan.reopens.map((r) => [r.id, r]));
      const opened: OpenedTicket[] = [];
      for (const t of inserted) {
        const i = insertOf.get(ticketKey(t.sensorId, t.kind));
        if (t.inserted && i)
          opened.push({ ticketId: t.ticketId, sensorId: t.sensorId, kind: i.kind, severity: i.severity, at: i.at });
      }
      for (const t of reopened) {
        const r = reopenOf.get(t.ticketId);
        if (r)
          opened.push({
            ticketId: t.ticketId,
            sensorId: t.sensorId,
            kind: r.kind,
            severity: r.severity ?? 'MEDIUM',
            at: r.at,
          });
      }
      incidentOf = await grouping.assign(tx, opened);
    }
    const released = environment.released.map((r) => ({ ticketId: r.id, sensorId: r.sensor_id }));
    // An ENVIRONMENT incident has no ticket: a payload without one publishes only incidentUpdated.
    const moves = environment.incidentIds.map((incidentId) => ({
      ticketId: '',
      sensorId: '',
      zoneId: null,
      incidentId,
    }));
    return [
      ...[...changed, ...released].map((t) => {
        const incidentId = incidentOf.get(t.ticketId);
        const p = { ticketId: t.ticketId, sensorId: t.sensorId, zoneId: zoneOf.get(t.sensorId) ?? null };
        return incidentId ? { ...p, incidentId } : p;
      }),
      ...moves,
    ];
  }

  return {
    digest: (change) => ticketDigest(change, settings),

    async apply(tx, changes) {
      if (!changes.length) return [];
      // A sensor may come with several changes (every verdict a stream tick passed through,
      // in event order): the k-th change of every sensor is planned in round k, on the
      // tickets as the earlier rounds left them.
      const queues = new Map<string, TrustChange[]>();
      for (const c of changes) {
        const q = queues.get(c.sensorId);
        if (q) q.push(c);
        else queues.set(c.sensorId, [c]);
      }
      const payloads: TicketUpdatedPayload[] = [];
      for (let round = 0; ; round++) {
        const batch: TrustChange[] = [];
        for (const q of queues.values()) {
          const change = q[round];
          if (change) batch.push(change);
        }
        if (!batch.length) break;
        payloads.push(...(await applyRound(tx, batch)));
      }
      return dedupePayloads(payloads);
    },

    async sweep(tx, now, sensorIds) {
      const resolved = await resolveRecovered(tx, now, settings.keepOpenMs, sensorIds);
      const escalated = await escalateLongOpen(tx, now, settings.escalateAfterMs, sensorIds);
      return dedupePayloads([...resolved, ...escalated]);
    },
  };
}
