import mercurius from 'mercurius';
import type { Resolvers } from '../../generated/graphql.js';
import { UserInputError } from '../../kernel/errors.js';
import { toTrustScoreRow } from './trust-repository.js';
import { TrustWaitTimeoutError } from './trust-stream.js';

/** The longest awaitTrust may wait (a request held longer would meet proxies' timeouts). */
export const MAX_AWAIT_TRUST_MS = 60_000;

export const trustResolvers: Resolvers = {
  Query: {
    async trustScores(_root, { filter }, { services }) {
      const rows = await services.trustRepository.list(filter ?? {});
      return rows.map(toTrustScoreRow);
    },
    trustLag(_root, _args, { services }) {
      return services.trustStream.lag();
    },
    async awaitTrust(_root, { timeoutMs }, { services }) {
      const wait = timeoutMs ?? 10_000;
      if (!Number.isInteger(wait) || wait < 0 || wait > MAX_AWAIT_TRUST_MS)
        throw new UserInputError(`timeoutMs must be between 0 and ${MAX_AWAIT_TRUST_MS}, got ${wait}`, {
          field: 'timeoutMs',
        });
      try {
        await services.trustStream.waitProcessed(wait);
      } catch (err) {
        if (!(err instanceof TrustWaitTimeoutError)) throw err;
        const lag = await services.trustStream.lag();
        throw new mercurius.ErrorWithProps(
          `trust has not caught up with the readings accepted before this call within ${wait} ms; ask again`,
          { code: 'TRUST_LAG_TIMEOUT', timeoutMs: wait, oldestUnprocessedMs: lag.oldestUnprocessedMs },
        );
      }
      return services.trustStream.lag();
    },
  },
  Mutation: {
    async evaluateTrust(_root, { sensorIds }, { services }) {
      const ids = sensorIds ? [...new Set(sensorIds)] : null;
      // Everything ingested before this call is applied to trust first, then every owner
      // judges its partitions at this time (OFFLINE, escalation, auto-resolution).
      return services.trustStream.judgeAt(ids, services.clock.now());
    },
  },
};
