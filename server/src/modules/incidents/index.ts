// The public surface of modules/incidents: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export type { IncidentRow, IncidentsRepository } from './incidents-repository.js';
export { createIncidentsService } from './incidents-service.js';
export type { IncidentsService } from './incidents-service.js';
