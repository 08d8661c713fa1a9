// What the trust stream keeps in memory between checkpoints (docs/trust-stream.md):
// per owned partition its read cursor, its stored checkpoint and the minute-rollup
// counts not written yet; per sensor its engine state, the log position that state
// includes, and the unwritten write when its state is ahead of its trust_state row.
// The owner of a partition holds every sensor of it in service (its zone's peers, for
// DRIFT; the silent ones, for OFFLINE). A failed compare-and-set of a partition (the lease
// was lost) or of one of its sensors (a reset wrote the row) drops that partition's memory
// only; it is reloaded from the stored checkpoint (the same path as recovery after kill -9).
import { xidLess } from '../../db/rows.js';
import {
  holdReadings,
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
import { xidMax, type LogRow, type StoredPosition, type StreamSensorRow } from './trust-stream-repository.js';
import type { StateRestorer } from './state-restore.js';
import { planCheckpoints, xidMin, type PartitionCursor } from './trust-checkpoint-plan.js';
import { createSeriesRollup, type SeriesRollup } from '../readings/index.js';

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

const MINUTE_MS = 60_000;

function kindsOf(reasons: unknown): FaultKind[] {
  const list = typeof reasons === 'string' ? (JSON.parse(reasons) as unknown) : reasons;
  return Array.isArray(list) ? (list as TrustReason[]).filter(isTicketReason).map((r) => r.kind) : [];
}

function sensorFromRow(row: StreamSensorRow, partition: number, now: number, restorer: StateRestorer): SensorMemory {
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

/** A transition was asked of the memory in a state that does not allow it (a bug in the stream). */
export class StreamMemoryError extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StreamMemoryError(`trust stream memory: ${message}`);
}

/** What an evaluation or a time-driven judgement of a sensor produced, to join its unwritten work. */
export interface AppliedResult {
  write: TrustWrite;
  points: readonly TrustPointWrite[];
  changes: readonly TrustChange[];
  /** flagged readings per minute (none: a judgement without readings) */
  flagged?: ReadonlyMap<number, number>;
}

/**
 * The stream's memory. Its maps are private: the stream reads them through the accessors
 * (read-only views) and changes them only through the named transitions, each of which
 * asserts its preconditions (`StreamMemoryError`). The engine advances a held sensor's
 * `sensor.state` in place; `applied` then records what that evaluation produced.
 */
export class StreamMemory {
  readonly #partitions = new Map<number, PartitionMemory>();
  readonly #sensors = new Map<string, SensorMemory>();
  /** Partition of every sensor seen (its zone's; forgotten when the registry changes). */
  readonly #partitionOf = new Map<string, number>();
  /** Sensors with readings in their reorder buffer. */
  readonly #holding = new Set<string>();

  /** `restorer`: engine states from the rows loaded (a state that cannot be restored is logged and counted). */
  constructor(private readonly restorer: StateRestorer) {}

  // Reading.

  partition(p: number): Readonly<PartitionMemory> | undefined {
    return this.#partitions.get(p);
  }

  partitions(): IterableIterator<[number, Readonly<PartitionMemory>]> {
    return this.#partitions.entries();
  }

  sensor(id: string): Readonly<SensorMemory> | undefined {
    return this.#sensors.get(id);
  }

  sensors(): IterableIterator<Readonly<SensorMemory>> {
    return this.#sensors.values();
  }

  /** Sensors with readings held in their reorder buffers. */
  holding(): ReadonlySet<string> {
    return this.#holding;
  }

  /** The partition of a sensor seen before (undefined: not known yet). */
  partitionOf(id: string): number | undefined {
    return this.#partitionOf.get(id);
  }

  // Transitions of partitions.

  /** This instance took a partition: its stored checkpoint is where it reads from. */
  opened(p: number, stored: StoredPosition): void {
    expect(!this.#partitions.has(p), `partition ${p} is open already`);
    this.#partitions.set(p, { stored, cursor: stored.position, minutes: new Map(), series: createSeriesRollup() });
  }

  /** Rows of the partition below `upper` have been read (the cursor never moves back). */
  readTo(p: number, upper: string): void {
    const part = this.#open(p);
    part.cursor = xidMax(part.cursor, upper);
  }

  /** A row read for the minute rollup; rows below the stored rollup position were counted before a replay. */
  counted(p: number, row: LogRow): void {
    const part = this.#open(p);
    if (xidLess(row.xid, part.stored.rollup)) return;
    const minute = Math.floor(row.ts / MINUTE_MS) * MINUTE_MS;
    part.minutes.set(minute, (part.minutes.get(minute) ?? 0) + 1);
    part.series.add(row.sensorId, row.ts, row.value);
  }

  /** A commit stored the partition's checkpoint `cp` (with its rollup counts when `rollupWritten`). */
  checkpointed(p: number, cp: StoredPosition, rollupWritten: boolean): void {
    const part = this.#partitions.get(p);
    if (!part) return; // dropped by a failed compare-and-set meanwhile
    part.stored = cp;
    if (rollupWritten) {
      part.minutes.clear();
      part.series.clear();
    }
  }

  /**
   * Forgets these partitions (all when none are given) and their sensors: they are replayed
   * from their stored checkpoints (a lost compare-and-set, a failed tick; the crash path).
   */
  replayed(parts?: Iterable<number>): void {
    if (!parts) {
      this.#partitions.clear();
      this.#sensors.clear();
      this.#holding.clear();
      return;
    }
    const gone = new Set(parts);
    for (const p of gone) this.#partitions.delete(p);
    for (const [id, s] of this.#sensors) if (gone.has(s.partition)) this.#forget(id);
  }

  /** Forgets partitions this instance no longer owns (their next owner replays them). */
  ownedOnly(owned: readonly number[]): void {
    const keep = new Set(owned);
    let dropped = false;
    for (const p of this.#partitions.keys())
      if (!keep.has(p)) {
        this.#partitions.delete(p);
        dropped = true;
      }
    if (dropped) for (const [id, s] of this.#sensors) if (!keep.has(s.partition)) this.#forget(id);
  }

  // Transitions of sensors.

  /** Records a sensor's partition (computed by the database). */
  learnPartition(id: string, partition: number): void {
    this.#partitionOf.set(id, partition);
  }

  /** The registry changed for these sensors (a zone change moves a sensor to another partition). */
  forgetPartitions(ids: Iterable<string>): void {
    for (const id of ids) this.#partitionOf.delete(id);
  }

  /** A sensor loaded from its stored row into an open partition. */
  loaded(row: StreamSensorRow, partition: number, wall: number, profile: SensorProfile | null): Readonly<SensorMemory> {
    expect(!this.#sensors.has(row.sensorId), `sensor ${row.sensorId} is loaded already`);
    expect(this.#partitions.has(partition), `sensor ${row.sensorId} loaded into partition ${partition}, not open`);
    const mem = sensorFromRow(row, partition, wall, this.restorer);
    mem.profile = profile;
    this.#sensors.set(row.sensorId, mem);
    this.#partitionOf.set(row.sensorId, partition);
    return mem;
  }

  /** The sensor's registry profile as resolved now. */
  profiled(id: string, profile: SensorProfile): void {
    this.#held(id).profile = profile;
  }

  /** Handover inside this instance: the sensor's zone moved it to another open partition; written next tick. */
  moved(id: string, partition: number): void {
    const mem = this.#held(id);
    expect(this.#partitions.has(partition), `sensor ${id} moved to partition ${partition}, not open`);
    mem.partition = partition;
    mem.urgent = true;
  }

  /** Out of service or moved away: forgotten now when nothing is unwritten, else written first. */
  leaving(id: string): void {
    const mem = this.#held(id);
    if (mem.pending) mem.urgent = true;
    else this.#forget(id);
  }

  /** Rows read from the log wait in the sensor's reorder buffer. */
  held(id: string, rows: LogRow[], wall: number): void {
    holdReadings(this.#held(id).reorder, rows, wall);
    this.#holding.add(id);
  }

  /** The readings the sensor's reorder buffer gives to the engine now, in timestamp order. */
  released(id: string, release: (buffer: ReorderBuffer<LogRow>) => LogRow[]): LogRow[] {
    const mem = this.#sensors.get(id);
    const rows = mem ? release(mem.reorder) : [];
    if (!mem || mem.reorder.held.length === 0) this.#holding.delete(id);
    return rows;
  }

  /**
   * An evaluation (or a judgement) of the sensor joins its unwritten work: the in-memory
   * verdict follows the write (the next evaluation compares with it), and the state now
   * includes the log up to its applied position. `urgent`: written at the next tick.
   */
  applied(id: string, result: AppliedResult, firstXid: string | null, urgent: boolean): void {
    const mem = this.#held(id);
    const cursor = this.#open(mem.partition).cursor;
    const { write } = result;
    const lastValue = write.lastValue ?? mem.pending?.lastValue ?? null;
    mem.pending = { ...write, lastValue };
    mem.sensor.status = write.status;
    mem.sensor.score = write.score;
    mem.sensor.reasonKinds = write.reasons.filter(isTicketReason).map((r) => r.kind);
    mem.sensor.statusSince = write.statusSince;
    mem.sensor.streamPosition = appliedPosition(mem, cursor);
    if (firstXid !== null) mem.dirtyFrom = mem.dirtyFrom === null ? firstXid : xidMin(mem.dirtyFrom, firstXid);
    for (const point of result.points) mem.points.push(point);
    for (const change of result.changes) mem.changes.push(change);
    if (result.flagged)
      for (const [minute, n] of result.flagged) mem.flagged.set(minute, (mem.flagged.get(minute) ?? 0) + n);
    if (urgent) mem.urgent = true;
  }

  /** Its evaluation failed, so its state may be half mutated: forgotten with its unwritten readings. */
  failed(id: string): void {
    this.#forget(id);
  }

  /** The sensor's row was written with everything in memory: nothing is unwritten now. */
  committed(id: string, wall: number): void {
    const mem = this.#sensors.get(id);
    if (!mem) return; // dropped by a failed compare-and-set meanwhile
    expect(mem.pending !== null, `sensor ${id} committed with nothing unwritten`);
    mem.sensor.version++;
    mem.pending = null;
    mem.points = [];
    mem.changes = [];
    mem.flagged = new Map();
    mem.dirtyFrom = null;
    mem.urgent = false;
    mem.writtenAt = wall;
  }

  /**
   * The checkpoint each partition can store now (`rollups`: its new rollup position): the pure
   * planner (trust-checkpoint-plan.ts) over the partitions' cursors and the sensors' positions.
   */
  checkpoints(rollups: ReadonlyMap<number, string>, written: ReadonlySet<string>): Map<number, StoredPosition> {
    const parts = [...this.#partitions].map(([p, part]): [number, PartitionCursor] => [
      p,
      { cursor: part.cursor, storedRollup: part.stored.rollup },
    ]);
    const positions = [...this.#sensors.values()].map((s) => ({
      sensorId: s.sensor.sensorId,
      partition: s.partition,
      dirtyFrom: s.dirtyFrom,
      lowestHeld: lowestHeld(s.reorder),
    }));
    return planCheckpoints(parts, positions, rollups, written);
  }

  #open(p: number): PartitionMemory {
    const part = this.#partitions.get(p);
    expect(part !== undefined, `partition ${p} is not open`);
    return part;
  }

  #held(id: string): SensorMemory {
    const mem = this.#sensors.get(id);
    expect(mem !== undefined, `sensor ${id} is not in memory`);
    return mem;
  }

  #forget(id: string): void {
    this.#sensors.delete(id);
    this.#holding.delete(id);
  }
}

/** The log position a sensor's applied state includes: the read position, or its lowest held row. */
function appliedPosition(mem: SensorMemory, cursor: string): string {
  const held = lowestHeld(mem.reorder);
  return held === undefined ? cursor : xidMin(cursor, held);
}
