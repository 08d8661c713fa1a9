// Fleet-wide evidence: OFFLINE (wall clock), DRIFT and NOISE against the peers (peer consensus
// per zone and kind, in event-time windows). GAP is judged per reading in event time (observe.ts).
import { thresholdsFor, type TrustConfig, type TrustThresholds } from './config.js';
import type { TrustOutcome } from './observe.js';
import {
  DAY_HOURS,
  DRIFT_HOUR_CODES,
  DRIFT_WINDOWS,
  EV,
  K_DRIFT,
  K_OFFLINE,
  RF_ADVISORY,
  SEV_HIGH,
  SEV_LOW,
  SEV_MEDIUM,
  type TrustState,
} from './state.js';
import { judgeNoiseWindow } from './detect/noise-peers.js';
import { medianOf } from './median.js';
import type { SensorProfile, TrustPointData } from './types.js';
import { buildVerdict, clear, raise, settle, signature } from './verdict.js';

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

function judgeOffline(
  s: TrustState,
  th: TrustThresholds,
  profile: SensorProfile,
  now: number,
  expMs: number,
  registeredAt?: number,
): boolean {
  if (s.seenTs === null)
    return registeredAt === undefined ? false : judgeNeverReported(s, th, profile, now, expMs, registeredAt);
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
  // Silence is no evidence about the values: the reputation neither ages nor loses while
  // OFFLINE, so a sensor whose data comes back resumes the verdict its values had.
  return true;
}

/**
 * A registered sensor that has sent nothing for as long as a silent one would need to be
 * OFFLINE, counted from its registration: OFFLINE "never reported". An advisory (no ticket,
 * no reputation: there is no data to distrust yet); its first reading clears it.
 */
function judgeNeverReported(
  s: TrustState,
  th: TrustThresholds,
  profile: SensorProfile,
  now: number,
  expMs: number,
  registeredAt: number,
): boolean {
  const silent = now - registeredAt;
  if (silent <= offlineAfterMs(s, th, profile, expMs)) return false;
  raise(s, K_OFFLINE, SEV_LOW, registeredAt, true);
  const e = K_OFFLINE * EV;
  s.e[e] = silent;
  s.e[e + 1] = s.exp;
  return true;
}

