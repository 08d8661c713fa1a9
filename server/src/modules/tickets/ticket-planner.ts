// Decides, from trust changes and the tickets they touch, what ticket automation
// writes. Pure: the automation shell reads, plans, (locks, re-reads, re-plans) and writes.
import type { TicketSettings } from '../../config.js';
import { isTicketReason, type FaultKind, type Severity, type TrustReason } from '../../trust/types.js';
import type { TrustChange } from '../trust/trust-changes.js';
import {
  AUTOMATION_ACTOR,
  automaticSeverity,
  formatDuration,
  severityRank,
  ticketTitle,
  type TicketStatus,
} from './ticket-rules.js';

/** The ticket of a (sensor, kind) automation looks at: the open one, else the latest resolved one. */
export interface KnownTicket {
  id: string;
  sensorId: string;
  kind: FaultKind;
  status: TicketStatus;
  severity: Severity;
  severityManual: boolean;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  recoveredAt: Date | null;
  lastSeenAt: Date | null;
}

export interface ActiveWindow {
  id: string;
  endsAt: Date;
}

export interface TicketInsert {
  sensorId: string;
  kind: FaultKind;
  severity: Severity;
  title: string;
  at: Date;
  note: string;
}

export interface TicketReopen {
  id: string;
  sensorId: string;
  kind: FaultKind;
  /** null keeps the current (manual) severity */
  severity: Severity | null;
  at: Date;
  note: string;
}

export interface TicketPatch {
  id: string;
  /** null keeps last_seen_at */
  lastSeenAt: Date | null;
  recovered: 'keep' | 'clear' | Date;
  occurrencesDelta: number;
  /** null keeps the severity */
  severity: Severity | null;
  /** A one-off note on a resolved ticket (the patch is otherwise only for unresolved ones). */
  onResolved: boolean;
}

export interface EventDraft {
  ticketId: string;
  at: Date;
  type: string;
  note: string;
  /** Write only if the ticket has no event with this type and note yet. */
  once: boolean;
}

export interface TicketPlan {
  inserts: TicketInsert[];
  reopens: TicketReopen[];
  patches: TicketPatch[];
  events: EventDraft[];
  /** Sensors whose maintenance windows the plan needed but was not given. */
  needWindows: Set<string>;
}

export const ticketKey = (sensorId: string, kind: string) => `${sensorId}\u001f${kind}`;

export interface PlanInput {
  changes: readonly TrustChange[];
  known: ReadonlyMap<string, KnownTicket>;
  /** Sensors whose windows were looked up, and the window active for each (if any). */
  windows: ReadonlyMap<string, ActiveWindow | null>;
  settings: TicketSettings;
}

/**
 * What the planner's decision for one change depends on, apart from the tickets it reads and
 * the change's time and messages: the status, whether trust is below the threshold, when the
 * status began, and per ticket-worthy reason its kind, severity, start, the severity automation
 * would give it now and whether its pending period is over. Consecutive changes of a sensor with
 * the same digest plan the same thing, except that a later one moves `lastSeenAt` on: so a shell
 * that hands over the first and the last change of each run of equal digests (in event order)
 * gets the same tickets as one that hands over every change, whatever its batching.
 */
export function ticketDigest(c: TrustChange, settings: TicketSettings): string {
  const atMs = c.at.getTime();
  const untrusted =
    c.verdict.score < settings.trustThreshold || c.verdict.status === 'FAULTY' || c.verdict.status === 'OFFLINE';
  let d = `${c.verdict.status}|${untrusted ? 1 : 0}|${c.statusSince?.getTime() ?? ''}`;
  for (const r of c.verdict.reasons) {
    if (!isTicketReason(r)) continue;
    const sinceMs = r.since ?? c.statusSince?.getTime() ?? atMs;
    const pendingOver = settings.immediateKinds.includes(r.kind) || atMs - sinceMs >= settings.pendingMs;
    const proposed = automaticSeverity(r, c.verdict.status, sinceMs, atMs, settings.escalateAfterMs);
    d += `|${r.kind}:${r.severity}:${r.since ?? ''}:${proposed}:${pendingOver ? 1 : 0}`;
  }
  return d;
}

export function planTickets({ changes, known, windows, settings }: PlanInput): TicketPlan {
  const plan: TicketPlan = { inserts: [], reopens: [], patches: [], events: [], needWindows: new Set() };
  const openKindsBySensor = new Map<string, FaultKind[]>();
  for (const t of known.values()) {
    if (t.status === 'RESOLVED') continue;
    openKindsBySensor.set(t.sensorId, [...(openKindsBySensor.get(t.sensorId) ?? []), t.kind]);
  }
  // One verdict per sensor: should a sensor appear twice, its latest evaluation wins.
  const latest = new Map<string, TrustChange>();
  for (const c of changes) {
    const seen = latest.get(c.sensorId);
    if (!seen || seen.at <= c.at) latest.set(c.sensorId, c);
  }
  for (const c of latest.values()) {
    // Only active, non-advisory reasons count: a reason the sensor is recovering from, or an
    // advisory (OFFLINE of history-only data, a reporting-pattern note), opens nothing.
    const reasons = new Map<FaultKind, TrustReason>(c.verdict.reasons.filter(isTicketReason).map((r) => [r.kind, r]));
    const kinds = new Set<FaultKind>([
      ...reasons.keys(),
      ...c.previous.reasonKinds,
      ...(openKindsBySensor.get(c.sensorId) ?? []),
    ]);
    const windowOf = (): ActiveWindow | null | undefined => {
      if (!windows.has(c.sensorId)) {
        plan.needWindows.add(c.sensorId);
        return undefined;
      }
      return windows.get(c.sensorId) ?? null;
    };
    for (const kind of kinds) {
      const t = known.get(ticketKey(c.sensorId, kind));
      const reason = reasons.get(kind);
      if (reason) planPresent(plan, settings, c, kind, reason, t, windowOf);
      else if (t && t.status !== 'RESOLVED' && !t.recoveredAt) planRecovery(plan, settings, c, kind, t);
    }
  }
  return plan;
}

