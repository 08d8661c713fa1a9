// What the trust stream keeps in memory between checkpoints (docs/trust-stream.md):
// per owned partition its read cursor, its stored checkpoint and the minute-rollup
// counts not written yet; per sensor its engine state, the log position that state
// includes, and the unwritten write when its state is ahead of its trust_state row.
// The owner of a partition holds every sensor of it in service (its zone's peers, for
// DRIFT; the silent ones, for OFFLINE). A failed compare-and-set of a partition (the lease
// was lost) or of one of its sensors (a reset wrote the row) drops that partition's memory
// only; it is reloaded from the stored checkpoint (the same path as recovery after kill -9).
import {
  isTicketReason,
  lastReadingAt,
  lowestHeld,
  reorderBuffer,
  type FaultKind,
  type ReorderBuffer,
  type SensorProfile,
  type TrustReason,
} from '../../trust/index.js';
import type { LockedSensor } from './trust-service.js';
import type { TrustChange } from './trust-changes.js';
import type { TrustPointWrite, TrustWrite } from './trust-state-repository.js';
import type { LogRow, StoredPosition, StreamSensorRow } from './trust-stream-repository.js';
import type { StateRestorer } from './state-restore.js';
import { planCheckpoints, xidMin, type PartitionCursor } from './trust-checkpoint-plan.js';
import type { SeriesRollup } from '../readings/index.js';

export interface SensorMemory {
  /**
   * Engine state and the verdict fields the shell compares against; `version` is the stored
   * row's, `streamPosition` the log position the in-memory state includes (rows of this
   * sensor below it are applied).
   */
  sensor: LockedSensor;
  partition: number;
  /** Lowest log position among applied rows not yet written (null: the row is up to date). */
  dirtyFrom: string | null;
  /** The newest unwritten write (its engine state is `sensor.state`). */
  pending: TrustWrite | null;
  /**
   * Trust-history points of the unwritten evaluations: written with the state that made them
   * (a replay after a crash makes them again), so a score that only moves waits for the checkpoint.
   */
  points: TrustPointWrite[];
  /** Ticket changes of the unwritten evaluations, in event order (written with the state). */
  changes: TrustChange[];
  /**
   * Flagged readings of the unwritten evaluations per minute (epoch ms -> count): added to the
   * rollups with the state that judged them, so a replay after a crash counts them exactly once.
   */
  flagged: Map<number, number>;
  /** Its registry profile as last resolved (null: not resolved yet). */
  profile: SensorProfile | null;
  /** Written at the next tick whatever its checkpoint age (a handover, a time-driven judgement). */
  urgent: boolean;
  /** performance.now() of the last write (or of loading). */
  writtenAt: number;
  /**
   * Readings read from the log but not yet given to the engine (reorder before the engine):
   * what is applied is exactly this sensor's rows below the lowest held one.
   */
  reorder: ReorderBuffer<LogRow>;
}

export interface PartitionMemory {
  /** The checkpoint as this instance stored it last (what its compare-and-set expects). */
  stored: StoredPosition;
  /** Read position: rows below it have been applied in memory. */
  cursor: string;
  /** Unwritten minute-rollup counts (minute epoch ms → readings). */
  minutes: Map<number, number>;
  /** Unwritten per-sensor minute cells (series-rollup.ts), written and cleared with `minutes`. */
  series: SeriesRollup;
}

export { xidMin };

function kindsOf(reasons: unknown): FaultKind[] {
  const list = typeof reasons === 'string' ? (JSON.parse(reasons) as unknown) : reasons;
  return Array.isArray(list) ? (list as TrustReason[]).filter(isTicketReason).map((r) => r.kind) : [];
}

export function sensorFromRow(
  row: StreamSensorRow,
  partition: number,
  now: number,
  restorer: StateRestorer,
): SensorMemory {
  const state = restorer.restore(row.sensorId, row.engineState);
  return {
    sensor: {
      sensorId: row.sensorId,
      status: row.status,
      score: row.score,
      reasonKinds: kindsOf(row.reasons),
      statusSince: row.statusSince ? row.statusSince.getTime() : null,
      version: row.version,
      streamPosition: row.streamPosition,
      ...(row.registeredAt ? { registeredAt: row.registeredAt.getTime() } : {}),
      state,
    },
    partition,
    dirtyFrom: null,
    pending: null,
    points: [],
    changes: [],
    flagged: new Map(),
    profile: null,
    urgent: false,
    writtenAt: now,
    reorder: releasedUpTo(lastReadingAt(state)),
  };
}

/** An empty reorder buffer for a state that has seen readings up to `lastTs` (older ones are late anyway). */
function releasedUpTo(lastTs: number | null): ReorderBuffer<LogRow> {
  const buf = reorderBuffer<LogRow>();
  if (lastTs !== null) buf.releasedTs = lastTs;
  return buf;
}

