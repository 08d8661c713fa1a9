// The trust shell around the pure engine (server/src/trust): loads and locks the
// engine states, runs observe / sweepFleet, persists states, verdicts and history
// points in bulk in the caller's transaction, hands reason changes to ticket
// automation, and says what to publish once the transaction has committed.
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../events/event-bus.js';
import { Topic, type SensorsUpdatedPayload, type TicketUpdatedPayload } from '../../events/topics.js';
import type { RunInTransaction, WithAdvisoryLock } from '../../db/sql-transaction.js';
import {
  advanceDrift,
  driftBacklog,
  DRIFT_BACKLOG_LIMIT,
  lastReadingAt,
  observeMany,
  sweepFleet,
  verdictOf,
  isTicketReason,
  hasReasons,
  statusOf,
  type SensorBatch,
  type StepObserver,
  type SensorProfile,
  type TrustConfig,
  type TrustOutcome,
  type TrustState,
} from '../../trust/index.js';
import type { CachedVerdict, EngineStateCache } from './engine-state-cache.js';
import type { StateRestorer } from './state-restore.js';
import { publishTicketUpdates } from '../../events/ticket-updates.js';
import type { TicketAutomation, TrustChange, Tx } from './trust-changes.js';
import {
  SWEEP_LOCK_KEY,
  type LockedTrust,
  type TrustPointWrite,
  type TrustStateRepository,
  type TrustWrite,
} from './trust-state-repository.js';

/** Sensors per sweep transaction (whole zones; a larger zone makes a larger chunk). */
const SWEEP_CHUNK_SENSORS = 500;

/** One sensor's new readings of a batch, sorted by ts ascending. */
import type { SensorReadings } from '../../kernel/readings.js';

export type { SensorReadings };

/** A locked trust row with its engine state ready for the engine. */
export interface LockedSensor extends LockedTrust {
  state: TrustState;
}

/** What to do once the transaction has committed (publish, refresh the state cache). */
export interface TrustEffects {
  sensors: SensorsUpdatedPayload['sensors'];
  tickets: TicketUpdatedPayload[];
  /** Engine states as committed, for the in-process cache (the trust stream's memory). */
  states: { sensorId: string; version: number; state: TrustState; verdict: CachedVerdict }[];
  /**
   * Sensors holding many DRIFT windows their zone has not judged yet (an import running ahead
   * of the sweep): call advanceDrift for them after commit, so no window is lost.
   */
  driftDue: string[];
}

/** One sensor's evaluation of new readings, not yet persisted (evaluateReadings). */
export interface SensorResult {
  profile: SensorProfile;
  write: TrustWrite;
  points: TrustPointWrite[];
  changes: TrustChange[];
  /** The verdict moved (status, severity, reasons or score band): publish it. */
  changed: boolean;
  /** Many DRIFT windows wait for the zone: call advanceDrift after commit. */
  driftDue: boolean;
}

const noEffects = (): TrustEffects => ({ sensors: [], tickets: [], states: [], driftDue: [] });

export interface TrustServiceDeps {
  /** Raw-driver transactions (db.transaction). */
  transaction: RunInTransaction;
  /** Session-level advisory lock across transactions (db.withAdvisoryLock). */
  withAdvisoryLock: WithAdvisoryLock;
  repo: TrustStateRepository;
  config: TrustConfig;
  events: EventBus;
  clock: { now(): Date };
  log: FastifyBaseLogger;
  /** Engine states from stored rows (a state that cannot be restored is logged and counted). */
  states: StateRestorer;
  /** Parsed engine states by version (optional: without it every batch parses the stored JSON). */
  stateCache?: EngineStateCache;
  /** modules/tickets automation; optional so trust works before/without it. */
  ticketAutomation?: TicketAutomation;
}

/** What stepTracker saw of one sensor's readings. */
interface StepSummary {
  /** epoch ms the current status began */
  statusSince: number | null;
  /** ticket changes in event order */
  changes: TrustChange[];
}

/** Time the current status began: the history point that entered it, else `fallback`. */
function statusSince(locked: LockedTrust, outcome: TrustOutcome, fallback: number): number | null {
  if (outcome.verdict.status === locked.status) return locked.statusSince;
  // The newest run of points in the new status: its first point is where the status began.
  let start: number | null = null;
  for (const point of outcome.points.toReversed()) {
    if (point.status !== outcome.verdict.status) break;
    start = point.at;
  }
  return start ?? fallback;
}