function planPresent(
  plan: TicketPlan,
  settings: TicketSettings,
  c: TrustChange,
  kind: FaultKind,
  reason: TrustReason,
  t: KnownTicket | undefined,
  windowOf: () => ActiveWindow | null | undefined,
): void {
  const at = c.at;
  const atMs = at.getTime();
  // Without a `since` the condition is as old as the current status, else it starts now.
  const sinceMs = reason.since ?? c.statusSince?.getTime() ?? atMs;
  const proposed = automaticSeverity(reason, c.verdict.status, sinceMs, atMs, settings.escalateAfterMs);

  if (t && t.status !== 'RESOLVED') {
    const patch: TicketPatch = {
      id: t.id,
      lastSeenAt: !t.lastSeenAt || t.lastSeenAt < at ? at : null,
      recovered: 'keep',
      occurrencesDelta: 0,
      severity: null,
      onResolved: false,
    };
    const event = (type: string, note: string, once = false) =>
      plan.events.push({ ticketId: t.id, at, type, note, once });
    if (t.recoveredAt) {
      patch.recovered = 'clear';
      patch.occurrencesDelta = 1;
      event(
        'relapsed',
        `${kind} reported again after ${formatDuration(Math.max(0, atMs - t.recoveredAt.getTime()))} of recovery: ${reason.message}`,
      );
    } else if (!c.previous.reasonKinds.includes(kind)) {
      patch.occurrencesDelta = 1;
      event('repeated', reason.message);
    }
    if (severityRank(proposed) > severityRank(t.severity)) {
      if (t.severityManual) {
        event(
          'escalation_withheld',
          `Automation would raise the severity to ${proposed}; ${t.severity} was chosen by a person and is kept`,
          true,
        );
      } else {
        const window = windowOf();
        if (window) {
          event(
            'suppressed',
            `Escalation to ${proposed} withheld: maintenance window ${window.id} until ${window.endsAt.toISOString()}`,
            true,
          );
        } else if (window === null) {
          patch.severity = proposed;
          event('escalated', `${t.severity} → ${proposed}: ${reason.message}`);
        }
      }
    }
    if (patch.lastSeenAt || patch.recovered !== 'keep' || patch.occurrencesDelta || patch.severity)
      plan.patches.push(patch);
    return;
  }

  // No unresolved ticket: open one only for a trust problem that has lasted the pending period.
  const untrusted =
    c.verdict.score < settings.trustThreshold || c.verdict.status === 'FAULTY' || c.verdict.status === 'OFFLINE';
  const pendingOver = settings.immediateKinds.includes(kind) || atMs - sinceMs >= settings.pendingMs;
  if (!untrusted || !pendingOver) return;

  // A person resolved the ticket while this very episode was going on: a live fault never
  // stays without an open ticket, so it reopens (below) at once, saying why; a maintenance
  // window still holds it resolved. To keep a known fault quiet, silence it instead.
  const resolvedDuringEpisode =
    !!t && t.resolvedBy !== AUTOMATION_ACTOR && !!t.resolvedAt && sinceMs <= t.resolvedAt.getTime();

  const window = windowOf();
  if (window === undefined) return;
  const reopenable = t && t.resolvedAt && atMs - t.resolvedAt.getTime() <= settings.reopenWindowMs ? t : null;
  if (window) {
    // New tickets are silenced (the sensor shows its window); a relapse notes it on its ticket.
    if (reopenable) {
      plan.events.push({
        ticketId: reopenable.id,
        at,
        type: 'suppressed',
        note: `${kind} reported again during maintenance window ${window.id} (until ${window.endsAt.toISOString()}): not reopened`,
        once: true,
      });
    }
    return;
  }
  if (reopenable || (resolvedDuringEpisode && t)) {
    const again = reopenable ?? t!;
    plan.reopens.push({
      id: again.id,
      sensorId: again.sensorId,
      kind,
      severity: again.severityManual ? null : proposed,
      at,
      note: resolvedDuringEpisode
        ? `${kind} is still reported after ${t.resolvedBy ?? 'a person'} resolved it: reopened (silence it to keep it quiet): ${reason.message}`
        : `Relapse ${formatDuration(atMs - again.resolvedAt!.getTime())} after resolution: ${reason.message}`,
    });
    return;
  }
  plan.inserts.push({
    sensorId: c.sensorId,
    kind,
    severity: proposed,
    title: ticketTitle(kind, c.sensorId),
    at,
    note: reason.message,
  });
}

function planRecovery(
  plan: TicketPlan,
  settings: TicketSettings,
  c: TrustChange,
  kind: FaultKind,
  t: KnownTicket,
): void {
  plan.patches.push({
    id: t.id,
    lastSeenAt: null,
    recovered: c.at,
    occurrencesDelta: 0,
    severity: null,
    onResolved: false,
  });
  const then =
    t.status === 'OPEN'
      ? `resolves itself after ${formatDuration(settings.keepOpenMs)} without it`
      : `left ${t.status} for its owner to resolve`;
  plan.events.push({
    ticketId: t.id,
    at: c.at,
    type: 'recovering',
    note: `${kind} no longer reported; ${then}`,
    once: false,
  });
}
