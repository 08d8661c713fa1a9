// GraphQL subscriptions: thin; filtering and fan-out live in the subscription hub, and
// over graphql-ws each stream writes to its socket through the shared fan-out.
import type { GraphQLResolveInfo } from 'graphql';
import type { Resolvers } from '../../generated/graphql.js';
import type { EventStream } from './event-stream.js';
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

/** Over graphql-ws: one execution and serialisation shared by the sockets (ws-fanout-transport.ts). */
const shared = <T>(stream: EventStream<T>, ctx: GraphQLContext, info: GraphQLResolveInfo): EventStream<T> =>
  ctx.wsFanout ? ctx.wsFanout.attach(stream, ctx, info) : stream;

export const subscriptionsResolvers: Resolvers = {
  Subscription: {
    dashboardUpdated: {
      subscribe: (_root, _args, ctx, info) =>
        shared(ctx.services.subscriptions.dashboardUpdated(keyOf(ctx)), ctx, info),
      resolve: passThrough,
    },
    readingAdded: {
      subscribe: (_root, args, ctx, info) =>
        shared(ctx.services.subscriptions.readingAdded(filterOf(args), keyOf(ctx)), ctx, info),
      resolve: passThrough,
    },
    sensorUpdated: {
      subscribe: (_root, args, ctx, info) =>
        shared(ctx.services.subscriptions.sensorUpdated(filterOf(args), keyOf(ctx)), ctx, info),
      resolve: passThrough,
    },
    incidentUpdated: {
      subscribe: (_root, _args, ctx, info) => shared(ctx.services.subscriptions.incidentUpdated(keyOf(ctx)), ctx, info),
      resolve: passThrough,
    },
    ticketUpdated: {
      subscribe: (_root, args, ctx, info) =>
        shared(ctx.services.subscriptions.ticketUpdated(filterOf(args), keyOf(ctx)), ctx, info),
      resolve: passThrough,
    },
  },
};
