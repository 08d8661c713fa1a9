// The trust stream (docs/trust-stream.md): consumes the stored readings of the
// partitions this instance owns, in commit-correct order (transaction-id
// high-water mark), and applies them to trust in micro-batches. Engine states stay
// in memory between checkpoints: a sensor's trust_state row is written at once
// when its verdict, history or tickets move (with the state that moved them), else
// at most about once per TRUST_CHECKPOINT_MS, each row with the log position its
// state includes. A partition's stored position is held back to the lowest
// unwritten row of its sensors, so a crash loses nothing: the next owner resumes
// from it and replays, skipping per sensor what its row already includes. Every
// write of a tick, the minute rollup and the positions (compare-and-set) are ONE
// transaction; events are published after commit.
//
// One writer: partitions are keyed by zone (the sensor id when it has none), so the owner of
// a partition holds every sensor of its zones and is the only writer of their trust state,
// history, rollups and ticket automation. DRIFT is judged with the readings, over whole
// zones; the time-driven judgements (OFFLINE, escalation, auto-resolution) run in the owner's
// tick, periodically or when evaluateTrust asks (trust_stream.sweep_seq), and commit with
// its checkpoint.
import type { FastifyBaseLogger } from 'fastify';
import type { PartitionLeases } from '../../db/partition-leases.js';
import type { RunInTransaction, SqlTx } from '../../db/sql-transaction.js';
import { lowestXid, xidLess } from '../../db/rows.js';
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { SensorProfileCache } from '../readings/index.js';
import { MINUTE_SHARDS } from '../readings/index.js';
import type { LockedSensor, SensorReadings, SensorResult, TrustEffects, TrustService } from './trust-service.js';
import type { TrustChange } from './trust-changes.js';
import type { TrustPointWrite, TrustWrite } from './trust-state-repository.js';
import type { LocalLog } from './trust-stream-local-log.js';
import { flaggedRows, rollupRows, type FlaggedCells, type SeriesRollup } from '../readings/index.js';
import type { SeriesRepository } from '../readings/index.js';
import { releaseReadings, type SensorProfile } from '../../trust/index.js';
import { StreamLoop, type TickOutcome } from './trust-stream-loop.js';
import { xidMin } from './trust-checkpoint-plan.js';
import type { StreamMemory } from './trust-stream-memory.js';
import {
  PartitionMovedError,
  type LogRow,
  type StoredPosition,
  type StreamSensorRow,
  type SweepRequest,
  type TrustStreamRepository,
} from './trust-stream-repository.js';

/**
 * A sensor's trust row moved on under its owner (a reset or a reactivation wrote it, or a
 * previous owner during a zone handover): roll back, drop those partitions and reload them.
 */
export class SensorRowMovedError extends Error {
  constructor(
    ids: string[],
    readonly partitions: number[],
  ) {
    super(`trust rows of ${ids.length} sensor(s) (${ids.slice(0, 3).join(', ')}…) were written by someone else`);
  }
}

/** waitProcessed ran out of time: the stream has not applied everything committed before the call. */
export class TrustWaitTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`trust stream did not catch up within ${timeoutMs} ms (is an instance owning every partition?)`);
  }
}

export interface TrustStreamSettings {
  /** Number of partitions (a power of two). */
  partitions: number;
  /** Least time between two ticks that found work: bounds how often a sensor's state is written. */
  intervalMs: number;
  /** Idle poll for readings stored by other instances. */
  pollMs: number;
  /** About this many readings per tick at most. */
  batchRows: number;
  /** A sensor's state is written at most about this often while its verdict is unchanged. */
  checkpointMs: number;
  /**
   * Reorder before the engine: each sensor's readings are held this long after the stream
   * read them and released in timestamp order (0: no hold).
   */
  reorderMs: number;
  /**
   * A reading received more than this long after its timestamp (for its sensor's kind) is
   * history and is not held: the engine's lateness bound (default: never history).
   */
  historyAfterMs?: (profile: SensorProfile) => number;
  /**
   * PostgreSQL: warn when a transaction has held an xid (and so pg_snapshot_xmin, which the
   * stream reads below) for this long; 0 = do not watch (PGlite has no other sessions).
   */
  holderWarnMs?: number;
  /**
   * While local ingests arrive, the stream rests at least this many times as long as its last
   * tick took (default YIELD_FACTOR; 0: only the interval) when that tick read a burst of rows
   * (BURST_ROWS) but not a whole slice.
   */
  yieldFactor?: number;
  /** Time-driven judgements of the owned partitions this often (0: only when asked). */
  sweepIntervalMs?: number;
  /** Other instances may ask for judgements (PostgreSQL): look for their requests every poll. */
  pollRequests?: boolean;
}

