// Telling the rest of the system that tickets changed, from whichever module changed them
// (ticket automation, the ticket mutations, a sensor's retirement).
import type { EventBus } from './event-bus.js';
import { Topic, type TicketUpdatedPayload } from './topics.js';

/** One publishable entry per ticket. */
export function dedupePayloads(payloads: readonly TicketUpdatedPayload[]): TicketUpdatedPayload[] {
  return [...new Map(payloads.map((p) => [p.ticketId, p])).values()];
}

/** Call after the transaction committed: ticketUpdated per ticket, one DashboardChanged. */
export function publishTicketUpdates(events: EventBus, payloads: readonly TicketUpdatedPayload[]): void {
  if (!payloads.length) return;
  for (const p of dedupePayloads(payloads)) events.publish(Topic.TicketUpdated, p);
  events.publish(Topic.DashboardChanged, { reason: 'tickets' });
}
