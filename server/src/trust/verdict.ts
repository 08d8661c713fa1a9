// Evidence → beta reputation → status with hysteresis, and the verdict built from state.
import type { TrustThresholds } from './config.js';
import {
  KIND_COUNT,
  activeKindMask,
  KIND_SLOTS,
  K_OFFLINE,
  K_SPIKE,
  RF_ADVISORY,
  SEV_CRITICAL,
  SEV_HIGH,
  S_DEGRADED,
  S_FAULTY,
  S_HEALTHY,
  S_OFFLINE,
  S_UNKNOWN,
  type TrustState,
} from './state.js';
import { message } from './reason-messages.js';
import {
  FAULT_KINDS,
  SEVERITIES,
  TRUST_STATUSES,
  type KindSlot,
  type Severity,
  type TrustPointData,
  type TrustPointReason,
  type TrustReason,
  type TrustStatus,
  type TrustVerdict,
} from './types.js';

function named<T>(names: readonly T[], slot: number, what: string): T {
  const name = names[slot];
  if (name === undefined) throw new RangeError(`no ${what} for slot ${slot}`);
  return name;
}
/** Name of a status slot (`st`); a slot outside TRUST_STATUSES is a bug and throws. */
export const statusName = (slot: number): TrustStatus => named(TRUST_STATUSES, slot, 'status');
/** Name of a severity slot (`ra`, `cv`); a slot outside SEVERITIES is a bug and throws. */
const severityName = (slot: number): Severity => named(SEVERITIES, slot, 'severity');

/** A sensor with no data is UNKNOWN with score 50: the beta prior α = β = 0 gives (0+1)/(0+0+2) = 1/2. */
export const INITIAL_SCORE = 50;

export function severityWeight(th: TrustThresholds, sev: number): number {
  return sev === 0
    ? 0
    : sev === 1
      ? th.weightLow
      : sev === 2
        ? th.weightMedium
        : sev === 3
          ? th.weightHigh
          : th.weightCritical;
}

/** Highest severity among active reasons that count as evidence (advisory reasons do not). */
export function maxSeverity(s: TrustState): number {
  const ra = s.ra;
  let m = 0;
  for (const k of KIND_SLOTS) if (ra[k] > m && (s.rf[k] & RF_ADVISORY) === 0) m = ra[k];
  return m;
}

/** Highest severity among all active reasons, advisory ones included (what the verdict shows). */
function shownSeverity(s: TrustState): number {
  let m = 0;
  for (const k of KIND_SLOTS) if (s.ra[k] > m) m = s.ra[k];
  return m;
}

/** An active, non-advisory SPIKE: the sensor has spiked repeatedly. */
const spiking = (s: TrustState) => s.ra[K_SPIKE] > 0 && (s.rf[K_SPIKE] & RF_ADVISORY) === 0;

/** Score as reported: INITIAL_SCORE while UNKNOWN, else the beta mean in 0..100 to one decimal. */
export function reportedScore(s: TrustState): number {
  if (s.st === S_UNKNOWN) return INITIAL_SCORE;
  return Math.round((1000 * (s.a + 1)) / (s.a + s.b + 2)) / 10;
}

/** Fingerprint of what subscribers care about: status, severity, reason kinds, score band. */
export function signature(s: TrustState): number {
  let mask = 0;
  for (const k of KIND_SLOTS) if (s.ra[k] > 0) mask |= 1 << k;
  const band = Math.min(9, Math.floor(reportedScore(s) / 10));
  // status (3 bits), severity (3 bits), one bit per kind, then the band: no field overlaps another.
  return s.st + 8 * maxSeverity(s) + 64 * mask + 64 * 2 ** KIND_COUNT * band;
}

/** Age the reputation by λ per step and add `good`/`bad` per step, for `steps` steps at once. */
export function addEvidence(s: TrustState, th: TrustThresholds, good: number, bad: number, steps = 1): void {
  const lam = th.agingFactor;
  if (steps === 1) {
    s.a = s.a * lam + good;
    s.b = s.b * lam + bad;
    return;
  }
  const decay = Math.pow(lam, steps);
  const sum = (1 - decay) / (1 - lam);
  s.a = s.a * decay + good * sum;
  s.b = s.b * decay + bad * sum;
}

/** Relapses remembered at most: recovery needs at most recoverReadings × 2^(RELAPSE_MAX−1) readings. */
export const RELAPSE_MAX = 4;

/** Readings after a return to HEALTHY within which a fall back counts as a relapse. */
const relapseWindow = (th: TrustThresholds, rl: number) => 4 * th.recoverReadings * 2 ** rl;

