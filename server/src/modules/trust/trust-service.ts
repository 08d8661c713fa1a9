// The trust shell around the pure engine (server/src/trust), used by the owner of a
// partition (trust-stream.ts) over the engine states it holds in memory: runs observeMany
// (readings, with DRIFT over whole zones) and sweepFleet (time-driven judgements),
// persists states, verdicts and history points in bulk in the owner's checkpoint
// transaction, hands reason changes to ticket automation, and says what to publish once
// the transaction has committed.
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../../events/event-bus.js';
import { Topic, type SensorsUpdatedPayload, type TicketUpdatedPayload } from '../../events/topics.js';
import {
  lastReadingAt,
  observeMany,
  sweepFleet,
  verdictOf,
  isTicketReason,
  hasReasons,
  isFlagged,
  statusOf,
  type SensorBatch,
  type StepObserver,
  type SensorProfile,
  type TrustConfig,
  type TrustOutcome,
  type TrustState,
  type TrustVerdict,
} from '../../trust/index.js';
import { publishTicketUpdates } from '../../events/ticket-updates.js';
import type { TicketAutomation, TrustChange, Tx } from './trust-changes.js';
import type { LockedTrust, TrustPointWrite, TrustStateRepository, TrustWrite } from './trust-state-repository.js';

/** One sensor's new readings of a batch, sorted by ts ascending. */
import type { SensorReadings } from '../../kernel/readings.js';

const MINUTE_MS = 60_000;

export type { SensorReadings };

/** A sensor's trust row with its engine state, as its owner holds it in memory. */
export interface LockedSensor extends LockedTrust {
  state: TrustState;
}

/** What to publish once the transaction has committed. */
export interface TrustEffects {
  sensors: SensorsUpdatedPayload['sensors'];
  tickets: TicketUpdatedPayload[];
}

/** A sensor and its profile, for a judgement without readings (a DRIFT peer, a sweep). */
export interface HeldSensor {
  row: LockedSensor;
  profile: SensorProfile;
}

/** One sensor's evaluation (readings, DRIFT or a sweep), not yet persisted. */
export interface SensorResult {
  profile: SensorProfile;
  write: TrustWrite;
  points: TrustPointWrite[];
  changes: TrustChange[];
  /** The verdict moved (status, severity, reasons or score band): publish it. */
  changed: boolean;
  /** Flagged readings of this evaluation per minute (epoch ms of the minute -> count; isFlagged). */
  flagged: Map<number, number>;
}

const noEffects = (): TrustEffects => ({ sensors: [], tickets: [] });

