import type { Resolvers } from '../../generated/graphql.js';
import type { ModuleContext } from '../../graphql/context.js';

export type DashboardContext = ModuleContext<'dashboard'>;

export const dashboardResolvers: Resolvers<DashboardContext> = {
  Query: {
    dashboardSummary: (_root, _args, { services }) => services.facades.dashboard.summary(),
    zoneStats: (_root, _args, { services }) => services.facades.dashboard.zoneStats(),
    fleetTrend: (_root, { hours }, { services }) => services.facades.dashboard.trend(hours),
  },
};
