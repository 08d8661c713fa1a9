// Notification bodies: one envelope for tickets, incidents and tests, in a fixed key order
// (receivers verify signatures over the exact bytes), and Slack/email text that says what the
// ticket or incident is, not only its event name.
import { describe, expect, it } from 'vitest';
import { bodyFor, incidentPayload, receiverWantsIncident, testPayload, ticketPayload } from './notification-routing.js';
import type { OutboxEvent, OutboxIncidentEvent } from './notifications-repository.js';

const at = new Date('2026-12-07T10:00:00Z');
const ticket: OutboxEvent = {
  eventId: 'e1',
  type: 'opened',
  at,
  actor: null,
  note: null,
  ticketId: 't1',
  title: 'Reading out of range',
  kind: 'OUT_OF_RANGE',
  severity: 'HIGH',
  status: 'OPEN',
  sensorId: 's1',
  zoneId: 'hall',
  openedAt: at,
  resolvedAt: null,
  assignee: null,
  incidentId: null,
  silenced: false,
};
const incident: OutboxIncidentEvent = {
  eventId: 'e2',
  type: 'opened',
  at,
  actor: null,
  note: null,
  incidentId: 'i1',
  cause: 'SOURCE_SILENT',
  scope: 'SOURCE',
  summary: 'No data from gateway gw-1',
  severity: 'HIGH',
  status: 'OPEN',
  zoneId: null,
  source: 'gateway:gw-1',
  sensorCount: 12,
  openedAt: at,
  resolvedAt: null,
  silenced: false,
};
const receiver = { name: 'ops' };

describe('notification bodies', () => {
  it('share one envelope in one key order', () => {
    const keys = (body: string) => Object.keys(JSON.parse(body) as object);
    const head = ['version', 'event', 'deliveryId', 'receiver', 'at', 'actor', 'note', 'ticket'];
    expect(keys(ticketPayload('d1', receiver, 'TICKET_OPENED', ticket))).toEqual(head);
    expect(keys(incidentPayload('d2', receiver, 'INCIDENT_OPENED', incident))).toEqual([...head, 'incident']);
    expect(keys(testPayload('d3', receiver, at))).toEqual(head);
    const t = JSON.parse(ticketPayload('d1', receiver, 'TICKET_OPENED', ticket)) as {
      at: string;
      ticket: { id: string };
    };
    expect(t.at).toBe('2026-12-07T10:00:00.000Z');
    expect(t.ticket.id).toBe('t1');
  });

  it('tell people in Slack and email what the ticket or incident is', () => {
    const slackTicket = JSON.parse(bodyFor('SLACK', ticketPayload('d1', receiver, 'TICKET_OPENED', ticket))) as {
      text: string;
    };
    expect(slackTicket.text).toContain('ticket opened · HIGH · OUT_OF_RANGE on s1 (zone hall): Reading out of range');
    const mail = JSON.parse(bodyFor('EMAIL', incidentPayload('d2', receiver, 'INCIDENT_OPENED', incident))) as {
      subject: string;
      text: string;
    };
    expect(mail.subject).toBe('[Sensor Trust] incident opened · HIGH · 12 sensors: No data from gateway gw-1');
    expect(mail.text).toContain('Incident i1, status OPEN');
  });

  it('never hold back a resolution by severity', () => {
    const picky = { minSeverity: 'CRITICAL' as const, zoneIds: [] };
    expect(receiverWantsIncident(picky, { severity: 'HIGH', zoneId: null, type: 'opened' })).toBe(false);
    expect(receiverWantsIncident(picky, { severity: 'HIGH', zoneId: null, type: 'resolved' })).toBe(true);
  });
});
