// What the trust stream keeps in memory between checkpoints (docs/trust-stream.md):
// per owned partition its read cursor, its stored checkpoint and the minute-rollup
// counts not written yet; per sensor its engine state, the log position that state
// includes, and the unwritten write when its state is ahead of its trust_state row.
// Nothing here is trusted after a failed transaction: the stream clears it all and
// replays from the stored checkpoints (the same path as recovery after kill -9).
import {
  isTicketReason,
  lowestHeld,
  reorderBuffer,
  type FaultKind,
  type ReorderBuffer,
  type TrustReason,
} from '../../trust/index.js';
import type { LockedSensor } from './trust-service.js';
import type { TrustPointWrite, TrustWrite } from './trust-state-repository.js';
import type { LogRow, StoredPosition, StreamSensorRow } from './trust-stream-repository.js';
import type { EngineStateCache } from './engine-state-cache.js';
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
      engineState: null,
      cached: false,
      status: row.status,
      score: row.score,
      reasonKinds: kindsOf(row.reasons),
      statusSince: row.statusSince ? row.statusSince.getTime() : null,
      version: row.version,
      streamPosition: row.streamPosition,
      state,
    },
    partition,
    dirtyFrom: null,
    pending: null,
    points: [],
    writtenAt: now,
    reorder: releasedUpTo(state.lastTs),
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
export function applyWrite(mem: SensorMemory, write: TrustWrite, position: string, firstXid: string): void {
  const lastValue = write.lastValue ?? mem.pending?.lastValue ?? null;
  mem.pending = { ...write, lastValue };
  mem.sensor.status = write.status;
  mem.sensor.score = write.score;
  mem.sensor.reasonKinds = write.reasons.filter(isTicketReason).map((r) => r.kind);
  mem.sensor.statusSince = write.statusSince;
  mem.sensor.streamPosition = position;
  mem.dirtyFrom = mem.dirtyFrom === null ? firstXid : xidMin(mem.dirtyFrom, firstXid);
}

/** `restorer`: engine states from the rows loaded (a state that cannot be restored is logged and counted). */
export function createStreamMemory(restorer: StateRestorer) {
  const partitions = new Map<number, PartitionMemory>();
  const sensors = new Map<string, SensorMemory>();
  /** Partition of every sensor seen (lets a state the sweep read from the database join the memory). */
  const partitionOf = new Map<string, number>();
  /** Entries the sweep took, until it puts them back. */
  const taken = new Map<string, SensorMemory>();
  /** Sensors with readings in their reorder buffer. */
  const holding = new Set<string>();
  const clean = (m: SensorMemory | undefined) =>
    m !== undefined && m.dirtyFrom === null && m.pending === null && m.reorder.held.length === 0;

  /**
   * The sweep's engine-state cache, over this memory: it shares only states whose row is up
   * to date (clean); taking one removes it until the sweep commits and puts it back. A put
   * never replaces a sensor the stream holds unwritten work of (its next write then finds
   * the row moved on and the stream replays).
   */
  const stateCache: EngineStateCache = {
    stats: { hits: 0, misses: 0 },
    versions: (ids) =>
      ids.map((id) => {
        const m = sensors.get(id);
        return m && clean(m) ? m.sensor.version : -1;
      }),
    take(id, version) {
      const m = sensors.get(id);
      if (m && clean(m) && m.sensor.version === version) {
        sensors.delete(id);
        taken.set(id, m);
        stateCache.stats.hits++;
        return m.sensor.state;
      }
      stateCache.stats.misses++;
      return undefined;
    },
    put(id, version, state, verdict) {
      const before = taken.get(id);
      taken.delete(id);
      const partition = partitionOf.get(id);
      const current = sensors.get(id);
      if (partition === undefined || !partitions.has(partition)) return;
      if (current && (!clean(current) || current.sensor.version >= version)) return;
      const fields = verdict ?? before?.sensor;
      if (!fields) return;
      sensors.set(id, {
        sensor: {
          sensorId: id,
          engineState: null,
          cached: true,
          version,
          state,
          status: fields.status,
          score: fields.score,
          reasonKinds: fields.reasonKinds,
          statusSince: fields.statusSince,
          streamPosition: fields.streamPosition,
        },
        partition,
        dirtyFrom: null,
        pending: null,
        points: [],
        writtenAt: current?.writtenAt ?? performance.now(),
        reorder: releasedUpTo(state.lastTs),
      });
    },
    drop(id) {
      if (clean(sensors.get(id))) sensors.delete(id);
    },
    get size() {
      return sensors.size;
    },
  };

  return {
    partitions,
    sensors,
    holding,
    stateCache,
    /** The partition of a sensor seen before (undefined: not known yet). */
    partitionOf: (id: string): number | undefined => partitionOf.get(id),
    /** Records a sensor's partition (computed by the database). */
    learnPartition(id: string, partition: number): void {
      partitionOf.set(id, partition);
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
    /** Forgets partitions this instance no longer owns (their next owner replays them). */
    keepOnly(owned: readonly number[]): void {
      const keep = new Set(owned);
      let dropped = false;
      for (const p of partitions.keys())
        if (!keep.has(p)) {
          partitions.delete(p);
          dropped = true;
        }
      if (dropped) for (const [id, s] of sensors) if (!keep.has(s.partition)) sensors.delete(id);
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
