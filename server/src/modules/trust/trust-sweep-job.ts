// Periodic trust sweep (OFFLINE, GAP, DRIFT, ticket auto-resolution). Every instance
// runs the timer; the advisory lock lets exactly one of them do the work each time.
import type { FastifyBaseLogger } from 'fastify';
import type { TrustService } from './trust-service.js';

export interface SweepJob {
  /** Resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

export function startTrustSweepJob(trust: TrustService, options: { intervalMs: number; clock: { now(): Date }; log: FastifyBaseLogger }): SweepJob {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = async () => {
    try {
      const count = await trust.evaluate(null, options.clock.now(), { skipIfBusy: true, sweepTickets: true });
      if (count === null) options.log.debug('trust sweep skipped: another instance holds the lock');
      else options.log.debug({ sensors: count }, 'trust sweep done');
    } catch (err) {
      options.log.error({ err }, 'trust sweep failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().finally(() => {
        running = null;
        schedule();
      });
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
