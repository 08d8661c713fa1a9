// A background job run every `intervalMs` (the next run is scheduled when the
// previous one has finished, so runs never overlap). Errors are logged, never
// thrown; `stop()` waits for the run in progress, so callers can stop jobs in a
// preClose hook before the database closes.
import type { FastifyBaseLogger } from 'fastify';

export interface PeriodicJob {
  /** Resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

export function startPeriodicJob(
  name: string,
  options: { intervalMs: number; log: FastifyBaseLogger },
  run: () => Promise<void>,
): PeriodicJob {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const once = async () => {
    try {
      await run();
    } catch (err) {
      options.log.error({ err }, `${name} failed`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = once().finally(() => {
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
