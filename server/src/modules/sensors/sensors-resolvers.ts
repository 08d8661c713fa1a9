import type { Resolvers } from '../../generated/graphql.js';
import { decodeCursor, encodeCursor, pageSize } from '../../graphql/pagination.js';
import { MAX_READINGS_PER_QUERY } from '../readings/readings-repository.js';
import { UserInputError } from '../../graphql/errors.js';
import { actorFrom } from '../tickets/ticket-actor.js';

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
  Mutation: {
    upsertZone: (_root, { input }, { services }) => services.sensors.upsertZone(input),
    upsertSensor: (_root, { input }, ctx) => ctx.services.sensors.upsertSensor(input),
    upsertSensors: (_root, { inputs }, ctx) => ctx.services.sensorsBulk.upsertSensors(inputs),
    upsertZones: (_root, { inputs }, ctx) => ctx.services.sensorsBulk.upsertZones(inputs),
    retireSensor: (_root, { id, note }, ctx) => ctx.services.sensors.retireSensor(id, actorFrom(ctx), note),
    reactivateSensor: (_root, { id }, ctx) => ctx.services.sensors.reactivateSensor(id),
    deleteZone: (_root, { id }, ctx) => ctx.services.sensors.deleteZone(id),
  },
  Sensor: {
    readings(sensor, { from, to, last }, { services }) {
      if (last !== null && last !== undefined && (last < 0 || last > MAX_READINGS_PER_QUERY)) {
        throw new UserInputError(`last must be between 0 and ${MAX_READINGS_PER_QUERY}, got ${last}`);
      }
      return services.readingsRepository.forSensor(sensor.id, from ?? null, to ?? null, last ?? null);
    },
    series: (sensor, { from, to, points }, { services }) => services.series.series(sensor.id, from, to, points),
    trustHistory: (sensor, { from, to }, { services }) =>
      services.trustRepository.history(sensor.id, from ?? null, to ?? null),
  },
};
