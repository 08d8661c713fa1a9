// Upkeep of the readings' daily partitions (docs/history.md), run at start-up and by a
// periodic job: partitions from yesterday to `aheadDays` ahead exist, rows that landed in the
// default partition move into their day's partition, days that ended more than
// READINGS_COMPACT_AFTER_HOURS ago are compacted into per-sensor hour blocks, days older than
// READINGS_RETENTION_DAYS are dropped whole (their blocks with them), rollup buckets older than
// their retention are deleted, ingest receipts the trust stream has processed are deleted.
import type { FastifyBaseLogger } from 'fastify';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import type { ReadingPartitionsRepository } from './reading-partitions-repository.js';
import { dayOf } from './readings-ingest-repository.js';
import type { HistorySettings } from '../../config.js';

export type { HistorySettings };

export interface MaintenanceReport {
  created: number;
  dropped: string[];
  /** partitions compacted into blocks, and the readings they held */
  compacted: string[];
  compactedReadings: number;
  blocksDeleted: number;
  rollupRowsDeleted: number;
  /** ingest receipts of transactions the trust stream has processed (reading_receipt) */
  receiptsDeleted: number;
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
      let blocksDeleted = 0;
      const keepFrom = settings.retentionDays === null ? null : today - settings.retentionDays + 1;
      if (keepFrom !== null) {
        for (const p of await statement((tx) => repo.list(tx))) {
          if (p.day >= keepFrom) break;
          const started = performance.now();
          await statement((tx) => repo.drop(tx, p.name));
          dropMs += performance.now() - started;
          dropped.push(p.name);
        }
        blocksDeleted = await statement((tx) => repo.dropBlocks(tx, new Date(keepFrom * DAY_MS)));
      }
      const compacted: string[] = [];
      let compactedReadings = 0;
      if (settings.compactAfterHours !== null) {
        // A day partition ends at the next midnight; it is compacted once that is old enough.
        const endBefore = deps.clock.now().getTime() - settings.compactAfterHours * 3_600_000;
        for (const p of await statement((tx) => repo.list(tx))) {
          if ((p.day + 1) * DAY_MS > endBefore) break;
          const n = await statement((tx) => repo.compact(tx, p.name));
          if (n < 0) continue; // not processed by the trust stream yet: stays hot until a later run
          compacted.push(p.name);
          compactedReadings += n;
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
      const receiptsDeleted = await statement((tx) => repo.pruneReceipts(tx));
      const report = {
        created,
        dropped,
        compacted,
        compactedReadings,
        blocksDeleted,
        rollupRowsDeleted,
        receiptsDeleted,
        dropMs,
      };
      if (created || dropped.length || compacted.length || blocksDeleted || rollupRowsDeleted || receiptsDeleted)
        deps.log.info(report, 'reading partitions maintained');
      return report;
    },
    hotSize: () => statement((tx) => repo.hotSize(tx)),
    compactedSize: () => statement((tx) => repo.compactedSize(tx)),
    list: () => statement((tx) => repo.list(tx)),
  };
}

export type ReadingPartitions = ReturnType<typeof createReadingPartitions>;
