// Fleet-wide, time-driven evidence: OFFLINE and DRIFT (GAP is judged per reading in event time, observe.ts) (peer consensus per zone and kind).
import { thresholdsFor, type TrustConfig, type TrustThresholds } from './config.js';
import type { TrustOutcome } from './observe.js';
import { EV, K_DRIFT, K_OFFLINE, K_OOR, K_STUCK, SEV_HIGH, SEV_LOW, SEV_MEDIUM, type TrustState } from './state.js';
import type { SensorProfile, TrustPointData } from './types.js';
import { addEvidence, buildVerdict, clear, raise, settle, signature } from './verdict.js';

/**
 * Silent intervals before OFFLINE: `offlineIntervals`, or more for a sensor whose own normal
 * completeness is low — as many misses in a row as such a sensor shows by chance only with
 * probability `offlineFalseAlarm`.
 */
export function offlineAfterIntervals(s: TrustState, th: TrustThresholds): number {
  let need = th.offlineIntervals;
  // its usual silences (bursty loss), learned per reading
  // (a silence just at the limit, two readings lost in a row, does not move it)
  if (s.gm > th.offlineIntervals + 0.5) {
    const usual = Math.round(s.gm) + 1;
    if (usual > need) need = usual;
  }
  if (s.gK >= 2) {
    const miss = 1 - (s.gN > 0.99 ? 0.99 : s.gN < 0.05 ? 0.05 : s.gN);
    const chance = Math.round(Math.log(th.offlineFalseAlarm) / Math.log(miss));
    if (chance > need) need = chance;
  }
  return need;
}

/** Silence (ms) after which a sensor is OFFLINE: its intervals, or its heartbeat for report-by-exception sensors. */
function offlineAfterMs(s: TrustState, th: TrustThresholds, profile: SensorProfile, expMs: number): number {
  const slower = s.n > 4 * th.warmupReadings && s.ivl > 1.5 * expMs ? s.ivl : expMs;
  const byIntervals = offlineAfterIntervals(s, th) * slower;
  const hb = profile.heartbeatSeconds ? profile.heartbeatSeconds * 1000 + expMs : 0;
  return (byIntervals > hb ? byIntervals : hb) + th.offlineGraceSeconds * 1000;
}

function judgeOffline(s: TrustState, th: TrustThresholds, profile: SensorProfile, now: number, expMs: number): boolean {
  if (s.seenTs === null) return false;
  const silent = now - s.seenTs;
  const limit = offlineAfterMs(s, th, profile, expMs);
  if (silent <= limit) return false;
  // A sensor whose newest data arrived as history (an import) is shown OFFLINE, but it is an
  // advisory: no ticket, no reputation loss. One that was live and went silent is a full reason.
  const history = s.live === 0;
  raise(s, K_OFFLINE, history ? SEV_LOW : SEV_HIGH, s.seenTs, history);
  const e = K_OFFLINE * EV;
  s.e[e] = silent;
  s.e[e + 1] = s.exp;
  if (history) return true;
  // While silent, each missed interval ages the reputation (forgetting) and adds LOW bad evidence:
  // a sensor back after an hour returns DEGRADED and earns HEALTHY with data, not straight to FAULTY.
  if (s.offAt === null) s.offAt = s.seenTs + limit - th.offlineGraceSeconds * 1000;
  const steps = Math.floor((now - s.offAt) / expMs);
  if (steps > 0) {
    addEvidence(s, th, 0, th.weightLow, steps);
    s.offAt += steps * expMs;
  }
  return true;
}

interface Member {
  s: TrustState;
  th: TrustThresholds;
  learned: boolean;
  /** level corrected by the learned offset (raw level while still learning) */
  c: number;
}

