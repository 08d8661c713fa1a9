// Upkeep of the readings' daily partitions (docs/history.md), run at start-up and by a
// periodic job: partitions from yesterday to `aheadDays` ahead exist, rows that landed in the
// default partition move into their day's partition, days older than READINGS_RETENTION_DAYS
// are dropped whole, rollup buckets older than their retention are deleted.
import type { FastifyBaseLogger } from 'fastify';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import type { ReadingPartitionsRepository } from './reading-partitions-repository.js';
import { dayOf } from './readings-ingest-repository.js';
import type { HistorySettings } from '../../config.js';

export type { HistorySettings };

export interface MaintenanceReport {
  created: number;
  dropped: string[];
  rollupRowsDeleted: number;
  dropMs: number;
}

const DAY_MS = 86_400_000;

export function createReadingPartitions(deps: {
  statement: RunInTransaction;
  repo: ReadingPartitionsRepository;
  settings: HistorySettings;
  clock: { now(): Date };
  log: FastifyBaseLogger;
}) {
  const { statement, repo, settings } = deps;
  return {
    async maintain(): Promise<MaintenanceReport> {
      const today = dayOf(deps.clock.now().getTime());
      const wanted: number[] = [];
      for (let d = today - 1; d <= today + settings.aheadDays; d++) wanted.push(d);
      const stray = await statement((tx) => repo.defaultDays(tx));
      const created = await statement((tx) => repo.ensure(tx, [...wanted, ...stray]));
      const dropped: string[] = [];
      let dropMs = 0;
      if (settings.retentionDays !== null) {
        const keepFrom = today - settings.retentionDays + 1;
        for (const p of await statement((tx) => repo.list(tx))) {
          if (p.day >= keepFrom) break;
          const started = performance.now();
          await statement((tx) => repo.drop(tx, p.name));
          dropMs += performance.now() - started;
          dropped.push(p.name);
        }
      }
      const cutoff = (days: number | null) => (days === null ? null : new Date((today - days + 1) * DAY_MS));
      const rollupRowsDeleted = await statement((tx) =>
        repo.trimRollups(
          tx,
          cutoff(settings.minuteRollupRetentionDays ?? settings.rollupRetentionDays),
          cutoff(settings.rollupRetentionDays),
        ),
      );
      if (created || dropped.length || rollupRowsDeleted)
        deps.log.info({ created, dropped, rollupRowsDeleted, dropMs }, 'reading partitions maintained');
      return { created, dropped, rollupRowsDeleted, dropMs };
    },
    hotSize: () => statement((tx) => repo.hotSize(tx)),
    list: () => statement((tx) => repo.list(tx)),
  };
}

export type ReadingPartitions = ReturnType<typeof createReadingPartitions>;
