// What the GraphQL adapter may read of the dashboard: the fleet summary, zone statistics
// and the fleet trend. Invalidation, fresh reads and trend sampling stay with the services
// that need them (subscriptions, metrics, the sampling job).
import type { DashboardService } from './dashboard-service.js';
import type { FleetTrend } from './fleet-trend.js';

export type DashboardFacade = Pick<DashboardService, 'summary' | 'zoneStats'> & {
  /** The fleet trend over the last `hours` (default and ceiling in fleet-trend.ts). */
  trend: FleetTrend['points'];
};

export function createDashboardFacade(dashboard: DashboardService, fleetTrend: FleetTrend): DashboardFacade {
  return {
    summary: () => dashboard.summary(),
    zoneStats: () => dashboard.zoneStats(),
    trend: (hours) => fleetTrend.points(hours),
  };
}
