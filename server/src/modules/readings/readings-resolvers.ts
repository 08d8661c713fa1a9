import type { Resolvers } from '../../generated/graphql.js';
import { withOriginalValues } from '../../graphql/reading-values.js';

export const readingsResolvers: Resolvers = {
  Mutation: {
    ingestReadings: (_root, { readings }, context, info) =>
      context.services.readings.ingest(withOriginalValues(readings, context.readingValuesSetAside, info), {
        source: context.auth?.keyId ? `key:${context.auth.name}` : null,
      }),
  },
};
