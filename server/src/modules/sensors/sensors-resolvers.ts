import type { Resolvers } from '../../generated/graphql.js';
import { decodeCursor, encodeCursor, pageSize } from '../../graphql/pagination.js';
import { actorFrom } from '../tickets/ticket-actor.js';
import type { GraphQLContext } from '../../graphql/context.js';

async function recount<T>(ctx: GraphQLContext, change: Promise<T>): Promise<T> {
  try {
    return await change;
  } finally {
    ctx.services.fleetSizes.invalidate();
  }
}

export const sensorsResolvers: Resolvers = {
  Query: {
    async sensors(_root, { filter, first, after }, { services }) {
      const page = await services.sensorsRepository.listSensors(filter ?? {}, pageSize(first), decodeCursor(after));
      const last = page.rows.at(-1);
      return {
        nodes: page.rows,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.id) : null },
      };
    },
    sensor: (_root, { id }, { services }) => services.sensorsRepository.findSensor(id),
    zones: (_root, _args, { services }) => services.sensorsRepository.listZones(),
    zone: (_root, { id }, { services }) => services.sensorsRepository.findZone(id),
  },
  // Each changes the fleet's sizes that query costs count with: counted again before the next request.
  Mutation: {
    upsertZone: (_root, { input }, ctx) => recount(ctx, ctx.services.sensors.upsertZone(input)),
    upsertSensor: (_root, { input }, ctx) => recount(ctx, ctx.services.sensors.upsertSensor(input)),
    upsertSensors: (_root, { inputs }, ctx) => recount(ctx, ctx.services.sensorsBulk.upsertSensors(inputs)),
    upsertZones: (_root, { inputs }, ctx) => recount(ctx, ctx.services.sensorsBulk.upsertZones(inputs)),
    retireSensor: (_root, { id, note }, ctx) =>
      recount(ctx, ctx.services.sensors.retireSensor(id, actorFrom(ctx), note)),
    reactivateSensor: (_root, { id }, ctx) => recount(ctx, ctx.services.sensors.reactivateSensor(id)),
    deleteZone: (_root, { id }, ctx) => recount(ctx, ctx.services.sensors.deleteZone(id)),
  },
  Sensor: {
    series: (sensor, { from, to, points }, { services }) => services.series.series(sensor.id, from, to, points),
  },
};
