// Turns a stream of "something changed" signals into dashboardUpdated pushes:
// at most one per interval however fast changes arrive, the first change after
// a quiet period pushed at once (low latency), and always one push after the
// last change (trailing edge), so subscribers never stay on a stale summary.
import type { FastifyBaseLogger } from 'fastify';
import type { DashboardSummaryRow } from './dashboard-repository.js';

export interface DashboardCoalescerOptions {
  intervalMs: number;
  /** Computes the summary to push (fresh from the database). */
  compute: () => Promise<DashboardSummaryRow>;
  deliver: (summary: DashboardSummaryRow) => void;
  /** Skip the computation when nobody on this instance listens. */
  hasSubscribers: () => boolean;
  log: FastifyBaseLogger;
}

export function createDashboardCoalescer(options: DashboardCoalescerOptions) {
  let dirty = false;
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let lastPushAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> = Promise.resolve();

  function schedule(): void {
    if (stopped || running || timer || !dirty) return;
    const wait = Math.max(0, lastPushAt + options.intervalMs - performance.now());
    timer = setTimeout(() => {
      timer = null;
      inFlight = flush();
    }, wait);
  }

  async function flush(): Promise<void> {
    if (stopped || !dirty) return;
    dirty = false;
    if (!options.hasSubscribers()) return;
    running = true;
    try {
      const summary = await options.compute();
      if (!stopped) options.deliver(summary);
    } catch (err) {
      if (!stopped) options.log.warn({ err }, 'dashboard update could not be computed; retrying on the next change');
    } finally {
      // Spacing is measured between deliveries, so it holds even when one
      // computation is slower than the next.
      lastPushAt = performance.now();
      running = false;
      // Changes that arrived while computing get their own (trailing) push.
      schedule();
    }
  }

  return {
    /** Something the dashboard shows changed (on any instance). */
    changed(): void {
      dirty = true;
      schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}

export type DashboardCoalescer = ReturnType<typeof createDashboardCoalescer>;
