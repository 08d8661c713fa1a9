// The rules of a ticket's life, as plain data: which manual action is legal from
// which status, and how automation grades severity. No I/O.
import type { FaultKind, Severity, TrustReason, TrustStatus } from '../../trust/types.js';
import { SEVERITIES } from '../../trust/types.js';

export type TicketStatus = 'OPEN' | 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED';
export type TicketAction = 'acknowledge' | 'assign' | 'start' | 'comment' | 'resolve' | 'setSeverity';

/** Actor recorded on events written by automation (and on tickets it resolves). */
export const AUTOMATION_ACTOR = 'automation';

/**
 * Legal manual transitions: action → from-status → to-status. Anything missing is
 * illegal. Assign, comment and setSeverity keep the status; comment is allowed on a
 * resolved ticket (post-mortem notes), the others are not.
 */
export const LIFECYCLE: Record<TicketAction, Partial<Record<TicketStatus, TicketStatus>>> = {
  acknowledge: { OPEN: 'ACKNOWLEDGED' },
  start: { OPEN: 'IN_PROGRESS', ACKNOWLEDGED: 'IN_PROGRESS' },
  resolve: { OPEN: 'RESOLVED', ACKNOWLEDGED: 'RESOLVED', IN_PROGRESS: 'RESOLVED' },
  assign: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS' },
  setSeverity: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS' },
  comment: { OPEN: 'OPEN', ACKNOWLEDGED: 'ACKNOWLEDGED', IN_PROGRESS: 'IN_PROGRESS', RESOLVED: 'RESOLVED' },
};

/** Event type written for each manual action. */
export const ACTION_EVENT: Record<TicketAction, string> = {
  acknowledge: 'acknowledged',
  assign: 'assigned',
  start: 'started',
  comment: 'comment',
  resolve: 'resolved',
  setSeverity: 'severity_set',
};

export function nextStatus(action: TicketAction, from: TicketStatus): TicketStatus | null {
  return LIFECYCLE[action][from] ?? null;
}

export function allowedFrom(action: TicketAction): TicketStatus[] {
  return Object.keys(LIFECYCLE[action]) as TicketStatus[];
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function higherSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export function raiseSeverity(s: Severity, levels: number): Severity {
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, severityRank(s) + levels))] ?? s;
}

/**
 * Severity automation proposes for a fault: the evidence (the reason's own severity,
 * at least LOW; at least MEDIUM once the sensor is FAULTY or OFFLINE) raised one level
 * per `escalateAfterMs` the fault has lasted, capped at CRITICAL.
 */
export function automaticSeverity(
  reason: Pick<TrustReason, 'severity'>,
  status: TrustStatus,
  sinceMs: number,
  atMs: number,
  escalateAfterMs: number,
): Severity {
  let base = higherSeverity(reason.severity, 'LOW');
  if (status === 'FAULTY' || status === 'OFFLINE') base = higherSeverity(base, 'MEDIUM');
  const levels = Math.max(0, Math.floor((atMs - sinceMs) / escalateAfterMs));
  return raiseSeverity(base, levels);
}

const KIND_TITLES: Record<FaultKind, string> = {
  OUT_OF_RANGE: 'Values out of range',
  SPIKE: 'Spikes',
  STUCK: 'Stuck values',
  NOISE: 'Excessive noise',
  DRIFT: 'Drift from peers',
  OFFLINE: 'Offline',
  GAP: 'Missing readings',
  CLOCK: 'Clock problems',
};

export function ticketTitle(kind: FaultKind, sensorId: string): string {
  return `${KIND_TITLES[kind]} on sensor ${sensorId}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}