/** The log position a sensor's applied state includes: the read position, or its lowest held row. */
export function appliedPosition(mem: SensorMemory, cursor: string): string {
  const held = lowestHeld(mem.reorder);
  return held === undefined ? cursor : xidMin(cursor, held);
}

/** After an evaluation: the in-memory verdict follows the write (the next evaluation compares with it). */
export function applyWrite(mem: SensorMemory, write: TrustWrite, position: string, firstXid: string | null): void {
  const lastValue = write.lastValue ?? mem.pending?.lastValue ?? null;
  mem.pending = { ...write, lastValue };
  mem.sensor.status = write.status;
  mem.sensor.score = write.score;
  mem.sensor.reasonKinds = write.reasons.filter(isTicketReason).map((r) => r.kind);
  mem.sensor.statusSince = write.statusSince;
  mem.sensor.streamPosition = position;
  if (firstXid !== null) mem.dirtyFrom = mem.dirtyFrom === null ? firstXid : xidMin(mem.dirtyFrom, firstXid);
}

/** The sensor's row was written with everything in memory: nothing is unwritten now. */
export function committed(mem: SensorMemory, wall: number): void {
  mem.sensor.version++;
  mem.pending = null;
  mem.points = [];
  mem.changes = [];
  mem.flagged = new Map();
  mem.dirtyFrom = null;
  mem.urgent = false;
  mem.writtenAt = wall;
}

/** `restorer`: engine states from the rows loaded (a state that cannot be restored is logged and counted). */
export function createStreamMemory(restorer: StateRestorer) {
  const partitions = new Map<number, PartitionMemory>();
  const sensors = new Map<string, SensorMemory>();
  /** Partition of every sensor seen (its zone's; forgotten when the registry changes). */
  const partitionOf = new Map<string, number>();
  /** Sensors with readings in their reorder buffer. */
  const holding = new Set<string>();

  return {
    partitions,
    sensors,
    holding,
    /** The partition of a sensor seen before (undefined: not known yet). */
    partitionOf: (id: string): number | undefined => partitionOf.get(id),
    /** Records a sensor's partition (computed by the database). */
    learnPartition(id: string, partition: number): void {
      partitionOf.set(id, partition);
    },
    /** The registry changed for these sensors (a zone change moves a sensor to another partition). */
    forgetPartitions(ids: Iterable<string>): void {
      for (const id of ids) partitionOf.delete(id);
    },
    /** A sensor loaded from its row. */
    load(row: StreamSensorRow, partition: number, now: number): SensorMemory {
      const mem = sensorFromRow(row, partition, now, restorer);
      sensors.set(row.sensorId, mem);
      partitionOf.set(row.sensorId, partition);
      return mem;
    },
    clear(): void {
      partitions.clear();
      sensors.clear();
      holding.clear();
    },
    /** Forgets these partitions and their sensors (a lost compare-and-set): they are reloaded. */
    drop(parts: Iterable<number>): void {
      const gone = new Set(parts);
      for (const p of gone) partitions.delete(p);
      for (const [id, s] of sensors)
        if (gone.has(s.partition)) {
          sensors.delete(id);
          holding.delete(id);
        }
    },
    /** Forgets partitions this instance no longer owns (their next owner replays them). */
    keepOnly(owned: readonly number[]): void {
      const keep = new Set(owned);
      let dropped = false;
      for (const p of partitions.keys())
        if (!keep.has(p)) {
          partitions.delete(p);
          dropped = true;
        }
      if (dropped)
        for (const [id, s] of sensors)
          if (!keep.has(s.partition)) {
            sensors.delete(id);
            holding.delete(id);
          }
    },
    /**
     * The checkpoint each partition can store now (`rollups`: its new rollup position): its
     * cursor, held back to the lowest unwritten or held row of its sensors and to the rollup position
     * (a replay counts rows at or above it).
     */
    checkpoints(rollups: ReadonlyMap<number, string>, written: ReadonlySet<string>): Map<number, StoredPosition> {
      const parts = [...partitions].map(([p, part]): [number, PartitionCursor] => [
        p,
        { cursor: part.cursor, storedRollup: part.stored.rollup },
      ]);
      const positions = [...sensors.values()].map((s) => ({
        sensorId: s.sensor.sensorId,
        partition: s.partition,
        dirtyFrom: s.dirtyFrom,
        lowestHeld: lowestHeld(s.reorder),
      }));
      return planCheckpoints(parts, positions, rollups, written);
    },
  };
}

export type StreamMemory = ReturnType<typeof createStreamMemory>;
