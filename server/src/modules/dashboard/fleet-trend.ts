// The overview's trend of fleet trust and open tickets: a sample of the fleet's
// figures every TREND_SAMPLE_SECONDS (default 300 s), stored in fleet_trend_sample
// and kept 8 days. Sampling costs one aggregate over dashboard_trust (one narrow
// row per sensor) and one count of open tickets; reading 24 h is at most 288 rows.
// Samples are keyed by their interval, so instances sharing a database store one each.
import { UserInputError } from '../../kernel/errors.js';
import type { DashboardRepository, FleetTrendRow } from './dashboard-repository.js';

export const MAX_TREND_HOURS = 7 * 24;
const KEEP_MS = 8 * 24 * 3600_000;

export function createFleetTrend(repo: DashboardRepository, options: { intervalMs: number; now: () => Date }) {
  const interval = Math.max(1000, options.intervalMs);
  return {
    intervalMs: interval,
    /** Stores the current figures as this interval's sample (no-op when one exists). */
    async sample(): Promise<void> {
      const now = options.now().getTime();
      const at = new Date(Math.floor(now / interval) * interval);
      await repo.recordTrendSample(at, new Date(now - KEEP_MS));
    },
    /** The samples of the last `hours` (default 24), oldest first. */
    async points(hours: number | null | undefined): Promise<FleetTrendRow[]> {
      const h = hours ?? 24;
      if (!Number.isInteger(h) || h < 1 || h > MAX_TREND_HOURS) {
        throw new UserInputError(`hours must be a whole number between 1 and ${MAX_TREND_HOURS}, got ${h}`, {
          field: 'hours',
        });
      }
      const now = options.now();
      return repo.trend(new Date(now.getTime() - h * 3600_000), now);
    },
  };
}

export type FleetTrend = ReturnType<typeof createFleetTrend>;
