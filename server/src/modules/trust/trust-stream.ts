// The trust stream (docs/trust-stream.md): consumes the stored readings of the
// partitions this instance owns, in commit-correct order (transaction-id
// high-water mark), and applies them to trust in micro-batches. Each tick is ONE
// transaction: read the next range of the log, run the engine on every touched
// sensor (engine states come from the in-process cache), persist states,
// verdicts, history and tickets, add the minute rollup, and advance the
// partitions' positions (compare-and-set). A crash loses nothing: the next owner
// resumes from the committed position and replays; whatever the replayed range
// produces was never committed before. Events are published after commit.
import type { FastifyBaseLogger } from 'fastify';
import type { PartitionLeases } from '../../db/partition-leases.js';
import type { RunInTransaction } from '../../db/sql-transaction.js';
import { lowestXid } from '../../db/rows.js';
import type { EventBus } from '../../events/event-bus.js';
import { Topic } from '../../events/topics.js';
import type { ReadingSample } from '../../trust/types.js';
import type { SensorProfileCache } from '../readings/sensor-profile-cache.js';
import { MINUTE_SHARDS } from '../readings/readings-ingest-repository.js';
import type { SensorReadings, TrustEffects, TrustService } from './trust-service.js';
import { PartitionMovedError, xidMax, type TrustStreamRepository } from './trust-stream-repository.js';

export interface TrustStreamSettings {
  /** Number of partitions (a power of two). */
  partitions: number;
  /** Least time between two ticks that found work: bounds how often a sensor's state is written. */
  intervalMs: number;
  /** Idle poll for readings stored by other instances. */
  pollMs: number;
  /** About this many readings per tick at most. */
  batchRows: number;
}

export interface TrustStreamDeps {
  transaction: RunInTransaction;
  repo: TrustStreamRepository;
  leases: PartitionLeases;
  profiles: SensorProfileCache;
  trust: TrustService;
  events: EventBus;
  clock: { now(): Date };
  log: FastifyBaseLogger;
  settings: TrustStreamSettings;
}

