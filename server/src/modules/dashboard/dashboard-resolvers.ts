import type { Resolvers } from '../../generated/graphql.js';

export const dashboardResolvers: Resolvers = {
  Query: {
    dashboardSummary: (_root, _args, { services }) => services.dashboardRepository.summary(services.clock.now()),
    zoneStats: (_root, _args, { services }) => services.dashboardRepository.zoneStats(null),
  },
};
