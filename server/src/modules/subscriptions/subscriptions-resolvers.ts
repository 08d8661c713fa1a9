// GraphQL subscriptions: thin; filtering and fan-out live in the subscription hub.
import type { Resolvers } from '../../generated/graphql.js';
import type { SensorFilter } from './subscriber-registry.js';

function filterOf(args: { sensorId?: string | null; zoneId?: string | null }): SensorFilter {
  return { sensorId: args.sensorId ?? null, zoneId: args.zoneId ?? null };
}

// The hub's streams yield the field value itself, so `resolve` passes it through.
const passThrough = <T>(item: T): T => item;

export const subscriptionsResolvers: Resolvers = {
  Subscription: {
    dashboardUpdated: {
      subscribe: (_root, _args, { services }) => services.subscriptions.dashboardUpdated(),
      resolve: passThrough,
    },
    readingAdded: {
      subscribe: (_root, args, { services }) => services.subscriptions.readingAdded(filterOf(args)),
      resolve: passThrough,
    },
    sensorUpdated: {
      subscribe: (_root, args, { services }) => services.subscriptions.sensorUpdated(filterOf(args)),
      resolve: passThrough,
    },
    ticketUpdated: {
      subscribe: (_root, args, { services }) => services.subscriptions.ticketUpdated(filterOf(args)),
      resolve: passThrough,
    },
  },
};
