import type { Resolvers } from '../../generated/graphql.js';
import { toTrustScoreRow } from './trust-repository.js';

export const trustResolvers: Resolvers = {
  Query: {
    async trustScores(_root, { filter }, { services }) {
      const rows = await services.trustRepository.list(filter ?? {});
      return rows.map(toTrustScoreRow);
    },
    trustLag(_root, _args, { services }) {
      return services.trustStream.lag();
    },
  },
  Mutation: {
    async evaluateTrust(_root, { sensorIds }, { services }) {
      const ids = sensorIds ? [...new Set(sensorIds)] : null;
      // Everything ingested before this call is applied to trust first (the trust stream).
      await services.trustStream.waitProcessed();
      return (await services.trust.evaluate(ids, services.clock.now())) ?? 0;
    },
  },
};
