import type { Resolvers } from '../../generated/graphql.js';

export const dashboardResolvers: Resolvers = {
  Query: {
    dashboardSummary: (_root, _args, { services }) => services.dashboard.summary(),
    zoneStats: (_root, _args, { services }) => services.dashboard.zoneStats(),
    fleetTrend: (_root, { hours }, { services }) => services.fleetTrend.points(hours),
  },
};
