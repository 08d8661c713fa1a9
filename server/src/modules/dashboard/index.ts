// The public surface of modules/dashboard: what other modules import from it (through this file
// only; `npm run lint` refuses a deep import). The composition root (services.ts) and the
// transport adapters may still reach its files directly.
export { createDashboardCoalescer } from './dashboard-coalescer.js';
export { createDashboardFacade } from './dashboard-facade.js';
export type { DashboardFacade } from './dashboard-facade.js';
export type { DashboardSummaryRow } from './dashboard-repository.js';
export { createDashboardService } from './dashboard-service.js';
export type { DashboardService } from './dashboard-service.js';