const MINUTE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createTrustStream(deps: TrustStreamDeps) {
  const { transaction, repo, leases, profiles, trust, events, log, settings } = deps;
  const mask = settings.partitions - 1;
  let stopped = true;
  let loop: Promise<void> | null = null;
  /** Resolves the idle wait early (local ingest, a barrier). */
  let wake: (() => void) | null = null;
  let wakeRequested = false;
  /** Barriers waiting on this instance: ticks then run back to back. */
  let waiting = 0;
  let tickListeners: (() => void)[] = [];
  const stats = { ticks: 0, readings: 0, lastTickMs: 0 };
  let lastIdleAdvance = 0;

  /** A sleep that a local ingest may cut short (idle), or only a barrier may (after work). */
  let idle = false;

  function kick(barrier: boolean): void {
    wakeRequested = true;
    if (wake && (idle || barrier)) wake();
  }

  async function tick(): Promise<boolean> {
    const owned = leases.owned();
    if (owned.length === 0) return false;
    const now = deps.clock.now();
    const result = await transaction(async (tx) => {
      const positions = await repo.positions(tx, owned);
      const parts = owned.filter((p) => positions.has(p));
      const from = parts.map((p) => positions.get(p)!);
      const [firstPart] = parts;
      const lowest = lowestXid(from);
      if (firstPart === undefined || lowest === undefined) return null;
      const upper = await repo.upperBound(tx, lowest, settings.batchRows);
      if (BigInt(upper) <= BigInt(lowest)) return null;
      const rows = await repo.readRange(tx, parts, from, upper, mask);
      // Nothing of ours in the range (other partitions' rows, or none): move the position
      // at most once a second, so later ticks do not scan those rows again and again.
      if (rows.length === 0 && performance.now() - lastIdleAdvance < 1000) return null;

      // Per sensor, in timestamp order (the log holds each (sensor, ts) once).
      const bySensor = new Map<string, ReadingSample[]>();
      // The engine's "now" per sensor: when its newest reading here was received.
      const receivedAt = new Map<string, number>();
      const minutes = new Map<number, number>();
      for (const r of rows) {
        const list = bySensor.get(r.sensorId);
        // Each reading is judged against when it was received (live or history), however
        // readings fall into ticks.
        const sample = { ts: r.ts, value: r.value, receivedAt: r.receivedAt };
        if (list) list.push(sample);
        else bySensor.set(r.sensorId, [sample]);
        if (r.receivedAt !== null && r.receivedAt > (receivedAt.get(r.sensorId) ?? -Infinity))
          receivedAt.set(r.sensorId, r.receivedAt);
        const minute = Math.floor(r.ts / MINUTE_MS) * MINUTE_MS;
        minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
      }
      let effects: TrustEffects | null = null;
      if (bySensor.size) {
        const known = await profiles.resolve(bySensor.keys(), (ids) => repo.sensors(tx, ids));
        const ids = [...bySensor.keys()].filter((id) => known.has(id)).sort();
        const work: SensorReadings[] = ids.map((id) => {
          const samples = bySensor.get(id)!;
          samples.sort((a, b) => a.ts - b.ts);
          return { profile: known.get(id)!, samples, now: receivedAt.get(id) };
        });
        if (ids.length) {
          const locked = await trust.lockSensors(tx, ids);
          effects = await trust.applyReadings(tx, locked, work, now);
        }
        const keys = [...minutes.keys()].sort((a, b) => a - b);
        await repo.addMinutes(
          tx,
          keys,
          keys.map((k) => minutes.get(k)!),
          firstPart % MINUTE_SHARDS,
        );
      }
      await repo.advance(
        tx,
        parts,
        from,
        from.map((f) => xidMax(f, upper)),
      );
      return { effects, rows: rows.length };
    });
    if (!result) return false;
    if (result.rows === 0) {
      lastIdleAdvance = performance.now();
      return false;
    }
    stats.ticks++;
    stats.readings += result.rows;
    if (result.effects) {
      trust.afterCommit(result.effects);
      // An import running ahead of the periodic sweep: judge the DRIFT windows it has filled.
      if (result.effects.driftDue.length) await trust.advanceDrift(result.effects.driftDue, now);
    }
    if (result.rows > 0) {
      try {
        events.publish(Topic.DashboardChanged, { reason: 'readings' });
      } catch (err) {
        log.warn({ err }, 'publishing trust stream events failed');
      }
    }
    return true;
  }

  /** Sleeps `ms`; `wakeable` sleeps end early on a kick (idle), the others only for a barrier. */
  function pause(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
      idle = wakeable;
    });
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const started = performance.now();
      wakeRequested = false;
      let worked = false;
      try {
        worked = await tick();
      } catch (err) {
        if (err instanceof PartitionMovedError) log.info({ err }, 'trust stream: partition moved, re-reading');
        else log.error({ err }, 'trust stream tick failed; retrying');
      }
      stats.lastTickMs = performance.now() - started;
      const listeners = tickListeners;
      tickListeners = [];
      for (const l of listeners) l();
      if (stopped) break;
      if (waiting > 0) {
        // A barrier waits: keep going, a little slower when this instance has nothing to do.
        if (!worked) await pause(10, false);
        continue;
      }
      if (worked) {
        // Wait out the interval: more readings per tick, fewer state writes per sensor.
        const rest = settings.intervalMs - (performance.now() - started);
        if (rest > 0) await pause(rest, false);
        continue;
      }
      if (wakeRequested) continue;
      await pause(settings.pollMs, true);
    }
  }

  return {
    stats,
    async start(): Promise<void> {
      await transaction((tx) => repo.ensurePartitions(tx, settings.partitions));
      await leases.start();
      stopped = false;
      loop = run();
    },
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await loop;
      loop = null;
      const listeners = tickListeners;
      tickListeners = [];
      for (const l of listeners) l();
      await leases.stop();
    },
    /** A local ingest committed: process it soon. */
    notify(): void {
      kick(false);
    },
    /**
     * Resolves once everything committed before the call has been applied to trust, by
     * whichever instance owns it (evaluateTrust and read-after-write callers wait on it).
     */
    async waitProcessed(timeoutMs = 60_000): Promise<void> {
      const barrier = await transaction((tx) => repo.barrier(tx));
      const deadline = performance.now() + timeoutMs;
      waiting++;
      try {
        for (;;) {
          if (await transaction((tx) => repo.caughtUp(tx, barrier, settings.partitions))) return;
          if (performance.now() > deadline)
            throw new Error(
              `trust stream did not catch up within ${timeoutMs} ms (is an instance owning every partition?)`,
            );
          if (!stopped && leases.owned().length) {
            await new Promise<void>((resolve) => {
              tickListeners.push(resolve);
              kick(true);
            });
          } else await sleep(20);
        }
      } finally {
        waiting--;
      }
    },
  };
}

export type TrustStream = ReturnType<typeof createTrustStream>;
