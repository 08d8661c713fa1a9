// Which ticket and incident changes a receiver hears about, and the body it receives (pure).
import type { Severity } from '../../generated/prisma/enums.js';
import type { OutboxEvent, OutboxIncidentEvent, ReceiverRow } from './notifications-repository.js';

export const NOTIFICATION_EVENTS = [
  'TICKET_OPENED',
  'TICKET_ESCALATED',
  'TICKET_REOPENED',
  'TICKET_RESOLVED',
  'TEST',
  'INCIDENT_OPENED',
  'INCIDENT_UPDATED',
  'INCIDENT_REPEATED',
  'INCIDENT_RESOLVED',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** ticket_event.type → notification event; the trigger queues only these types. */
const EVENT_OF_TYPE: Record<string, NotificationEvent> = {
  opened: 'TICKET_OPENED',
  escalated: 'TICKET_ESCALATED',
  reopened: 'TICKET_REOPENED',
  resolved: 'TICKET_RESOLVED',
  auto_resolved: 'TICKET_RESOLVED',
};

const SEVERITY_ORDER: Record<Severity, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** A receiver hears a ticket at or above its minimum severity, in one of its zones (every zone when it lists none). */
export function receiverWants(receiver: Pick<ReceiverRow, 'minSeverity' | 'zoneIds'>, ticket: OutboxEvent): boolean {
  if (receiver.minSeverity && SEVERITY_ORDER[ticket.severity] < SEVERITY_ORDER[receiver.minSeverity]) return false;
  if (receiver.zoneIds.length && (!ticket.zoneId || !receiver.zoneIds.includes(ticket.zoneId))) return false;
  return true;
}

export function notificationEventOf(type: string): NotificationEvent | null {
  return EVENT_OF_TYPE[type] ?? null;
}

const INCIDENT_EVENT_OF_TYPE: Record<string, NotificationEvent> = {
  opened: 'INCIDENT_OPENED',
  updated: 'INCIDENT_UPDATED',
  repeated: 'INCIDENT_REPEATED',
  resolved: 'INCIDENT_RESOLVED',
};

export function incidentEventOf(type: string): NotificationEvent | null {
  return INCIDENT_EVENT_OF_TYPE[type] ?? null;
}

/**
 * Inhibition: a ticket in an incident notifies only through it (the incident's opening,
 * grouped updates and resolution say what its tickets did). A ticket outside any incident
 * notifies as before.
 */
export function inhibited(e: Pick<OutboxEvent, 'incidentId'>): boolean {
  return e.incidentId !== null;
}

/**
 * An incident reaches a receiver at or above its minimum severity; one about a zone only the
 * receivers of that zone (or of every zone); one without a zone (the fleet, a source) every
 * receiver. A resolution is never held back by severity: whoever may have heard of the
 * incident hears that it ended.
 */
export function receiverWantsIncident(
  receiver: Pick<ReceiverRow, 'minSeverity' | 'zoneIds'>,
  e: Pick<OutboxIncidentEvent, 'severity' | 'zoneId' | 'type'>,
): boolean {
  if (
    e.type !== 'resolved' &&
    receiver.minSeverity &&
    SEVERITY_ORDER[e.severity] < SEVERITY_ORDER[receiver.minSeverity]
  )
    return false;
  if (receiver.zoneIds.length && e.zoneId && !receiver.zoneIds.includes(e.zoneId)) return false;
  return true;
}

type Moment = Date | string | number;
const iso = (at: Moment) => new Date(at).toISOString();

/**
 * Every body's envelope, in one key order (bodies are signed byte for byte): who it is for,
 * what happened, when, by whom, and the ticket or incident it is about.
 */
function envelope(
  deliveryId: string,
  receiver: Pick<ReceiverRow, 'name'>,
  event: NotificationEvent,
  e: { at: Moment; actor: string | null; note: string | null },
  about: { ticket: object | null; incident?: object },
): string {
  return JSON.stringify({
    version: 1,
    event,
    deliveryId,
    receiver: receiver.name,
    at: iso(e.at),
    actor: e.actor,
    note: e.note,
    ...about,
  });
}

/** The JSON body of an incident notification. */
export function incidentPayload(
  deliveryId: string,
  receiver: Pick<ReceiverRow, 'name'>,
  event: NotificationEvent,
  e: OutboxIncidentEvent,
): string {
  return envelope(deliveryId, receiver, event, e, {
    ticket: null,
    incident: {
      id: e.incidentId,
      cause: e.cause,
      scope: e.scope,
      summary: e.summary,
      severity: e.severity,
      status: e.status,
      zoneId: e.zoneId,
      source: e.source,
      sensorCount: e.sensorCount,
      openedAt: iso(e.openedAt),
      resolvedAt: e.resolvedAt ? iso(e.resolvedAt) : null,
    },
  });
}

/** The JSON body of a ticket notification (sent and signed byte for byte on every attempt). */
export function ticketPayload(
  deliveryId: string,
  receiver: Pick<ReceiverRow, 'name'>,
  event: NotificationEvent,
  e: OutboxEvent,
): string {
  return envelope(deliveryId, receiver, event, e, {
    ticket: {
      id: e.ticketId,
      title: e.title,
      kind: e.kind,
      severity: e.severity,
      status: e.status,
      sensorId: e.sensorId,
      zoneId: e.zoneId,
      assignee: e.assignee,
      openedAt: iso(e.openedAt),
      resolvedAt: e.resolvedAt ? iso(e.resolvedAt) : null,
    },
  });
}

export function testPayload(deliveryId: string, receiver: Pick<ReceiverRow, 'name'>, at: Date): string {
  const note = 'A test notification from Sensor Trust: this receiver is reachable and verifies the signature.';
  return envelope(deliveryId, receiver, 'TEST', { at, actor: null, note }, { ticket: null });
}

/** Exponential backoff with a cap: base, 2·base, 4·base, … */
export function retryDelayMs(attemptsSoFar: number, baseMs: number, capMs = 10 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
}

export type ReceiverKind = 'WEBHOOK' | 'SLACK' | 'EMAIL';

type Fields = Record<string, string | number | null>;
interface WebhookBody {
  event: string;
  ticket: Fields | null;
  incident?: Fields | null;
  note: string | null;
  actor: string | null;
  at: string;
}

/**
 * One line for people: "ticket opened · HIGH · OUT_OF_RANGE on s1 (zone a): <title>", or
 * "incident opened · HIGH · 12 sensors: no data from gateway gw-1".
 */
function summaryLine(body: WebhookBody): string {
  const t = body.ticket;
  const i = body.incident;
  if (t) {
    const where = `${t.sensorId}${t.zoneId ? ` (zone ${t.zoneId})` : ''}`;
    return `${body.event.replace('TICKET_', 'Ticket ').toLowerCase()} · ${t.severity} · ${t.kind} on ${where}: ${t.title}`;
  }
  if (i) {
    const count = `${i.sensorCount} sensor${i.sensorCount === 1 ? '' : 's'}`;
    return `${body.event.replace('INCIDENT_', 'Incident ').toLowerCase()} · ${i.severity} · ${count}: ${i.summary}`;
  }
  return `Sensor Trust ${body.event}: ${body.note ?? ''}`.trim();
}

/**
 * The body a receiver of this kind is sent, from the webhook JSON body: WEBHOOK as is,
 * SLACK a Slack-compatible `{"text"}` incoming-webhook body, EMAIL `{"subject","text"}` (the mail).
 */
export function bodyFor(kind: ReceiverKind, webhookBody: string): string {
  if (kind === 'WEBHOOK') return webhookBody;
  const body = JSON.parse(webhookBody) as WebhookBody;
  const line = summaryLine(body);
  const details = [
    body.note ? `Note: ${body.note}` : null,
    body.actor ? `By: ${body.actor}` : null,
    body.ticket ? `Ticket ${body.ticket.id}, status ${body.ticket.status}` : null,
    body.incident ? `Incident ${body.incident.id}, status ${body.incident.status}` : null,
    `At: ${body.at}`,
  ].filter(Boolean);
  if (kind === 'SLACK') return JSON.stringify({ text: [line, ...details].join('\n') });
  return JSON.stringify({ subject: `[Sensor Trust] ${line}`.slice(0, 200), text: [line, '', ...details].join('\n') });
}
