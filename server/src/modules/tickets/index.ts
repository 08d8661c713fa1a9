// The public surface of modules/tickets: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export type { MaintenanceRepository, MaintenanceWindowRow } from './maintenance-repository.js';
export type { IncidentGrouping, OpenedTicket } from './ticket-grouping.js';
export { severityRank } from './ticket-rules.js';
export type { TicketRow, TicketsRepository } from './tickets-repository.js';
export { MAX_BULK_TICKETS, createTicketsService } from './tickets-service.js';
export type { TicketsService } from './tickets-service.js';