/**
 * Good readings a recovery needs once its reasons have cleared (each after its own clear
 * hysteresis): one after a first episode (the reason's hysteresis already waited: nothing more
 * to wait for), recoverReadings × 2^(rl−1) after the rl-th relapse in a row. A fault that comes
 * and goes settles into DEGRADED; a single one costs no recovery of its own.
 */
export const recoveryReadings = (th: TrustThresholds, rl: number): number =>
  rl === 0 ? 1 : th.recoverReadings * 2 ** (rl - 1);

/**
 * The sensor falls back from HEALTHY. Soon after its last recovery, that is a relapse: the
 * next recovery needs recoverReadings, each further one twice as many (recoveryReadings). A
 * fault that comes and goes every few readings therefore settles into DEGRADED instead of
 * flapping, while a single short reason costs nothing once it clears.
 */
function relapse(s: TrustState, th: TrustThresholds): void {
  if (s.rlN >= 0 && s.n - s.rlN < relapseWindow(th, s.rl) && s.rl < RELAPSE_MAX) s.rl++;
}

/**
 * Move the status toward what score and reasons call for. Worse is immediate; better needs
 * recoveryReadings(relapses) readings that are either clear of the boundary by recoverMargin
 * or clean (`cleanReading`: good, no reason active), and the score that clear while a reason
 * is active (one level at a time then). Once no reason is active the score holds nothing: the
 * sensor is HEALTHY after those readings (only readings count as sustained good data, so
 * sweeps never improve a status). Without a reason the status is never worse than HEALTHY;
 * HIGH evidence or repeated spikes (SPIKE) make it at least DEGRADED, CRITICAL FAULTY.
 */
export function settle(
  s: TrustState,
  th: TrustThresholds,
  at: number,
  points: TrustPointData[] | null,
  fromReading: boolean,
  cleanReading = false,
): void {
  const before = s.st;
  const sev = maxSeverity(s);
  const score = (100 * (s.a + 1)) / (s.a + s.b + 2);
  let next: number;
  if (s.ra[K_OFFLINE] > 0) next = S_OFFLINE;
  else if (s.n < th.minReadings && sev < SEV_HIGH) next = S_UNKNOWN;
  else {
    // Without an active reason the values show nothing wrong: the score (a reputation, which
    // climbs back over tens of readings after a long fault) does not hold the status by itself.
    let target =
      sev === 0 ? S_HEALTHY : score >= th.healthyAbove ? S_HEALTHY : score >= th.faultyBelow ? S_DEGRADED : S_FAULTY;
    // Strong evidence, or repeated spikes (SPIKE is raised only for a second spike within
    // spikeWindowReadings: one spike taints its reading, several make the sensor suspect).
    if ((sev >= SEV_HIGH || spiking(s)) && target < S_DEGRADED) target = S_DEGRADED;
    if (sev === SEV_CRITICAL) target = S_FAULTY;
    if (before === S_UNKNOWN || before === S_OFFLINE || target > before) {
      next = target;
      s.up = 0;
      if (before === S_HEALTHY && target > S_HEALTHY) relapse(s, th);
    } else if (target < before && fromReading) {
      const boundary = before === S_DEGRADED ? th.healthyAbove : th.faultyBelow;
      const floorOk = !((sev >= SEV_HIGH || spiking(s)) && before === S_DEGRADED);
      const scoreClear = score >= boundary + th.recoverMargin;
      // A clean reading with no reason left counts toward recovery even while the score is
      // still climbing back: the good readings run from the last reason's clearing, not after
      // the score has come back (the reasons' own clear hysteresis already waited).
      if (floorOk && (scoreClear || cleanReading)) s.up++;
      else s.up = 0;
      next = before;
      if ((scoreClear || sev === 0) && s.up >= recoveryReadings(th, s.rl)) {
        // With every reason cleared (each after its own clear hysteresis) nothing holds the
        // sensor between levels: it is HEALTHY. While a reason is still active it improves one
        // level at a time.
        next = sev === 0 ? target : before - 1;
        s.up = 0;
      }
    } else {
      next = before;
      if (target === before) s.up = 0;
    }
  }
  s.st = next;
  // Back to HEALTHY (or UNKNOWN): nothing left to recover from.
  if (next <= S_HEALTHY && before > S_HEALTHY) {
    s.cz.fill(null);
    if (next === S_HEALTHY && before !== S_OFFLINE) s.rlN = s.n;
  } else if (next === S_HEALTHY && s.rl > 0 && s.n - s.rlN >= relapseWindow(th, s.rl)) {
    // healthy for a whole relapse window: one relapse forgiven
    s.rl--;
    s.rlN = s.n;
  }
  if (points === null) return;
  const reported = reportedScore(s);
  const moved = s.ptAt === null ? 0 : Math.abs(reported - s.ptScore);
  // A point on a status change, a change of the kinds it rests on (history says why), or a
  // score that moved enough.
  const kinds = activeKindMask(s.ra, s.rf);
  if (
    next !== before ||
    (s.ptAt !== null &&
      (kinds !== s.ptK ||
        moved >= th.pointMinDelta ||
        (moved >= 0.5 && at - s.ptAt >= th.pointIntervalMinutes * 60_000)))
  ) {
    points.push({ at, score: reported, status: statusName(next), reasons: activeReasons(s) });
    s.ptAt = at;
    s.ptScore = reported;
    s.ptK = kinds;
  } else if (s.ptAt === null) {
    s.ptAt = at;
    s.ptScore = reported;
    s.ptK = kinds;
  }
}