export interface TrustServiceDeps {
  repo: TrustStateRepository;
  config: TrustConfig;
  events: EventBus;
  clock: { now(): Date };
  log: FastifyBaseLogger;
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
  const { repo, config, events, log } = deps;

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
    const flagged = new Map<number, number>();
    const onStep: StepObserver = (s, ts, points) => {
      if (isFlagged(s)) {
        const minute = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
        flagged.set(minute, (flagged.get(minute) ?? 0) + 1);
      }
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
      flagged,
      /**
       * `final`: the verdict after the batch's last DRIFT judgement (dated `at`, event time),
       * which no reading's step saw.
       */
      end(final: TrustVerdict, at: number): StepSummary {
        if (final.status !== status) {
          status = final.status;
          since = at;
        }
        if (automation && (final.reasons.length > 0 || prev.reasonKinds.length > 0)) {
          const change: TrustChange = {
            sensorId: profile.id,
            zoneId: profile.zoneId,
            previous: prev,
            verdict: final,
            statusSince: since === null ? null : new Date(since),
            at: new Date(at),
          };
          if (automation.digest(change) !== digest) {
            if (pending) changes.push(pending);
            pending = change;
          }
        }
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

  /** One sensor's result from what collect gathered for it. */
  function resultOf(
    profile: SensorProfile,
    outcome: TrustOutcome,
    out: { writes: TrustWrite[]; points: TrustPointWrite[]; changes: TrustChange[] },
    flagged: Map<number, number> = new Map(),
  ): SensorResult | undefined {
    const write = out.writes[0];
    if (!write) return undefined; // unreachable: collect writes one row
    return { profile, write, points: out.points, changes: out.changes, changed: outcome.changed, flagged };
  }

  const emptyOut = () => ({
    writes: [] as TrustWrite[],
    points: [] as TrustPointWrite[],
    changes: [] as TrustChange[],
    effects: noEffects(),
  });

  const service = {
    /**
     * Feeds each sensor's new readings to the engine (the states in `sensors` are mutated in
     * place) and returns what to persist per sensor, without writing anything: the trust
     * stream decides when (docs/trust-stream.md, checkpoints). `peers`: the other sensors in
     * service of the same zones, judged with them for DRIFT (the one place DRIFT windows are
     * judged: observeMany, over whole zones); a peer is in the results when its verdict or
     * history moved. A sensor whose evaluation throws is listed in `failed`; its state may be
     * half-mutated and must be dropped.
     */
    evaluateReadings(
      sensors: Map<string, LockedSensor>,
      groups: SensorReadings[],
      now: Date,
      peers: HeldSensor[] = [],
    ): { results: Map<string, SensorResult>; failed: string[] } {
      const nowMs = now.getTime();
      const results = new Map<string, SensorResult>();
      const failed: string[] = [];
      const batch: (SensorBatch & { row: LockedSensor; steps: ReturnType<typeof stepTracker> | null })[] = [];
      for (const { profile, samples, now: receivedAt } of groups) {
        const row = sensors.get(profile.id);
        if (!row || samples.length === 0) continue;
        const steps = stepTracker(row, profile);
        batch.push({ profile, state: row.state, samples, now: receivedAt ?? nowMs, onStep: steps.onStep, row, steps });
      }
      for (const { row, profile } of peers)
        batch.push({ profile, state: row.state, samples: [], now: nowMs, row, steps: null });
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
        const lastTs = lastReadingAt(outcome.state);
        const out = emptyOut();
        if (steps) {
          const newest = samples.at(-1);
          if (!newest) continue; // unreachable: samples is non-empty (checked above)
          const lastValue = newest.ts === lastTs ? newest.value : null;
          const at = lastTs ?? newest.ts;
          collect(row, profile, outcome, newest.ts, nowMs, lastValue, out, steps.end(outcome.verdict, at));
        } else {
          // A peer: only DRIFT moved it, in event time (dated by its newest reading).
          if (!outcome.changed && outcome.points.length === 0) continue;
          collect(row, profile, outcome, lastTs ?? nowMs, nowMs, null, out);
        }
        const result = resultOf(profile, outcome, out, steps?.flagged);
        if (result) results.set(profile.id, result);
      }
      return { results, failed };
    },

    /**
     * Time-driven judgements at `now` (OFFLINE, never-reported OFFLINE; sweepFleet) of sensors
     * the owner holds (whole zones). States are mutated in place; returns the sensors whose
     * outcome must be written (the others only moved running bookkeeping, kept in memory).
     */
    judgeTime(entries: HeldSensor[], now: Date): Map<string, SensorResult> {
      const nowMs = now.getTime();
      const outcomes = sweepFleet(
        entries.map(({ row, profile }) => ({ profile, state: row.state, registeredAt: row.registeredAt })),
        nowMs,
        config,
      );
      const results = new Map<string, SensorResult>();
      // sweepFleet returns one outcome per entry, in order.
      for (const [i, { row, profile }] of entries.entries()) {
        const outcome = outcomes[i];
        if (!outcome) throw new Error(`the sweep returned no outcome for sensor ${profile.id}`);
        if (outcome.material === false) continue;
        const out = emptyOut();
        collect(row, profile, outcome, nowMs, nowMs, null, out);
        const result = resultOf(profile, outcome, out);
        if (result) results.set(profile.id, result);
      }
      return results;
    },

    /**
     * Persists evaluated sensors (states, verdicts, history points, ticket changes in event
     * order) in the owner's transaction. Writes with `expectVersion` are compare-and-set:
     * `stale` lists the sensors whose row had moved on (a reset or a reactivation wrote it);
     * the caller must then roll back. `ticketSweeps`: ticket escalation and auto-resolution
     * at a time, for the tickets of these sensors (the owner's; null: every sensor's).
     * Otherwise `effects` says what to publish after commit.
     */
    async persistResults(
      tx: Tx,
      writes: TrustWrite[],
      points: TrustPointWrite[],
      changes: TrustChange[],
      sensors: TrustEffects['sensors'],
      ticketSweeps: { now: Date; sensorIds: string[] | null }[] = [],
    ): Promise<{ effects: TrustEffects; stale: string[] }> {
      const stale = await repo.persist(tx, writes, points);
      const effects = noEffects();
      effects.sensors.push(...sensors);
      if (stale.length) return { effects, stale };
      const automation = deps.ticketAutomation;
      if (automation) {
        if (changes.length) effects.tickets.push(...(await automation.apply(tx, changes)));
        for (const sweep of ticketSweeps)
          effects.tickets.push(...(await automation.sweep(tx, sweep.now, sweep.sensorIds)));
      }
      return { effects, stale };
    },

    /** After commit only: publish. Never throws. */
    afterCommit(effects: TrustEffects): void {
      try {
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