export function createTrustService(deps: TrustServiceDeps) {
  const { transaction, withAdvisoryLock, repo, config, events, log, stateCache, states: restorer } = deps;

  /**
   * Follows a sensor's readings one by one (observe's step observer): when its status began,
   * and the ticket changes to hand over — every change whose digest differs from the one
   * before, and the last change of each run of equal digests — so tickets come out the same
   * however the readings were grouped into batches or stream ticks.
   */
  function stepTracker(row: LockedTrust, profile: SensorProfile) {
    const automation = deps.ticketAutomation;
    let status = row.status;
    let since = row.statusSince;
    let prev: TrustChange['previous'] = { status: row.status, score: row.score, reasonKinds: row.reasonKinds };
    let digest: string | null = null;
    let pending: TrustChange | null = null;
    let seenPoints = 0;
    const changes: TrustChange[] = [];
    const onStep: StepObserver = (s, ts, points) => {
      const st = statusOf(s);
      if (st !== status) {
        // The point that entered the status (the first of the trailing run of it), else now.
        let at = ts;
        for (const point of points.slice(seenPoints).toReversed()) {
          if (point.status !== st) break;
          at = point.at;
        }
        status = st;
        since = at;
      }
      seenPoints = points.length;
      if (!automation) return;
      if (!hasReasons(s) && prev.reasonKinds.length === 0) {
        // Nothing for tickets now or just before: a run of changes (if any) ended.
        if (pending) changes.push(pending);
        pending = null;
        digest = null;
        return;
      }
      const verdict = verdictOf(s);
      const change: TrustChange = {
        sensorId: profile.id,
        zoneId: profile.zoneId,
        previous: prev,
        verdict,
        statusSince: since === null ? null : new Date(since),
        at: new Date(ts),
      };
      const d = automation.digest(change);
      if (d !== digest) {
        if (pending) changes.push(pending);
        changes.push(change);
        pending = null;
        digest = d;
      } else pending = change;
      prev = {
        status: verdict.status,
        score: verdict.score,
        reasonKinds: verdict.reasons.filter(isTicketReason).map((r) => r.kind),
      };
    };
    return {
      onStep,
      end(): StepSummary {
        if (pending) changes.push(pending);
        pending = null;
        return { statusSince: since, changes };
      },
    };
  }

  /** Shared tail of observe and sweep: collect writes, points, events and ticket inputs. */
  function collect(
    locked: LockedTrust,
    profile: SensorProfile,
    outcome: TrustOutcome,
    at: number,
    nowMs: number,
    lastValue: number | null,
    out: { writes: TrustWrite[]; points: TrustPointWrite[]; changes: TrustChange[]; effects: TrustEffects },
    steps?: StepSummary,
  ): void {
    const verdict = outcome.verdict;
    const since = steps ? steps.statusSince : statusSince(locked, outcome, at);
    out.writes.push({
      sensorId: profile.id,
      engineState: outcome.state,
      score: verdict.score,
      status: verdict.status,
      severity: verdict.severity,
      reasons: verdict.reasons,
      lastEvaluated: nowMs,
      lastReadingAt: lastReadingAt(outcome.state),
      lastValue,
      statusSince: since,
    });
    for (const p of outcome.points)
      out.points.push({ sensorId: profile.id, at: p.at, score: p.score, status: p.status, reasons: p.reasons });
    out.effects.states.push({
      sensorId: profile.id,
      version: locked.version + 1,
      state: outcome.state,
      verdict: {
        status: verdict.status,
        score: verdict.score,
        reasonKinds: verdict.reasons.filter(isTicketReason).map((r) => r.kind),
        statusSince: since,
        streamPosition: locked.streamPosition,
      },
    });
    if (outcome.changed) out.effects.sensors.push({ sensorId: profile.id, zoneId: profile.zoneId });
    if (steps) out.changes.push(...steps.changes);
    else if (verdict.reasons.length > 0 || locked.reasonKinds.length > 0) {
      out.changes.push({
        sensorId: profile.id,
        zoneId: profile.zoneId,
        previous: { status: locked.status, score: locked.score, reasonKinds: locked.reasonKinds },
        verdict,
        statusSince: since === null ? null : new Date(since),
        at: new Date(at),
      });
    }
  }

  async function finish(
    tx: Tx,
    out: { writes: TrustWrite[]; points: TrustPointWrite[]; changes: TrustChange[]; effects: TrustEffects },
    now: Date,
    sweepTickets: boolean,
  ): Promise<TrustEffects> {
    await repo.persist(tx, out.writes, out.points);
    const automation = deps.ticketAutomation;
    if (automation) {
      if (out.changes.length) out.effects.tickets.push(...(await automation.apply(tx, out.changes)));
      if (sweepTickets) out.effects.tickets.push(...(await automation.sweep(tx, now)));
    }
    return out.effects;
  }

  /**
   * Engine states of locked rows: the cached copy when its version is current (taken out
   * of the cache until commit), else parsed from the row.
   */
  async function readyStates(tx: Tx, rows: Iterable<LockedTrust>): Promise<Map<string, TrustState>> {
    const out = new Map<string, TrustState>();
    let lost: string[] | null = null;
    for (const row of rows) {
      const cached = row.cached ? stateCache?.take(row.sensorId, row.version) : undefined;
      if (row.cached && !cached) (lost ??= []).push(row.sensorId);
      else out.set(row.sensorId, cached ?? restorer.restore(row.sensorId, row.engineState));
    }
    if (lost) {
      // Another transaction of this instance took the cached copy and rolled back: read it again.
      const raw = await repo.engineStates(tx, lost);
      for (const id of lost) out.set(id, restorer.restore(id, raw.get(id) ?? null));
    }
    return out;
  }

  /**
   * Time-driven evaluation (OFFLINE, GAP, DRIFT) at `now` of these sensors and their peers,
   * in one transaction. `lock`: 'try' returns null when another sweep runs, 'wait' waits for
   * it, 'held' means the caller holds the sweep lock already. Publishes after commit.
   * Returns how many of the given sensors exist.
   */
  async function sweepChunk(
    sensorIds: string[],
    now: Date,
    lock: 'try' | 'wait' | 'held',
    sweepTickets: boolean,
    driftOnly = false,
  ): Promise<number | null> {
    const nowMs = now.getTime();
    const result = await transaction(async (tx) => {
      if (lock === 'try') {
        if (!(await repo.tryLockSweep(tx))) return null;
      } else if (lock === 'wait') await repo.lockSweep(tx);
      const fleet = await repo.lockFleet(tx, sensorIds, stateCache?.versions(sensorIds));
      // A sensor that never reported has no engine state: DRIFT has nothing to judge, but the
      // sweep judges it OFFLINE ("never reported") from its registration time.
      const judged = driftOnly ? fleet.filter((f) => f.locked.cached || f.locked.engineState !== null) : fleet;
      const states = await readyStates(
        tx,
        judged.map((f) => f.locked),
      );
      const entries = judged.map((f) => ({
        profile: f.profile,
        state: states.get(f.profile.id)!,
        registeredAt: f.locked.registeredAt,
      }));
      const outcomes = driftOnly ? advanceDrift(entries, config) : sweepFleet(entries, nowMs, config);
      const out = {
        writes: [] as TrustWrite[],
        points: [] as TrustPointWrite[],
        changes: [] as TrustChange[],
        effects: noEffects(),
      };
      // Both return one outcome per entry, in order; entries are built from `judged`.
      for (const [i, { locked, profile }] of judged.entries()) {
        const outcome = outcomes[i];
        if (!outcome) throw new Error(`the sweep returned no outcome for sensor ${profile.id}`);
        if (outcome.material === false && locked.cached && stateCache) {
          // Only the sweep's running bookkeeping moved (drift learning of a healthy, reporting
          // sensor) and this instance holds the state: the cache carries it, and the sensor's
          // next reading writes it. A state read from the database (another instance wrote it,
          // or a restart) is always written, so no instance's bookkeeping is lost or counted twice.
          out.effects.states.push({
            sensorId: profile.id,
            version: locked.version,
            state: outcome.state,
            verdict: { ...locked },
          });
          continue;
        }
        // DRIFT alone is judged in event time: its changes are dated by the sensor's newest reading.
        const at = driftOnly ? (lastReadingAt(outcome.state) ?? nowMs) : nowMs;
        collect(locked, profile, outcome, at, nowMs, null, out);
      }
      const effects = await finish(tx, out, now, sweepTickets);
      const requested = new Set(sensorIds);
      return { effects, count: fleet.filter((f) => requested.has(f.profile.id)).length };
    });
    if (!result) return null;
    service.afterCommit(result.effects);
    return result.count;
  }

  const service = {
    /**
     * Feeds each sensor's new readings to the engine (the states in `sensors` are mutated in
     * place) and returns what to persist per sensor, without writing anything: the trust
     * stream decides when (docs/trust-stream.md, checkpoints). A sensor whose evaluation
     * throws is listed in `failed`; its state may be half-mutated and must be dropped.
     */
    evaluateReadings(
      sensors: Map<string, LockedSensor>,
      groups: SensorReadings[],
      now: Date,
    ): { results: Map<string, SensorResult>; failed: string[] } {
      const nowMs = now.getTime();
      const results = new Map<string, SensorResult>();
      const failed: string[] = [];
      const batch: (SensorBatch & { row: LockedSensor; steps: ReturnType<typeof stepTracker> })[] = [];
      for (const { profile, samples, now: receivedAt } of groups) {
        const row = sensors.get(profile.id);
        if (!row || samples.length === 0) continue;
        const steps = stepTracker(row, profile);
        batch.push({ profile, state: row.state, samples, now: receivedAt ?? nowMs, onStep: steps.onStep, row, steps });
      }
      // All sensors together in event-time slices: an import's DRIFT windows are judged as it goes.
      const outcomes = observeMany(batch, config);
      // observeMany returns one outcome per item, in order.
      for (const [i, { row, profile, samples, steps }] of batch.entries()) {
        const outcome = outcomes[i];
        if (!outcome) throw new Error(`trust evaluation returned no outcome for sensor ${profile.id}`);
        if ('error' in outcome) {
          log.error({ err: outcome.error, sensorId: profile.id }, 'trust evaluation failed; trust left unchanged');
          failed.push(profile.id);
          continue;
        }
        const newest = samples.at(-1);
        if (!newest) continue; // unreachable: samples is non-empty (checked above)
        const lastTs = lastReadingAt(outcome.state);
        const out = {
          writes: [] as TrustWrite[],
          points: [] as TrustPointWrite[],
          changes: [] as TrustChange[],
          effects: noEffects(),
        };
        const lastValue = newest.ts === lastTs ? newest.value : null;
        collect(row, profile, outcome, newest.ts, nowMs, lastValue, out, steps.end());
        const write = out.writes[0];
        if (!write) continue; // unreachable: collect writes one row
        results.set(profile.id, {
          profile,
          write,
          points: out.points,
          changes: out.changes,
          changed: outcome.changed,
          driftDue: driftBacklog(outcome.state, profile) >= DRIFT_BACKLOG_LIMIT,
        });
      }
      return { results, failed };
    },

    /**
     * Persists evaluated sensors (states, verdicts, history points, ticket changes in event
     * order) in the caller's transaction. Writes with `expectVersion` are compare-and-set:
     * `stale` lists the sensors whose row had moved on (a sweep, a reset wrote it); the
     * caller must then roll back. Otherwise `effects` says what to publish after commit.
     */
    async persistResults(
      tx: Tx,
      writes: TrustWrite[],
      points: TrustPointWrite[],
      changes: TrustChange[],
      sensors: TrustEffects['sensors'],
      now: Date,
    ): Promise<{ effects: TrustEffects; stale: string[] }> {
      const stale = await repo.persist(tx, writes, points);
      const effects = noEffects();
      effects.sensors.push(...sensors);
      if (stale.length) return { effects, stale };
      return { effects: await finish(tx, { writes: [], points: [], changes, effects }, now, false), stale };
    },

    /**
     * Time-driven evaluation (OFFLINE, GAP, DRIFT) at `now` of the given sensors and their
     * peers, or the whole fleet. With `skipIfBusy`, returns null when another instance holds
     * the sweep lock. Publishes after commit. Returns how many sensors were in scope.
     */
    async evaluate(
      sensorIds: string[] | null,
      now: Date,
      options: { skipIfBusy?: boolean; sweepTickets?: boolean } = {},
    ): Promise<number | null> {
      const sweepTickets = options.sweepTickets ?? sensorIds === null;
      if (sensorIds !== null) return sweepChunk(sensorIds, now, options.skipIfBusy ? 'try' : 'wait', sweepTickets);
      // The whole fleet goes zone by zone in short transactions (a zone's peers are always
      // swept together, for DRIFT), under a lock held across them: ingestion then waits
      // for one chunk's rows at most, never for the whole fleet.
      return withAdvisoryLock(SWEEP_LOCK_KEY, options.skipIfBusy ?? false, async () => {
        const chunks = await transaction((tx) => repo.sweepChunks(tx, SWEEP_CHUNK_SENSORS));
        let count = 0;
        for (const [i, chunk] of chunks.entries()) {
          count += (await sweepChunk(chunk, now, 'held', sweepTickets && i === chunks.length - 1)) ?? 0;
        }
        return count;
      });
    },

    /**
     * DRIFT only, in event time, for these sensors' zone × kind groups: judges the windows
     * their watermark has passed (the stream calls it for `TrustEffects.driftDue` while an
     * import runs ahead of the periodic sweep). No OFFLINE, no tickets sweep.
     */
    async advanceDrift(sensorIds: string[], now: Date): Promise<void> {
      if (sensorIds.length) await sweepChunk([...sensorIds].sort(), now, 'wait', false, true);
    },

    /** After commit only: refresh the state cache and publish. Never throws. */
    afterCommit(effects: TrustEffects): void {
      try {
        if (stateCache) for (const s of effects.states) stateCache.put(s.sensorId, s.version, s.state, s.verdict);
        if (effects.sensors.length) {
          events.publish(Topic.SensorsUpdated, { sensors: effects.sensors });
          events.publish(Topic.DashboardChanged, { reason: 'trust' });
        }
        // ticketUpdated per ticket, incidentUpdated per incident, one DashboardChanged.
        publishTicketUpdates(events, effects.tickets);
      } catch (err) {
        log.warn({ err }, 'publishing trust events failed');
      }
    },
  };
  return service;
}

export type TrustService = ReturnType<typeof createTrustService>;