function medianOf(sorted: number[], skip: number): number {
  // Median of `sorted` with index `skip` left out (skip = -1: none), without copying.
  const n = skip < 0 ? sorted.length : sorted.length - 1;
  const at = (i: number) => {
    const v = sorted[skip < 0 || i < skip ? i : i + 1];
    if (v === undefined) throw new RangeError(`median of ${n} values has no index ${i}`);
    return v;
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

function judgeDrift(group: Member[], now: number): void {
  // Offsets are learned against one reference shared by the whole group (the median of all
  // corrected levels), so that corrected levels agree with each other; a learned sensor is then
  // judged against the median of its learned peers only.
  const all = group.map((m) => m.c).sort((x, y) => x - y);
  const learned = group
    .filter((m) => m.learned)
    .map((m) => m.c)
    .sort((x, y) => x - y);
  const reference = medianOf(all, -1);
  for (const { s, th, c, learned: isLearned } of group) {
    let consensus = reference;
    let peers = group.length - 1;
    if (isLearned) {
      peers = learned.length - 1;
      if (peers < th.driftMinPeers) continue;
      consensus = medianOf(learned, learned.indexOf(c));
    } else if (peers < th.driftMinPeers) continue;
    const res = s.lvl - consensus;
    const dt = s.dAt === null ? 60_000 : Math.min(now - s.dAt, 600_000);
    if (dt <= 0) continue;
    s.dAt = now;
    const learnMs = th.driftLearnMinutes * 60_000;
    if (s.dLearn < learnMs) {
      // Learn the sensor's own constant offset against its peers: a running mean.
      const w = dt / (s.dLearn + dt);
      s.dOff += (res - s.dOff) * w;
      s.dScale += (Math.abs(res - s.dOff) - s.dScale) * w;
      s.dLearn += dt;
      continue;
    }
    const thr = Math.max(th.driftMinDelta, th.driftScaleK * s.dScale);
    const dev = res - s.dOff;
    const adev = Math.abs(dev);
    if (adev > thr) {
      s.dBelow = null;
      if (s.dStart === null) s.dStart = now;
      if (now - s.dStart >= th.driftConfirmMinutes * 60_000)
        raise(s, K_DRIFT, adev > 2 * thr ? SEV_HIGH : SEV_MEDIUM, s.dStart);
    } else {
      s.dStart = null;
      if (s.ra[K_DRIFT] > 0 && adev < 0.7 * thr) {
        if (s.dBelow === null) s.dBelow = now;
        if (now - s.dBelow >= th.driftClearMinutes * 60_000) {
          clear(s, K_DRIFT, now);
          s.dBelow = null;
        }
      } else s.dBelow = null;
    }
    if (adev < thr / 2 && s.ra[K_DRIFT] === 0) {
      // Slow adaptation keeps up with re-calibrations; frozen while departing so drift is not absorbed.
      const rate = dt / (th.driftAdaptHours * 3_600_000);
      s.dOff += (res - s.dOff) * rate;
      s.dScale += (adev - s.dScale) * rate;
    }
    const e = K_DRIFT * EV;
    s.e[e] = dev;
    s.e[e + 1] = peers;
    s.e[e + 2] = s.dOff;
  }
}

/**
 * Periodic sweep at server time `now`: OFFLINE, GAP and DRIFT. Returns one outcome per entry,
 * same order. States are mutated in place (each outcome's `state` is the entry's object).
 */
/** Drift detection phase: a departure or a return being timed (persisted when it moves). */
const driftPhase = (s: TrustState) => (s.dStart === null ? 0 : 1) + (s.dBelow === null ? 0 : 2);

export function sweepFleet(
  entries: { profile: SensorProfile; state: TrustState }[],
  now: number,
  config: TrustConfig,
): TrustOutcome[] {
  const work = entries.map(({ profile, state }) => ({
    profile,
    s: state,
    th: thresholdsFor(config, profile.kind),
    before: signature(state),
    phaseBefore: driftPhase(state),
  }));
  const groups = new Map<string, Member[]>();
  for (const { profile, s, th } of work) {
    s.unit = profile.unit ?? '';
    s.exp = profile.expectedIntervalSeconds > 0 ? profile.expectedIntervalSeconds : 60;
    const expMs = s.exp * 1000;
    const offline = judgeOffline(s, th, profile, now, expMs);
    if (offline) continue;
    // A sensor that is out of range or stuck has a level that says nothing about drift.
    if (
      profile.zoneId === null ||
      s.n <= th.warmupReadings ||
      s.ra[K_OOR] > 0 ||
      s.ra[K_STUCK] > 0 ||
      s.seenTs === null
    )
      continue;
    const learned = s.dLearn >= th.driftLearnMinutes * 60_000;
    const key = `${profile.zoneId}\u0000${profile.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ s, th, learned, c: learned ? s.lvl - s.dOff : s.lvl });
  }
  for (const g of groups.values()) judgeDrift(g, now);
  return work.map(({ s, th, before, phaseBefore }) => {
    const points: TrustPointData[] = [];
    settle(s, th, now, points, false);
    const verdict = buildVerdict(s);
    const changed = signature(s) !== before;
    // Silent sensors (not heard from for two intervals) are written every sweep: their
    // offline evidence and evaluation time move even when nothing else does.
    const silent = s.seenTs === null || now - s.seenTs > 2 * s.exp * 1000;
    const material =
      changed || points.length > 0 || verdict.reasons.some((r) => r.active) || silent || driftPhase(s) !== phaseBefore;
    return { state: s, verdict, points, changed, material };
  });
}