export interface TrustStreamDeps {
  transaction: RunInTransaction;
  /**
   * Statements outside a transaction, each on its own (the tick's reads; default: a
   * transaction). Embedded PGlite serialises every statement with a transaction in progress.
   */
  reads?: RunInTransaction;
  repo: TrustStreamRepository;
  leases: PartitionLeases;
  profiles: SensorProfileCache;
  trust: TrustService;
  events: EventBus;
  clock: { now(): Date };
  log: FastifyBaseLogger;
  settings: TrustStreamSettings;
  /** Engine states between checkpoints: every sensor in service of the owned partitions. */
  memory: StreamMemory;
  /** The committed rows of this process's ingests, handed over in memory (none: every range is read). */
  localLog?: LocalLog;
  /** Writes the per-sensor rollups behind Sensor.series with the minute rollup (none: not kept). */
  seriesRollups?: Pick<SeriesRepository, 'addRollups' | 'addFlagged'>;
}

/** When a tick runs and what it must do. */
interface TickTimes {
  now: Date;
  /** performance.now() at the tick's start */
  wall: number;
  /** states written before this are due for their checkpoint */
  dueBefore: number;
  /** write everything in memory (a barrier waits, or shutdown) */
  flushAll: boolean;
  /** the periodic time-driven judgements are due */
  periodic: boolean;
  /** look for other instances' requests for judgements */
  pollRequests: boolean;
}

/** What the log reader hands on: the partitions read, the rows read, their profiles, the requests. */
interface LogRead {
  parts: number[];
  rows: number;
  known: Map<string, SensorProfile>;
  requests: SweepRequest[];
}

/** Ticket escalation and auto-resolution at a time, for these sensors (null: all). */
type TicketSweep = { now: Date; sensorIds: string[] | null };

/** What the checkpoint planner hands to the commit. */
interface WritePlan {
  parts: number[];
  writes: TrustWrite[];
  points: TrustPointWrite[];
  changes: TrustChange[];
  moved: TrustEffects['sensors'];
  ticketSweeps: TicketSweep[];
  minutes: Map<number, number>;
  /** the minutes, ascending */
  keys: number[];
  series: SeriesRollup[];
  /** flagged readings of the sensors written (they go with the states that judged them) */
  flagged: FlaggedCells[];
  /** partitions whose rollup goes with this commit, and their new rollup positions */
  rollups: Map<number, string>;
  /** sensors written */
  written: Set<string>;
  /** each partition's checkpoint after the commit */
  next: Map<number, StoredPosition>;
  /** the checkpoints move with this commit */
  advance: boolean;
  /** requests for judgements this commit completes */
  requested: SweepRequest[];
}

/** A reading at most this many expected intervals after the last one released is the sensor's next: not held. */
const NEXT_READING_INTERVALS = 1.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The request path gets at least half of the thread while ingests arrive (trust-stream-loop.ts). */
const YIELD_FACTOR = 1;
/** A tick that read at least this many rows is a burst: only then does the stream yield. */
const BURST_ROWS = 1000;

/** The stream's own counters on this instance, since it started (/metrics). */
export interface TrustStreamStats {
  ticks: number;
  readings: number;
  lastTickMs: number;
  stateWrites: number;
  replays: number;
  rangesFromMemory: number;
  rangesRead: number;
  sweeps: number;
  handovers: number;
}

export function emptyStats(): TrustStreamStats {
  return {
    ticks: 0,
    readings: 0,
    lastTickMs: 0,
    stateWrites: 0,
    replays: 0,
    rangesFromMemory: 0,
    rangesRead: 0,
    sweeps: 0,
    handovers: 0,
  };
}

/** The stream as the rest of the server sees it, on the main thread or on its own (trust-thread/). */
export interface TrustStream {
  readonly stats: TrustStreamStats;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** How far trust is behind the stored readings, as the stored checkpoints say (Query.trustLag). */
  lag(): Promise<{ position: string; oldestUnprocessedMs: number }>;
  /** A local ingest committed: process it soon. */
  notify(): void;
  /** A local ingest committed these rows (kept only in embedded mode, see localLog). */
  offer(xid: string, stored: SensorReadings[], receivedAt: number): void;
  /**
   * Resolves once everything committed before the call has been applied to trust, by
   * whichever instance owns it (evaluateTrust and read-after-write callers wait on it).
   */
  waitProcessed(timeoutMs?: number): Promise<void>;
  /**
   * evaluateTrust: everything committed before the call applied, then the time-driven
   * judgements at `at` by the owner of every partition (whichever instance), committed with
   * its checkpoint. Returns how many of `sensorIds` (null: all sensors) are in service; an
   * empty list is the barrier alone. (Owners judge whole partitions: the given sensors with
   * their zones and more.)
   */
  judgeAt(sensorIds: string[] | null, at: Date, timeoutMs?: number): Promise<number>;
}