/**
 * Activate (or refresh the severity of) reason k. `advisory`: it informs (shown, LOW or as
 * given) but adds no bad evidence, forces no status and opens no ticket; a later raise
 * without it makes the reason a full one.
 */
export function raise(s: TrustState, k: KindSlot, sev: number, since: number, advisory = false): void {
  if (s.ra[k] === 0 || ((s.rf[k] & RF_ADVISORY) !== 0 && !advisory)) s.rs[k] = since;
  s.ra[k] = sev;
  s.rc[k] = 0;
  s.rf[k] = advisory ? s.rf[k] | RF_ADVISORY : s.rf[k] & ~RF_ADVISORY;
  s.cz[k] = null;
}

/**
 * Deactivate reason k at event time `at`. A full (non-advisory) reason is remembered as
 * recovering (`cz`, `cv`, its `since` and evidence kept) until the sensor is HEALTHY again,
 * so a sensor held DEGRADED/FAULTY by hysteresis still says what it recovers from.
 */
export function clear(s: TrustState, k: KindSlot, at: number): void {
  if (s.ra[k] > 0 && (s.rf[k] & RF_ADVISORY) === 0 && s.st > S_HEALTHY) {
    s.cz[k] = at;
    s.cv[k] = s.ra[k];
  }
  s.ra[k] = 0;
  s.rc[k] = 0;
  s.rf[k] = 0;
}

const NO_REASONS: TrustReason[] = [];

/** The kinds active now with their severities, highest first (what a history point keeps). */
function activeReasons(s: TrustState): TrustPointReason[] {
  const out: TrustPointReason[] = [];
  for (let level = SEV_CRITICAL; level >= 1; level--)
    for (const k of KIND_SLOTS)
      if (s.ra[k] === level)
        out.push({ kind: FAULT_KINDS[k], severity: severityName(level), advisory: (s.rf[k] & RF_ADVISORY) !== 0 });
  return out;
}

/**
 * Reasons: the active ones by severity (highest first), then — while the sensor is DEGRADED or
 * FAULTY — the ones it is recovering from (`active: false`, `clearedAt`), newest cleared first.
 */
export function buildVerdict(s: TrustState): TrustVerdict {
  const sev = shownSeverity(s);
  const score = reportedScore(s);
  const status = statusName(s.st);
  const recovering = s.st === S_DEGRADED || s.st === S_FAULTY;
  let anyCleared = false;
  if (recovering) for (const k of KIND_SLOTS) if (s.ra[k] === 0 && s.cz[k] !== null) anyCleared = true;
  if (sev === 0 && !anyCleared) return { score, status, severity: 'NONE', reasons: NO_REASONS.slice() };
  const reasons: TrustReason[] = [];
  for (let level = SEV_CRITICAL; level >= 1; level--) {
    for (const k of KIND_SLOTS) {
      if (s.ra[k] !== level) continue;
      reasons.push({
        kind: FAULT_KINDS[k],
        severity: severityName(level),
        message: message(s, k),
        since: s.rs[k],
        active: true,
        clearedAt: null,
        advisory: (s.rf[k] & RF_ADVISORY) !== 0,
      });
    }
  }
  if (anyCleared) {
    const cleared: TrustReason[] = [];
    for (const k of KIND_SLOTS) {
      if (s.ra[k] !== 0 || s.cz[k] === null) continue;
      cleared.push({
        kind: FAULT_KINDS[k],
        severity: severityName(s.cv[k]),
        message: message(s, k),
        since: s.rs[k],
        active: false,
        clearedAt: s.cz[k],
        advisory: false,
      });
    }
    cleared.sort((x, y) => (y.clearedAt as number) - (x.clearedAt as number));
    reasons.push(...cleared);
  }
  return { score, status, severity: severityName(sev), reasons };
}
