// Periodic trust sweep (OFFLINE, GAP, DRIFT, ticket auto-resolution). Every instance
// runs the timer; the advisory lock lets exactly one of them do the work each time.
import type { FastifyBaseLogger } from 'fastify';
import { startPeriodicJob, type PeriodicJob } from '../../jobs/periodic-job.js';
import type { TrustService } from './trust-service.js';

export function startTrustSweepJob(
  trust: TrustService,
  options: { intervalMs: number; clock: { now(): Date }; log: FastifyBaseLogger },
): PeriodicJob {
  return startPeriodicJob('trust sweep', options, async () => {
    const count = await trust.evaluate(null, options.clock.now(), { skipIfBusy: true, sweepTickets: true });
    if (count === null) options.log.debug('trust sweep skipped: another instance holds the lock');
    else options.log.debug({ sensors: count }, 'trust sweep done');
  });
}