export function createTrustStream(deps: TrustStreamDeps): TrustStream {
  const { transaction, repo, leases, profiles, trust, events, log, settings } = deps;
  const reads = deps.reads ?? transaction;
  const mask = settings.partitions - 1;
  // The loop's modes and transitions: trust-stream-loop.ts.
  const loop = new StreamLoop(step, { ...settings, yieldFactor: settings.yieldFactor ?? YIELD_FACTOR });
  const stats = emptyStats();
  const memory = deps.memory;
  let lastRollupWrite = performance.now();
  /** performance.now() of the last periodic judgement, and of the last look for requests. */
  let lastSweep = performance.now();
  let lastRequestPoll = 0;
  // A zone change moves a sensor to another partition: its partition is asked again.
  const offRegistry = events.on(Topic.SensorRegistryChanged, ({ sensorIds }) => memory.forgetPartitions(sensorIds));

  /** Loads sensors' rows into memory; those last written by another partition's owner need a handover. */
  function admit(
    rows: StreamSensorRow[],
    partOf: (id: string) => number,
    readFrom: ReadonlyMap<number, string>,
    known: ReadonlyMap<string, SensorProfile>,
    wall: number,
    catchUps: { sensorId: string; part: number; from: string; upper: string }[],
  ): void {
    for (const row of rows) {
      const part = partOf(row.sensorId);
      memory.loaded(row, part, wall, known.get(row.sensorId) ?? null);
      const from = readFrom.get(part);
      if (row.streamPartition !== part && from !== undefined && xidLess(row.streamPosition, from))
        catchUps.push({ sensorId: row.sensorId, part, from: row.streamPosition, upper: from });
    }
  }

  /**
   * One tick: read the next range of the log into memory, run the engine (DRIFT over whole
   * zones), run the time-driven judgements that are due, and write what must be written now —
   * sensors whose verdict moved (with the state that moved it), sensors whose state is older
   * than the checkpoint interval (all of them with `flushAll`), the minute rollup once per
   * interval — with the partitions' checkpoints, in ONE transaction. Returns whether it read
   * or wrote anything ('burst': it read BURST_ROWS rows or more; 'full': a whole slice, more
   * is waiting).
   */
  async function tick(flushAll: boolean): Promise<TickOutcome> {
    const owned = leases.owned();
    memory.ownedOnly(owned);
    if (owned.length === 0) return false;
    const wall = performance.now();
    const sweepEvery = settings.sweepIntervalMs ?? 0;
    const t: TickTimes = {
      now: deps.clock.now(),
      wall,
      dueBefore: wall - settings.checkpointMs,
      flushAll,
      periodic: sweepEvery > 0 && wall - lastSweep >= sweepEvery,
      pollRequests: loop.barriers > 0 || (settings.pollRequests === true && wall - lastRequestPoll >= settings.pollMs),
    };
    // 1. Read, outside any transaction (each statement on its own): the log below the
    // high-water mark is final, and every write below is a compare-and-set on what was read
    // (sensor versions, partition checkpoints), so nothing read here needs the write's
    // transaction. On the embedded database a transaction holds the one connection: the
    // ingest's inserts wait for it, so the engine must not run inside one.
    const read = await reads((tx) => readLog(tx, owned, t));
    if (!read) return false;
    const released = release(read.known, t);
    const evaluated = evaluate(released, read.known, t.now);
    const ticketSweeps = judge(read, evaluated, t);
    const plan = planWrite(read, evaluated, ticketSweeps, t);
    const effects = await commit(plan);
    settle(plan, read, effects, wall);
    if (read.rows >= settings.batchRows) return 'full';
    if (read.rows >= BURST_ROWS) return 'burst';
    // Held readings keep the stream ticking until they are released.
    return read.rows > 0 || plan.written.size > 0 || memory.holding().size > 0 || plan.requested.length > 0;
  }

  /** Phase 1, the log reader: the owned partitions' next range, into each sensor's reorder buffer. */
  async function readLog(tx: SqlTx, owned: number[], t: TickTimes): Promise<LogRead | null> {
    const { wall, periodic, pollRequests } = t;
    const catchUps: { sensorId: string; part: number; from: string; upper: string }[] = [];
    const fresh = owned.filter((p) => !memory.partition(p));
    if (fresh.length) for (const [p, s] of await repo.positions(tx, fresh)) memory.opened(p, s);
    const parts = owned.filter((p) => memory.partition(p));
    const readFrom = new Map(parts.map((p) => [p, memory.partition(p)!.cursor]));
    const requests = pollRequests ? await repo.sweepRequests(tx, parts) : [];
    if (pollRequests) lastRequestPoll = wall;
    // A partition's owner holds all of its sensors in service: loaded when it takes the
    // partition, and looked up again before time-driven judgements (new, moved, retired ones).
    const sweeping = periodic || requests.length > 0;
    const membersOf = sweeping ? parts : parts.filter((p) => fresh.includes(p));
    if (membersOf.length) {
      const members = await repo.members(tx, membersOf, mask);
      const inService = new Set(members.map((m) => m.id));
      const partOf = new Map(members.map((m) => [m.id, m.part]));
      for (const m of members) memory.learnPartition(m.id, m.part);
      const resolved = members.length
        ? await profiles.resolve(inService, (ids) => repo.sensors(tx, ids))
        : new Map<string, SensorProfile>();
      for (const m of members) {
        const profile = resolved.get(m.id);
        if (profile && memory.sensor(m.id)) memory.profiled(m.id, profile);
      }
      const load = members.filter((m) => !memory.sensor(m.id)).map((m) => m.id);
      if (load.length)
        admit(await repo.loadSensors(tx, load), (id) => partOf.get(id)!, readFrom, resolved, wall, catchUps);
      // Retired or moved away: forgotten once written (a moved sensor is written first).
      const swept = new Set(membersOf);
      const leaving = [...memory.sensors()].filter((m) => swept.has(m.partition) && !inService.has(m.sensor.sensorId));
      for (const mem of leaving) memory.leaving(mem.sensor.sensorId);
    }
    const from = parts.map((p) => readFrom.get(p)!);
    const lowest = lowestXid(from);
    if (lowest === undefined) return null;
    // The range planned from the rows this process's ingests handed over (no index scan).
    const planned = deps.localLog?.upper(lowest, await repo.snapshotXmin(tx), settings.batchRows);
    let upper = planned ?? lowest;
    let rows: LogRow[] | null = planned === undefined ? null : [];
    if (planned !== undefined && xidLess(lowest, planned)) {
      rows = await fromLocalLog(tx, parts, lowest, planned);
      if (rows) stats.rangesFromMemory++;
    }
    if (rows === null) {
      upper = await repo.upperBound(tx, lowest, settings.batchRows);
      rows = [];
      if (xidLess(lowest, upper)) {
        stats.rangesRead++;
        rows = await repo.readRange(tx, parts, from, upper, mask);
      }
    }
    for (const p of parts) memory.readTo(p, upper);

    // Per sensor, in timestamp order (the log holds each (sensor, ts) once); minutes counted
    // once (rows below the stored rollup position were counted before a replay).
    const bySensor = new Map<string, LogRow[]>();
    for (const r of rows) {
      const list = bySensor.get(r.sensorId);
      if (list) list.push(r);
      else bySensor.set(r.sensorId, [r]);
      memory.counted(r.part, r);
    }
    // One registry lookup per tick: the sensors just read and those still holding readings.
    const wanted = new Set([...bySensor.keys(), ...memory.holding()]);
    const known = wanted.size
      ? await profiles.resolve(wanted, (ids) => repo.sensors(tx, ids))
      : new Map<string, SensorProfile>();
    if (bySensor.size) {
      const ids = [...bySensor.keys()].filter((id) => known.has(id));
      const partOf = (id: string) => bySensor.get(id)![0]!.part;
      const load = ids.filter((id) => !memory.sensor(id));
      if (load.length) admit(await repo.loadSensors(tx, load), partOf, readFrom, known, wall, catchUps);
      for (const id of ids) {
        const mem = memory.sensor(id);
        if (!mem) continue;
        memory.profiled(id, known.get(id)!);
        const part = partOf(id);
        if (mem.partition !== part) {
          // Handover inside this instance: the sensor's zone moved it to another partition.
          memory.moved(id, part);
          const at = readFrom.get(part)!;
          if (xidLess(mem.sensor.streamPosition, at))
            catchUps.push({ sensorId: id, part, from: mem.sensor.streamPosition, upper: at });
        }
      }
    }
    if (catchUps.length) {
      // Rows the new partition's cursor had passed before the sensor joined it (not counted
      // in the minute rollup: the previous partition may have counted them).
      stats.handovers += catchUps.length;
      for (const r of await repo.sensorRows(tx, catchUps)) {
        const list = bySensor.get(r.sensorId);
        if (list) list.push(r);
        else bySensor.set(r.sensorId, [r]);
      }
    }
    for (const [id, list] of bySensor) {
      const mem = memory.sensor(id);
      if (!mem || !known.has(id)) continue;
      // A replay skips what the stored state of this sensor already includes (no copy when
      // it includes none of them, as outside a replay).
      const at = mem.sensor.streamPosition;
      const fresh = list.some((r) => xidLess(r.xid, at)) ? list.filter((r) => !xidLess(r.xid, at)) : list;
      if (fresh.length) memory.held(id, fresh, wall);
    }
    return { parts, rows: rows.length, known, requests };
  }

  /** Phase 2, reorder: the readings each sensor's buffer releases now, in timestamp order. */
  function release(known: ReadonlyMap<string, SensorProfile>, t: TickTimes): Map<string, LogRow[]> {
    const { wall, flushAll } = t;
    // Reorder before the engine: each sensor's readings, held for TRUST_REORDER_MS after they
    // were read, reach it in timestamp order (all of them for a barrier or a shutdown); the
    // sensor's next reading (within 1.5 expected intervals of the last one) goes at once.
    const released = new Map<string, LogRow[]>();
    for (const id of [...memory.holding()]) {
      const profile = known.get(id);
      const next = profile ? NEXT_READING_INTERVALS * profile.expectedIntervalSeconds * 1000 : 0;
      const history = profile && settings.historyAfterMs ? settings.historyAfterMs(profile) : Infinity;
      const rows = memory.released(id, (buffer) =>
        releaseReadings(buffer, wall, settings.reorderMs, flushAll, next, history),
      );
      if (rows.length) released.set(id, rows);
    }
    return released;
  }

  /** Phase 3, evaluate: the engine over the released readings, in memory. */
  function evaluate(
    released: ReadonlyMap<string, LogRow[]>,
    known: ReadonlyMap<string, SensorProfile>,
    now: Date,
  ): Map<string, SensorResult> {
    // 2. The engine, in memory: the released readings, with the other sensors of their zones
    // as DRIFT peers.
    const evaluated = new Map<string, SensorResult>();
    if (released.size) {
      const ids = [...released.keys()].filter((id) => known.has(id)).sort();
      const work: SensorReadings[] = [];
      const states = new Map<string, LockedSensor>();
      const firstXid = new Map<string, string>();
      const zones = new Set<string>();
      for (const id of ids) {
        const mem = memory.sensor(id)!;
        const fresh = released.get(id)!;
        let receivedAt: number | undefined;
        let first = fresh[0]!.xid;
        // Each reading is judged against when it was received (live or history), however
        // readings fall into ticks; the engine's "now" is the newest of them.
        for (const r of fresh) {
          if (r.receivedAt !== null && r.receivedAt > (receivedAt ?? -Infinity)) receivedAt = r.receivedAt;
          first = xidMin(first, r.xid);
        }
        firstXid.set(id, first);
        states.set(id, mem.sensor);
        const profile = known.get(id)!;
        if (profile.zoneId !== null) zones.add(profile.zoneId);
        // The log rows are the engine's samples (ts, value, receivedAt): no copy per reading.
        work.push({ profile, samples: fresh, now: receivedAt });
      }
      const peers = zonePeers(zones, states);
      const { results, failed } = trust.evaluateReadings(states, work, now, peers);
      // Its state may be half-mutated: forget it (its unwritten readings with it, as a
      // failing evaluation always left trust unchanged).
      for (const id of failed) memory.failed(id);
      for (const [id, res] of results) {
        memory.applied(id, res, firstXid.get(id) ?? null, res.changed || res.changes.length > 0);
        evaluated.set(id, res);
      }
    }

    return evaluated;
  }

  /** Phase 3b: the time-driven judgements due, in memory; the ticket sweeps to commit with them. */
  function judge(read: LogRead, evaluated: Map<string, SensorResult>, t: TickTimes): TicketSweep[] {
    const { parts } = read;
    const { periodic, wall, now } = t;
    // Time-driven judgements due (periodic, or asked by evaluateTrust on any instance),
    // each partition at its own time, over all of its sensors.
    const sweeps = new Map<number, { at: number; ids: string[] | null }>();
    if (periodic) {
      lastSweep = wall;
      for (const p of parts) sweeps.set(p, { at: now.getTime(), ids: null });
    }
    for (const r of read.requests) if (parts.includes(r.partition)) sweeps.set(r.partition, r);
    const ticketSweeps: { now: Date; sensorIds: string[] | null }[] = [];
    if (sweeps.size) {
      stats.sweeps++;
      // One judgement per requested time and scope, over the partitions that asked for it.
      const byScope = new Map<string, { at: number; ids: string[] | null; parts: Set<number> }>();
      for (const [p, req] of sweeps) {
        const key = `${req.at}\u0000${req.ids ? [...req.ids].sort().join(',') : '*'}`;
        const scope = byScope.get(key);
        if (scope) scope.parts.add(p);
        else byScope.set(key, { at: req.at, ids: req.ids, parts: new Set([p]) });
      }
      for (const { at, ids: asked, parts: group } of [...byScope.values()].sort((a, b) => a.at - b.at)) {
        // The sensors asked about, with their zones (DRIFT peers are judged together).
        const only = asked ? new Set(asked) : null;
        const zones = new Set<string>();
        if (only)
          for (const id of only) {
            const zone = memory.sensor(id)?.profile?.zoneId;
            if (zone != null) zones.add(zone);
          }
        const entries: { row: LockedSensor; profile: SensorProfile }[] = [];
        const ids: string[] = [];
        for (const mem of memory.sensors()) {
          if (!group.has(mem.partition)) continue;
          const zone = mem.profile?.zoneId;
          if (only && !only.has(mem.sensor.sensorId) && !(zone != null && zones.has(zone))) continue;
          ids.push(mem.sensor.sensorId);
          if (mem.profile) entries.push({ row: mem.sensor, profile: mem.profile });
        }
        entries.sort((a, b) => a.profile.id.localeCompare(b.profile.id));
        for (const [id, res] of trust.judgeTime(entries, new Date(at))) {
          memory.applied(id, res, null, true);
          const before = evaluated.get(id);
          evaluated.set(id, { ...res, changed: res.changed || before?.changed === true });
        }
        // Every partition owned: every ticket (those of retired sensors too), as one sweep.
        const all = group.size === settings.partitions && only === null;
        ticketSweeps.push({ now: new Date(at), sensorIds: all ? null : ids.sort() });
      }
    }

    return ticketSweeps;
  }

  /** Phase 4, the checkpoint planner: what this tick writes, and each partition's next checkpoint. */
  function planWrite(
    read: LogRead,
    evaluated: ReadonlyMap<string, SensorResult>,
    ticketSweeps: TicketSweep[],
    t: TickTimes,
  ): WritePlan {
    const { parts } = read;
    const { flushAll, dueBefore } = t;
    // What to write now: verdict moves, ticket changes, handovers and judgements at once;
    // other states, with the history points of a score that only moved, once per checkpoint
    // interval.
    const writes: TrustWrite[] = [];
    const points: TrustPointWrite[] = [];
    const changes: TrustChange[] = [];
    const flagged: FlaggedCells[] = [];
    const moved: TrustEffects['sensors'] = [];
    for (const mem of memory.sensors()) {
      if (!mem.pending) continue;
      const id = mem.sensor.sensorId;
      if (!mem.urgent && !flushAll && mem.writtenAt > dueBefore) continue;
      writes.push({
        ...mem.pending,
        expectVersion: mem.sensor.version,
        streamPosition: mem.sensor.streamPosition,
        streamPartition: mem.partition,
      });
      for (const point of mem.points) points.push(point);
      for (const change of mem.changes) changes.push(change);
      if (mem.flagged.size) flagged.push({ sensorId: id, minutes: mem.flagged });
      const res = evaluated.get(id);
      if (res?.changed) moved.push({ sensorId: id, zoneId: res.profile.zoneId });
    }
    writes.sort((a, b) => a.sensorId.localeCompare(b.sensorId));

    // The rollup goes with any checkpoint that writes, else once per interval.
    const rollups = new Map<number, string>();
    const minutes = new Map<number, number>();
    const series: SeriesRollup[] = [];
    if (flushAll || writes.length > 0 || lastRollupWrite <= dueBefore) {
      for (const [p, part] of memory.partitions()) {
        for (const [m, c] of part.minutes) minutes.set(m, (minutes.get(m) ?? 0) + c);
        if (part.series.size) series.push(part.series);
        rollups.set(p, part.cursor);
      }
    }
    const keys = [...minutes.keys()].sort((a, b) => a - b);
    const written = new Set(writes.map((w) => w.sensorId));
    const next = memory.checkpoints(rollups, written);
    const changed = parts.filter((p) => {
      const a = memory.partition(p)!.stored;
      const b = next.get(p)!;
      return a.position !== b.position || a.rollup !== b.rollup;
    });
    const requested = read.requests.filter((r) => parts.includes(r.partition));
    // The checkpoints move with every write (their compare-and-set fences a stale owner);
    // without one, at most once per interval.
    const advance = writes.length > 0 || requested.length > 0 || (changed.length > 0 && (rollups.size > 0 || flushAll));
    if (!advance) for (const p of parts) next.set(p, memory.partition(p)!.stored);

    return {
      parts,
      writes,
      points,
      changes,
      moved,
      ticketSweeps,
      minutes,
      keys,
      series,
      flagged,
      rollups,
      written,
      next,
      advance,
      requested,
    };
  }

  /** Phase 5, commit: the plan in ONE short transaction (null: nothing to write). */
  async function commit(plan: WritePlan): Promise<TrustEffects | null> {
    const { parts, writes, points, changes, moved, ticketSweeps, minutes, keys, series, next, advance, requested } =
      plan;
    const { flagged } = plan;
    // States, history, tickets, rollup, checkpoints.
    const effects =
      writes.length || points.length || keys.length || advance || ticketSweeps.length
        ? await transaction(async (tx) => {
            const persisted = await trust.persistResults(tx, writes, points, changes, moved, ticketSweeps);
            if (persisted.stale.length) {
              const lost = new Set(persisted.stale.map((id) => memory.sensor(id)?.partition ?? -1));
              throw new SensorRowMovedError(persisted.stale, [...lost]);
            }
            if (keys.length)
              await repo.addMinutes(
                tx,
                keys,
                keys.map((k) => minutes.get(k)!),
                parts[0]! % MINUTE_SHARDS,
              );
            if (series.length && deps.seriesRollups) {
              const { minutes: m, hours } = rollupRows(series);
              await deps.seriesRollups.addRollups(tx, m, hours);
            }
            // After the counts: the rows exist (a reading is counted when read, judged later).
            if (flagged.length && deps.seriesRollups) {
              const { minutes: fm, hours: fh } = flaggedRows(flagged);
              await deps.seriesRollups.addFlagged(tx, fm, fh);
            }
            if (advance)
              await repo.advance(
                tx,
                parts,
                parts.map((p) => memory.partition(p)!.stored),
                parts.map((p) => next.get(p)!),
              );
            if (requested.length)
              await repo.sweptUpTo(
                tx,
                requested.map((r) => r.partition),
                requested.map((r) => r.seq),
              );
            return persisted.effects;
          })
        : null;
    return effects;
  }

  /** After commit: the memory follows what is stored; publish. */
  function settle(plan: WritePlan, read: LogRead, effects: TrustEffects | null, wall: number): void {
    const { written, next, rollups, keys } = plan;
    // Committed: the memory now matches what is stored.
    for (const id of written) memory.committed(id, wall);
    for (const [p, cp] of next) memory.checkpointed(p, cp, rollups.has(p));
    if (deps.localLog) {
      const below = lowestXid([...memory.partitions()].map(([, part]) => part.cursor));
      if (below !== undefined) deps.localLog.prune(below);
    }
    if (rollups.size) lastRollupWrite = wall;
    stats.stateWrites += written.size;
    if (read.rows > 0) {
      stats.ticks++;
      stats.readings += read.rows;
    }
    if (effects) trust.afterCommit(effects);
    if (keys.length > 0) {
      try {
        // readingsLastHour moved.
        events.publish(Topic.DashboardChanged, { reason: 'readings' });
      } catch (err) {
        log.warn({ err }, 'publishing trust stream events failed');
      }
    }
  }

  /** The other sensors held of these zones (DRIFT compares each sensor with all of its zone). */
  function zonePeers(zones: ReadonlySet<string>, except: ReadonlyMap<string, unknown>) {
    const peers: { row: LockedSensor; profile: SensorProfile }[] = [];
    if (zones.size === 0) return peers;
    for (const mem of memory.sensors()) {
      const zone = mem.profile?.zoneId;
      if (zone == null || !zones.has(zone) || except.has(mem.sensor.sensorId)) continue;
      peers.push({ row: mem.sensor, profile: mem.profile! });
    }
    return peers.sort((a, b) => a.profile.id.localeCompare(b.profile.id));
  }

  /**
   * The range's rows from the local log (rows handed over in memory), filtered as readRange
   * filters them (owned partitions, each from its own cursor): one row object per reading,
   * built from the ingests' own samples, the partition looked up once per sensor group;
   * null: read them from the database.
   */
  async function fromLocalLog(tx: SqlTx, parts: number[], lowest: string, upper: string): Promise<LogRow[] | null> {
    const log = deps.localLog;
    if (!log) return null;
    const range = log.range(lowest, upper);
    if (!range) return null;
    // The table keeps whole milliseconds: anything finer is read from it instead.
    for (const { stored } of range.held)
      for (const { samples } of stored) for (const s of samples) if (!Number.isInteger(s.ts)) return null;
    if (await repo.rowsBetween(tx, lowest, upper, range.xids)) return null;
    // Sensors not seen yet: the database computes their partitions (hashtext), from the ids only.
    const unknown = new Set<string>();
    for (const { stored } of range.held)
      for (const { profile } of stored) if (memory.partitionOf(profile.id) === undefined) unknown.add(profile.id);
    if (unknown.size)
      for (const [id, part] of await repo.partitionsOf(tx, [...unknown], mask)) memory.learnPartition(id, part);
    const owned = new Set(parts);
    const rows: LogRow[] = [];
    for (const { xid, stored, receivedAt } of range.held)
      for (const { profile, samples } of stored) {
        const part = memory.partitionOf(profile.id);
        if (part === undefined) return null;
        if (!owned.has(part) || xidLess(xid, memory.partition(part)!.cursor)) continue;
        const sensorId = profile.id;
        for (const s of samples) rows.push({ sensorId, ts: s.ts, value: s.value, receivedAt, xid, part });
      }
    return rows;
  }

  /** A long transaction anywhere on the server holds pg_snapshot_xmin back: say who. */
  let holderTimer: NodeJS.Timeout | null = null;
  async function watchHolders(minAgeMs: number): Promise<void> {
    try {
      const holders = await transaction((tx) => repo.snapshotHolders(tx, minAgeMs));
      for (const h of holders)
        log.warn(
          {
            pid: h.pid,
            state: h.state,
            queryStart: h.queryStart,
            xactStart: h.xactStart,
            application: h.application,
            database: h.database,
          },
          `trust stream stalled: transaction of pid ${h.pid} (${h.state ?? 'unknown state'}, query started ${h.queryStart?.toISOString() ?? 'never'}) has held pg_snapshot_xmin back for ${Math.round((Date.now() - (h.xactStart?.getTime() ?? Date.now())) / 1000)} s; trust waits for it to end`,
        );
    } catch (err) {
      log.debug({ err }, 'trust stream: could not read pg_stat_activity');
    }
  }

  /** One tick of the loop; a failed one drops what it may have half applied (never throws). */
  async function step(flushAll: boolean): Promise<TickOutcome> {
    const started = performance.now();
    try {
      return await tick(flushAll);
    } catch (err) {
      stats.replays++;
      if (err instanceof PartitionMovedError || err instanceof SensorRowMovedError) {
        // A lost compare-and-set: those partitions only are reloaded from their checkpoints
        // (the others' unwritten work is still in memory and is written at the next tick).
        memory.replayed(err.partitions);
        log.info({ err }, 'trust stream: reloading partitions from their stored checkpoints');
      } else {
        // Anything else: the memory may hold what was half applied; start over.
        memory.replayed();
        log.error({ err }, 'trust stream tick failed; replaying from the stored checkpoints');
      }
      return false;
    } finally {
      stats.lastTickMs = performance.now() - started;
    }
  }

  /**
   * Waits until `done` holds: while this instance owns partitions it runs their ticks back to
   * back (a waiter makes every tick write what it holds), else it polls what the owners commit.
   */
  async function waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    await loop.barrier(async () => {
      while (!(await done())) {
        if (performance.now() > deadline) throw new TrustWaitTimeoutError(timeoutMs);
        if (loop.running && leases.owned().length) await loop.nextTick();
        else await sleep(20);
      }
    });
  }

  const stream: TrustStream = {
    stats,
    async start(): Promise<void> {
      await transaction((tx) => repo.ensurePartitions(tx, settings.partitions));
      if (deps.localLog) deps.localLog.start(await transaction((tx) => repo.barrier(tx)));
      await leases.start();
      loop.start();
      const warnMs = settings.holderWarnMs ?? 0;
      if (warnMs > 0) {
        holderTimer = setInterval(() => void watchHolders(warnMs), Math.min(10_000, warnMs));
        holderTimer.unref();
      }
    },
    lag(): Promise<{ position: string; oldestUnprocessedMs: number }> {
      return transaction((tx) => repo.lag(tx, settings.partitions));
    },
    async stop(): Promise<void> {
      offRegistry();
      if (holderTimer) clearInterval(holderTimer);
      // Write what is in memory only, so a restart need not replay it.
      await loop.stop(async () => {
        try {
          await tick(true);
        } catch (err) {
          log.warn({ err }, 'trust stream: final checkpoint failed (the next start replays)');
        }
      });
      await leases.stop();
    },
    notify(): void {
      loop.kick(false);
    },
    offer(xid: string, stored: SensorReadings[], receivedAt: number): void {
      deps.localLog?.offer(xid, stored, receivedAt);
    },
    async waitProcessed(timeoutMs = 60_000): Promise<void> {
      const barrier = await transaction((tx) => repo.barrier(tx));
      await waitUntil(() => transaction((tx) => repo.caughtUp(tx, barrier, settings.partitions)), timeoutMs);
    },

    async judgeAt(sensorIds: string[] | null, at: Date, timeoutMs = 60_000): Promise<number> {
      await stream.waitProcessed(timeoutMs);
      if (sensorIds !== null && sensorIds.length === 0) return 0;
      const requests = await transaction((tx) => repo.requestSweep(tx, at, sensorIds, settings.partitions));
      await waitUntil(() => transaction((tx) => repo.sweepsDone(tx, requests)), timeoutMs);
      return transaction((tx) => repo.countInService(tx, sensorIds));
    },
  };
  return stream;
}