interface Member {
  s: TrustState;
  th: TrustThresholds;
  learned: boolean;
  /** the window's mean, corrected by the learned offset (raw mean while still learning) */
  c: number;
  /** the window's mean */
  level: number;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** UTC hour of day of an event time (ms). */
const hourOf = (t: number) => ((Math.floor(t / 3_600_000) % DAY_HOURS) + DAY_HOURS) % DAY_HOURS;

/**
 * The residual's learned location and scale for hour `h`: the all-hours offset plus that
 * hour's own pattern and its own scale once the slot has learned, else the all-hours figures.
 */
function residualModel(s: TrustState, th: TrustThresholds, h: number): { loc: number; sc: number } {
  if ((s.dHn[h] ?? 0) >= th.driftHourMinWindows) return { loc: s.dOff + (s.dLoc[h] ?? 0), sc: s.dSc[h] ?? 0 };
  return { loc: s.dOff, sc: s.dScale };
}

/**
 * Learns residual `res` into hour slot h: its pattern (the residual minus the all-hours offset)
 * and its scale, robustly (the step is clipped at `clip`). A slot sees its hour's windows on
 * one day together, so it learns in days: a plain mean over its first day, then with a memory of
 * driftAdaptHours of days.
 */
function learnSlot(s: TrustState, th: TrustThresholds, h: number, res: number, clip: number): void {
  const n = s.dHn[h] ?? 0;
  if (n === 0) s.dSc[h] = s.dScale;
  const perDay = 60 / th.driftWindowMinutes;
  const days = Math.floor(n / perDay);
  const rate = days === 0 ? 1 / (n + 1) : 1 / (perDay * Math.min(days + 1, th.driftAdaptHours / 24));
  const d = res - s.dOff - (s.dLoc[h] ?? 0);
  const ad = Math.abs(d);
  // rounded: 48 numbers per sensor are persisted
  s.dLoc[h] = round4((s.dLoc[h] ?? 0) + rate * (ad > clip ? Math.sign(d) * clip : d));
  s.dSc[h] = round4((s.dSc[h] ?? 0) + rate * ((ad > clip / 2 ? clip / 2 : ad) - (s.dSc[h] ?? 0)));
  s.dHn[h] = n + 1;
}

/** How much the learned members disagree among themselves now: 1.4826 × the MAD of their corrected means. */
function peerSpread(sorted: number[]): number {
  if (sorted.length < 3) return 0;
  const m = medianOf(sorted, -1);
  return (
    1.4826 *
    medianOf(
      sorted.map((x) => Math.abs(x - m)).sort((x, y) => x - y),
      -1,
    )
  );
}

/**
 * A residual episode of `s` (a departure, and DRIFT if it was raised) is over at `end`. If it
 * lasted at most driftEpisodeHours it came back by itself: each hour it covered learns its
 * windows (their mean residual, already clipped at the threshold), so a pattern that comes
 * back every day at the same hours (sun on one side in the afternoon) becomes that hour's
 * normal within days, while a one-off episode moves it a little. A longer one teaches nothing.
 */
function endEpisode(s: TrustState, th: TrustThresholds, end: number): void {
  if (s.dEp !== null && end - s.dEp <= th.driftEpisodeHours * 3_600_000)
    for (let h = 0; h < DAY_HOURS; h++) {
      const n = s.dPN[h] ?? 0;
      const mean = (s.dPS[h] ?? 0) / Math.max(n, 1);
      for (let k = 0; k < n; k++) learnSlot(s, th, h, mean, Infinity);
    }
  s.dEp = null;
  s.dPS.fill(0);
  s.dPN.fill(0);
}

/**
 * One closed event-time window of one zone × kind: its members' means against their peers.
 * The residual (a sensor's window mean minus the median of its peers' corrected means) has a
 * location and a scale learned per sensor and per hour of day (sun on one side in the
 * afternoon, a radiator in the morning); a departure is a residual more than driftScaleK of
 * that hour's scale (and at least driftMinDelta, the accuracy floor, and driftSpreadK times
 * how much the peers disagree among themselves in this window) from its location. Nothing is
 * learned during a residual episode (a departure, then DRIFT), so drift is not absorbed; an
 * episode that comes back by itself is learned when it ends (endEpisode). Peers whose difference from the sensor spreads about as much as the signal itself
 * varies (driftTrackRatio) do not track it: a departure then is only an advisory.
 */
function judgeDriftWindow(group: Member[], end: number, windowMs: number): void {
  // Offsets are learned against one reference shared by the whole group (the median of all
  // corrected levels), so that corrected levels agree with each other; a learned sensor is then
  // judged against the median of its learned peers only.
  const all = group.map((m) => m.c).sort((x, y) => x - y);
  const learned = group
    .filter((m) => m.learned)
    .map((m) => m.c)
    .sort((x, y) => x - y);
  const reference = medianOf(all, -1);
  const spread = peerSpread(learned);
  const dt = windowMs;
  const h = hourOf(end - dt);
  for (const { s, th, c, level, learned: isLearned } of group) {
    let consensus = reference;
    let peers = group.length - 1;
    if (isLearned) {
      peers = learned.length - 1;
      if (peers < th.driftMinPeers) continue;
      consensus = medianOf(learned, learned.indexOf(c));
    } else if (peers < th.driftMinPeers) continue;
    const res = level - consensus;
    const learnMs = th.driftLearnMinutes * 60_000;
    const dayWindows = (24 * 60) / th.driftWindowMinutes;
    // the sensor's own variation: mean absolute deviation of its level around a slow mean
    const own = 1 / Math.min(s.dN + 1, dayWindows);
    if (s.dN === 0) s.dMu = level;
    s.dVar += own * (Math.abs(level - s.dMu) - s.dVar);
    s.dMu += own * (level - s.dMu);
    s.dN++;
    if (s.dLearn < learnMs) {
      // Learn the sensor's own offset against its peers: a running mean, all hours and this hour.
      const w = dt / (s.dLearn + dt);
      s.dOff += (res - s.dOff) * w;
      s.dScale += (Math.abs(res - s.dOff) - s.dScale) * w;
      s.dLearn += dt;
      learnSlot(s, th, h, res, Infinity);
      continue;
    }
    const { loc, sc } = residualModel(s, th, h);
    const thr = Math.max(th.driftMinDelta, th.driftScaleK * sc, th.driftSpreadK * spread);
    const dev = res - loc;
    const adev = Math.abs(dev);
    const full = s.ra[K_DRIFT] > 0 && (s.rf[K_DRIFT] & RF_ADVISORY) === 0;
    // Peers track this sensor unless its residual spreads as much as the signal itself varies
    // (judged once a day of windows has shown both).
    const tracking = s.dN < dayWindows || s.dScale < th.driftTrackRatio * s.dVar;
    // Times are window ends (event time); a departure counts from the start of its first window.
    if (adev > thr) {
      s.dBelow = null;
      if (s.dStart === null) s.dStart = end - dt;
      if (s.dEp === null) s.dEp = s.dStart;
      // twice the threshold out is unlikely to be the place: half the confirmation time
      if (end - s.dStart >= (adev > 2 * thr ? 0.5 : 1) * th.driftConfirmMinutes * 60_000) {
        if (tracking || full) raise(s, K_DRIFT, adev > 2 * thr ? SEV_HIGH : SEV_MEDIUM, s.dStart);
        else raise(s, K_DRIFT, SEV_LOW, s.dStart, true);
      }
    } else {
      s.dStart = null;
      if (s.ra[K_DRIFT] > 0 && adev < 0.7 * thr) {
        if (s.dBelow === null) s.dBelow = end - dt;
        // back within half the threshold is clearly back: half the clear time (as twice the
        // threshold out halves the confirmation); hovering near the threshold needs all of it
        if (end - s.dBelow >= (adev < 0.5 * thr ? 0.5 : 1) * th.driftClearMinutes * 60_000) {
          clear(s, K_DRIFT, end);
          s.dBelow = null;
        }
      } else s.dBelow = null;
      if (s.ra[K_DRIFT] === 0 && s.dEp !== null) endEpisode(s, th, end);
      if (s.dEp === null && !full) {
        // Slow adaptation keeps up with re-calibrations and seasons; frozen while departing.
        learnSlot(s, th, h, res, thr);
        // The offset adapts slowly (a drift below the threshold is absorbed only over days); the
        // scale is a plain mean over the first day of peer history (the hours the learning
        // period did not see), then slow as well.
        const rate = dt / (th.driftAdaptHours * 3_600_000);
        const d = res - s.dOff;
        const ad = Math.abs(d);
        s.dOff += rate * (ad > thr ? Math.sign(d) * thr : d);
        // (the scale learns from at most half the threshold: a slow drift cannot widen its own threshold)
        s.dScale += Math.max(rate, 1 / Math.min(s.dN, dayWindows)) * ((ad > thr / 2 ? thr / 2 : ad) - s.dScale);
      }
    }
    if (s.dEp !== null) {
      // kept for the episode, clipped at the threshold (learned if it ends by itself: endEpisode)
      s.dPS[h] = round4((s.dPS[h] ?? 0) + loc + Math.max(-thr, Math.min(thr, dev)));
      s.dPN[h] = (s.dPN[h] ?? 0) + 1;
    }
    const e = K_DRIFT * EV;
    if (!tracking && !full) {
      s.e[e] = dev;
      s.e[e + 1] = s.dScale;
      s.e[e + 2] = s.dVar;
    } else {
      s.e[e] = dev;
      // the peers and the hour whose model judged (24: the all-hours one, its slot not learned yet)
      s.e[e + 1] = peers * DRIFT_HOUR_CODES + ((s.dHn[h] ?? 0) >= th.driftHourMinWindows ? h : DAY_HOURS);
      s.e[e + 2] = sc;
    }
  }
}

interface GroupEntry {
  s: TrustState;
  th: TrustThresholds;
}

/**
 * DRIFT in event time for one zone × kind: every window the group's watermark has passed —
 * the second-newest event time among its sensors (one sensor's clock running ahead cannot
 * close windows early), minus latenessSeconds — is judged once, in window order, from the
 * means its sensors had in it. Whether the readings came live, in bursts or as an import, each
 * window sees the same data.
 */
function advanceGroup(group: GroupEntry[]): void {
  const first = group[0];
  if (!first) return;
  const th = first.th;
  const windowMs = th.driftWindowMinutes * 60_000;
  let newest = -Infinity;
  let second = -Infinity;
  for (const { s } of group) {
    const t = s.seenTs ?? -Infinity;
    if (t > newest) {
      second = newest;
      newest = t;
    } else if (t > second) second = t;
  }
  const watermark = (group.length > 1 ? second : newest) - th.latenessSeconds * 1000;
  if (!Number.isFinite(watermark)) return;
  const done = Math.floor(watermark / windowMs) - 1;
  // the windows with data not judged yet, across the group, in order
  const pending = new Set<number>();
  for (const { s } of group) {
    for (let j = Math.max(s.dJ + 1, s.wB - DRIFT_WINDOWS + 1); j <= Math.min(s.wB, done); j++)
      if ((s.wC[j % DRIFT_WINDOWS] ?? 0) > 0) pending.add(j);
  }
  const learnMs = th.driftLearnMinutes * 60_000;
  for (const j of [...pending].sort((x, y) => x - y)) {
    const members: Member[] = [];
    for (const { s, th: own } of group) {
      if (j <= s.dJ || j <= s.wB - DRIFT_WINDOWS || j > s.wB) continue;
      const count = s.wC[j % DRIFT_WINDOWS];
      const sum = s.wS[j % DRIFT_WINDOWS];
      if (!count || sum === undefined) continue;
      const level = sum / count;
      const learned = s.dLearn >= learnMs;
      members.push({
        s,
        th: own,
        learned,
        level,
        c: learned ? level - residualModel(s, own, hourOf(j * windowMs)).loc : level,
      });
    }
    if (members.length > 1) judgeDriftWindow(members, (j + 1) * windowMs, windowMs);
    judgeNoiseWindow(group, j, (j + 1) * windowMs, windowMs);
  }
  for (const { s } of group) if (done > s.dJ) s.dJ = done;
}

/** Zone × kind groups of the entries that can be judged for DRIFT (a zone, data seen). */
function driftGroups(entries: { profile: SensorProfile; state: TrustState }[], config: TrustConfig) {
  const groups = new Map<string, GroupEntry[]>();
  for (const { profile, state: s } of entries) {
    if (profile.zoneId === null || s.seenTs === null) continue;
    const key = `${profile.zoneId}\u0000${profile.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ s, th: thresholdsFor(config, profile.kind) });
  }
  return groups;
}

/**
 * Windows a sensor holds that its group has not judged yet. The shell judges the sensor's
 * group (advanceDrift) when this nears DRIFT_WINDOWS, so that a fast import loses no window.
 */
export function driftBacklog(state: TrustState, profile: SensorProfile): number {
  if (profile.zoneId === null || state.seenTs === null) return 0;
  return state.wB - Math.max(state.dJ, state.wB - DRIFT_WINDOWS);
}

/**
 * Backlog at which the shell judges a sensor's group without waiting for the sweep. Live, with
 * the sweep keeping up, it is 2 (the open window and the one waiting out the lateness bound),
 * 3 for the moments between a window boundary and the next sweep; an import that runs ahead
 * reaches 4 every few windows.
 */
export const DRIFT_BACKLOG_LIMIT = 4;

/** Drift detection phase: a departure or a return being timed (persisted when it moves). */
const driftPhase = (s: TrustState) => (s.dStart === null ? 0 : 1) + (s.dBelow === null ? 0 : 2);

function outcomes(
  entries: { profile: SensorProfile; state: TrustState }[],
  config: TrustConfig,
  before: number[],
  phaseBefore: number[],
  at: (s: TrustState) => number,
  silentAt: number | null,
): TrustOutcome[] {
  return entries.map(({ profile, state: s }, i) => {
    const points: TrustPointData[] = [];
    settle(s, thresholdsFor(config, profile.kind), at(s), points, false);
    const verdict = buildVerdict(s);
    const changed = signature(s) !== before[i];
    // Silent sensors (not heard from for two intervals) are written every sweep: their
    // offline evidence and evaluation time move even when nothing else does.
    const silent = silentAt !== null && (s.seenTs === null || silentAt - s.seenTs > 2 * s.exp * 1000);
    const material =
      changed ||
      points.length > 0 ||
      verdict.reasons.some((r) => r.active) ||
      silent ||
      driftPhase(s) !== phaseBefore[i];
    return { state: s, verdict, points, changed, material };
  });
}

/**
 * DRIFT only, in event time: judges every window the zone's watermark has passed, for these
 * sensors grouped by zone × kind (pass whole groups). No wall clock: the stream calls it while
 * an import runs faster than the sweep (see driftBacklog). History points are at event time.
 */
export function advanceDrift(
  entries: { profile: SensorProfile; state: TrustState }[],
  config: TrustConfig,
): TrustOutcome[] {
  const before = entries.map((x) => signature(x.state));
  const phaseBefore = entries.map((x) => driftPhase(x.state));
  for (const { profile, state: s } of entries) {
    s.unit = profile.unit ?? '';
    s.exp = profile.expectedIntervalSeconds > 0 ? profile.expectedIntervalSeconds : 60;
  }
  for (const g of driftGroups(entries, config).values()) advanceGroup(g);
  return outcomes(entries, config, before, phaseBefore, (s) => s.lastTs ?? 0, null);
}

/**
 * Periodic sweep at server time `now`: OFFLINE (wall clock) and DRIFT (event time, see
 * advanceDrift). Returns one outcome per entry, same order. States are mutated in place (each
 * outcome's `state` is the entry's object).
 */
export function sweepFleet(
  entries: { profile: SensorProfile; state: TrustState; registeredAt?: number }[],
  now: number,
  config: TrustConfig,
): TrustOutcome[] {
  const before = entries.map((x) => signature(x.state));
  const phaseBefore = entries.map((x) => driftPhase(x.state));
  for (const { profile, state: s, registeredAt } of entries) {
    const th = thresholdsFor(config, profile.kind);
    s.unit = profile.unit ?? '';
    s.exp = profile.expectedIntervalSeconds > 0 ? profile.expectedIntervalSeconds : 60;
    judgeOffline(s, th, profile, now, s.exp * 1000, registeredAt);
  }
  for (const g of driftGroups(entries, config).values()) advanceGroup(g);
  return outcomes(entries, config, before, phaseBefore, () => now, now);
}
