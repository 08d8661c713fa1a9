// Telling the rest of the system that tickets (and the incidents they joined) changed, from
// whichever module changed them (ticket automation, the ticket mutations, a sensor's retirement).
import type { EventBus } from './event-bus.js';
import { Topic, type TicketUpdatedPayload } from './topics.js';

/** One publishable entry per ticket. */
export function dedupePayloads(payloads: readonly TicketUpdatedPayload[]): TicketUpdatedPayload[] {
  return [...new Map(payloads.map((p) => [p.ticketId || `incident:${p.incidentId}`, p])).values()];
}

/** Call after the transaction committed: ticketUpdated per ticket, one DashboardChanged. */
export function publishTicketUpdates(events: EventBus, payloads: readonly TicketUpdatedPayload[]): void {
  if (!payloads.length) return;
  for (const p of dedupePayloads(payloads)) if (p.ticketId) events.publish(Topic.TicketUpdated, p);
  for (const incidentId of new Set(payloads.map((p) => p.incidentId).filter((i): i is string => !!i)))
    events.publish(Topic.IncidentUpdated, { incidentId });
  events.publish(Topic.DashboardChanged, { reason: 'tickets' });
}
