// GraphQL subscriptions: thin; filtering and fan-out live in the subscription hub.
import type { Resolvers } from '../../generated/graphql.js';
import { DroppedNotice } from './key-budgets.js';
import type { SensorFilter } from './subscriber-registry.js';
import type { GraphQLContext } from '../../graphql/context.js';

function filterOf(args: { sensorId?: string | null; zoneId?: string | null }): SensorFilter {
  return { sensorId: args.sensorId ?? null, zoneId: args.zoneId ?? null };
}

// The hub's streams yield the field value itself, so `resolve` passes it through; a
// notice of dropped events becomes an error event (DELIVERIES_DROPPED), the stream goes on.
const passThrough = <T>(item: T | DroppedNotice): T => {
  if (item instanceof DroppedNotice) throw item.toError();
  return item;
};

const keyOf = (ctx: GraphQLContext): string | null => ctx.auth?.keyId ?? null;

export const subscriptionsResolvers: Resolvers = {
  Subscription: {
    dashboardUpdated: {
      subscribe: (_root, _args, ctx) => ctx.services.subscriptions.dashboardUpdated(keyOf(ctx)),
      resolve: passThrough,
    },
    readingAdded: {
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.readingAdded(filterOf(args), keyOf(ctx)),
      resolve: passThrough,
    },
    sensorUpdated: {
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.sensorUpdated(filterOf(args), keyOf(ctx)),
      resolve: passThrough,
    },
    incidentUpdated: {
      subscribe: (_root, _args, ctx) => ctx.services.subscriptions.incidentUpdated(keyOf(ctx)),
      resolve: passThrough,
    },
    ticketUpdated: {
      subscribe: (_root, args, ctx) => ctx.services.subscriptions.ticketUpdated(filterOf(args), keyOf(ctx)),
      resolve: passThrough,
    },
  },
};
