import type { Resolvers } from '../../generated/graphql.js';

export const readingsResolvers: Resolvers = {
  Mutation: {
    ingestReadings: (_root, { readings }, { services }) => services.readings.ingest(readings),
  },
};
