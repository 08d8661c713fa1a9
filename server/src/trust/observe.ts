// Per-reading evidence: O(1) work, no allocation on the common path. State is mutated in place.
// Each detector lives in detect/ behind one interface (state and reading in, evidence in the
// state, "judged here" out); this file runs them in order for each reading.
import { thresholdsFor, type TrustConfig } from './config.js';
import { K_DRIFT, K_NOISE, K_STUCK, type TrustState } from './state.js';
import type { ReadingSample, SensorProfile, TrustPointData, TrustVerdict } from './types.js';
import { addEvidence, buildVerdict, maxSeverity, settle, severityWeight, signature } from './verdict.js';
import { detectOffline, inOrderArrival, lateArrival } from './detect/arrival.js';
import { clockFuture, detectClock } from './detect/clock.js';
import { collectDrift } from './detect/drift-window.js';
import { detectGap } from './detect/gap.js';
import { detectNoise } from './detect/noise.js';
import { detectOutOfRange } from './detect/range.js';
import { newReading, type Detector, type Reading } from './detect/reading.js';
import { detectSpike } from './detect/spike.js';
import { detectStuck } from './detect/stuck.js';

export interface TrustOutcome {
  /** The new state. It is the input object, mutated in place: callers must treat the input as consumed. */
  state: TrustState;
  verdict: TrustVerdict;
  /** Trust history points to persist (status changes, and every pointIntervalMinutes while the score moves). */
  points: TrustPointData[];
  /** Status, severity, reason kinds or score band (floor(score/10)) changed: publish an event. */
  changed: boolean;
  /**
   * Sweeps only: false when the sweep changed nothing but its own running bookkeeping
   * (drift learning of a healthy, reporting sensor): nothing a reader sees changed, and a
   * caller that keeps the state at hand may carry it to the next write instead of
   * writing it now. Readings always make a material change.
   */
  material?: boolean;
}

/**
 * The detectors of an in-order reading, in order. GAP, OFFLINE and CLOCK see every one;
 * OUT_OF_RANGE and a pending SPIKE end a reading there, so the value statistics after them
 * (SPIKE's window, DRIFT's sums, STUCK, NOISE) never see it.
 */
const DETECTORS: readonly Detector[] = [
  detectGap,
  detectOffline,
  detectClock,
  detectOutOfRange,
  detectSpike,
  collectDrift,
  detectStuck,
  detectNoise,
];

/** One reading (its fields in `r`). Returns nothing; evidence, reasons and status are updated in `s`. */
function step(s: TrustState, r: Reading): void {
  const th = r.th;
  r.extraBad = 0;
  clockFuture(s, r);
  if (s.lastTs !== null && r.ts <= s.lastTs) {
    lateArrival(s, r);
    settle(s, th, s.lastTs, r.points, false);
    return;
  }
  inOrderArrival(s, r);
  r.n = ++s.n;
  r.warm = r.n > th.warmupReadings;
  for (const detect of DETECTORS) {
    if (detect(s, r)) {
      addEvidence(s, th, 0, severityWeight(th, maxSeverity(s)) + r.extraBad);
      settle(s, th, r.ts, r.points, true);
      return;
    }
  }
  const good = s.ra[K_STUCK] > 0 || s.ra[K_NOISE] > 0 || s.ra[K_DRIFT] > 0 ? 0 : 1;
  const sev = maxSeverity(s);
  addEvidence(s, th, good, severityWeight(th, sev) + r.extraBad);
  // A clean reading with no reason active also forgives past bad evidence (cleanDecay): a fault
  // that has cleared is forgotten in tens of readings, not the hundreds aging alone would take.
  const clean = good === 1 && sev === 0 && r.extraBad === 0;
  if (clean) s.b *= th.cleanDecay;
  settle(s, th, r.ts, r.points, true, clean);
}

/**
 * Called after each reading with the state as it stands then (read-only: do not keep or
 * mutate it) and the points so far. Lets the shell see every verdict a batch passes
 * through (ticket automation), not only the last one.
 */
export type StepObserver = (state: TrustState, ts: number, points: readonly TrustPointData[]) => void;

/**
 * Feed readings of ONE sensor, sorted by ts ascending. `now` (server wall clock, epoch ms; a
 * reading's own `receivedAt` takes precedence) is used only to spot timestamps from the future
 * and to tell live from history; everything else runs on event time.
 * Mutates `state` in place and returns it in the outcome.
 */
export function observe(
  state: TrustState,
  profile: SensorProfile,
  readings: ReadingSample[],
  now: number,
  config: TrustConfig,
  onStep?: StepObserver,
): TrustOutcome {
  return observeInto(state, profile, readings, now, config, [], onStep);
}

/** `observe`, appending trust points to `points` (observeMany feeds one sensor in several slices). */
export function observeInto(
  state: TrustState,
  profile: SensorProfile,
  readings: ReadingSample[],
  now: number,
  config: TrustConfig,
  points: TrustPointData[],
  onStep?: StepObserver,
): TrustOutcome {
  const th = thresholdsFor(config, profile.kind);
  const s = state;
  s.unit = profile.unit ?? '';
  s.exp = profile.expectedIntervalSeconds > 0 ? profile.expectedIntervalSeconds : 60;
  const expMs = s.exp * 1000;
  const before = signature(s);
  const r = newReading(profile, th, expMs, points);
  for (const reading of readings) {
    // Non-finite input cannot be judged and must never reach the persisted state.
    if (!Number.isFinite(reading.ts) || !Number.isFinite(reading.value)) continue;
    r.ts = reading.ts;
    r.x = reading.value;
    r.now = reading.receivedAt ?? now;
    step(s, r);
    onStep?.(s, reading.ts, points);
  }
  return { state: s, verdict: buildVerdict(s), points, changed: signature(s) !== before };
}
