// STUCK: a run of identical readings longer than the sensor's own repeat rate and usual runs
// make plausible.
import type { TrustThresholds } from '../config.js';
import { EV, K_STUCK, RF_REPEATED, SEV_HIGH, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import { DAY_MS, sameValueTolerance, type Reading } from './reading.js';

/** The learned usual longest run, decayed by the event time since it was learned. */
function usualRun(th: TrustThresholds, s: TrustState, ts: number): number {
  if (s.rN <= 0) return 0;
  const age = ts - s.rNt;
  return age <= 0 ? s.rN : s.rN * Math.exp(-age / (th.stuckUsualRunDays * DAY_MS));
}

/** z of the repeat rate's upper bound (about 95 %): a rate learned from few readings is uncertain. */
const REPEAT_RATE_Z = 2;

/**
 * Run of identical readings that is STUCK: one that a sensor repeating at rate p0 makes by
 * chance with probability stuckFalseAlarm. p0 is judged at the upper end of what `m`
 * differences seen so far allow (Wilson score bound): a sensor whose first readings came while
 * its environment was changing (a room warming up) has repeated rarely so far, and would
 * otherwise be STUCK on its first still plateau. The bound closes in as readings accumulate.
 */
function runNeeded(th: TrustThresholds, p0: number, m: number): number {
  if (p0 >= 1 - 1e-9) return th.stuckMaxRun;
  const z2 = REPEAT_RATE_Z * REPEAT_RATE_Z;
  const k = m > 0 ? m : 1;
  const p = p0 > 0 ? p0 : 0;
  const upper = (p + z2 / (2 * k) + REPEAT_RATE_Z * Math.sqrt((p * (1 - p)) / k + z2 / (4 * k * k))) / (1 + z2 / k);
  if (upper <= 1e-6) return th.stuckMinRun;
  if (upper >= 1 - 1e-9) return th.stuckMaxRun;
  const need = Math.ceil(1 + Math.log(th.stuckFalseAlarm) / Math.log(upper));
  return need < th.stuckMinRun ? th.stuckMinRun : need > th.stuckMaxRun ? th.stuckMaxRun : need;
}

/** STUCK on an accepted reading; leaves its |change| and whether a long run is under way for NOISE. */
export function detectStuck(s: TrustState, r: Reading): boolean {
  const { th, ts, x, n, hbMs } = r;
  const d = x - s.prev;
  const ad = d < 0 ? -d : d;
  r.ad = ad;
  s.prev = x;
  const flat = n > 1 && ad <= sameValueTolerance(x);
  // A report-by-exception sensor repeats its value at heartbeat spacing: that is "unchanged",
  // not stuck, so such repeats neither extend nor break a run.
  const heartbeatRepeat = flat && hbMs > 0 && r.prevTs !== null && ts - r.prevTs >= hbMs / 2;
  if (heartbeatRepeat) {
    /* run unchanged */
  } else if (flat) {
    if (s.run === 1) {
      // p0 is a running mean over the last (at most) 256 differences
      s.runNeed = runNeeded(th, s.p0, n - 1 < 256 ? n - 1 : 256);
      // Coarsely quantised and usually repeating (a 0.5 °C thermostat in a stable room): sitting
      // on one step is plausible for hours, so STUCK needs a much longer run.
      // A sensor never seen to move at all (qz = 0) may be such a sensor as well.
      const coarse = s.qz === 0 || (s.qz >= th.stuckCoarseSteps * th.scaleFloor && s.p0 > 0.5);
      if (coarse && s.runNeed < th.stuckQuantisedRun) s.runNeed = th.stuckQuantisedRun;
      // Its own normal: a sensor seen sitting on one value for r readings while healthy (a still
      // room at night) needs stuckUsualRunK × r before that is STUCK.
      const usual = Math.ceil(th.stuckUsualRunK * usualRun(th, s, ts));
      if (usual > s.runNeed) s.runNeed = usual < th.stuckQuantisedRun ? usual : th.stuckQuantisedRun;
    }
    s.run++;
  } else {
    // A run that ended without raising STUCK was healthy: learn its length.
    if (s.run > 1 && s.ra[K_STUCK] === 0) {
      const usual = usualRun(th, s, ts);
      s.rN = s.run > usual ? s.run : usual;
      s.rNt = ts;
    }
    s.run = 1;
    s.runTs = ts;
  }
  const longRun = s.run > 1 && 2 * s.run > s.runNeed;
  r.longRun = longRun;
  if (n > 1 && s.ra[K_STUCK] === 0 && !longRun) {
    s.p0 += ((flat ? 1 : 0) - s.p0) / (n < 256 ? n - 1 : 256);
  }
  if (r.warm && s.run >= s.runNeed && s.run > 1) {
    // Stuck again within spikeWindowReadings of the last STUCK clearing: an episode, which holds
    // stuckClearReadings once the values move; a single stuck stretch ends when they do.
    const repeated = s.ra[K_STUCK] === 0 ? n - s.tN <= th.spikeWindowReadings : (s.rf[K_STUCK] & RF_REPEATED) !== 0;
    raise(s, K_STUCK, SEV_HIGH, s.runTs);
    if (repeated) s.rf[K_STUCK] |= RF_REPEATED;
    const e = K_STUCK * EV;
    s.e[e] = x;
    s.e[e + 1] = s.run;
    s.e[e + 2] = ts - s.runTs;
  } else if (
    s.ra[K_STUCK] > 0 &&
    s.run === 1 &&
    ((s.rf[K_STUCK] & RF_REPEATED) === 0 || ++s.rc[K_STUCK] >= th.stuckClearReadings)
  ) {
    clear(s, K_STUCK, ts);
    s.tN = n;
  }
  return false;
}
