// CLOCK: timestamps from the future, readings later than the lateness bound, an irregular
// interval (beyond the sensor's own learned jitter), and a steady other interval (advisory).
import type { TrustThresholds } from '../config.js';
import { EV, K_CLOCK, RF_ADVISORY, SEV_LOW, SEV_MEDIUM, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import type { Reading } from './reading.js';

function clockEvent(s: TrustState, type: number, amount: number, since: number): void {
  raise(s, K_CLOCK, SEV_MEDIUM, since);
  const e = K_CLOCK * EV;
  s.e[e] = type;
  s.e[e + 1] = amount;
  s.e[e + 2] = s.late;
}

/** A timestamp further ahead of its arrival than clockFutureSeconds. */
export function clockFuture(s: TrustState, r: Reading): void {
  r.clockHit = false;
  if (r.ts - r.now > r.th.clockFutureSeconds * 1000) {
    clockEvent(s, 1, r.ts - r.now, r.ts);
    r.clockHit = true;
  }
}

/**
 * A late or duplicate reading. Batches may commit out of order (parallel uploaders): only a
 * reading later than the lateness bound (and than clockLateIntervals intervals) is clock evidence.
 */
export function clockLate(s: TrustState, r: Reading, lateness: number): void {
  s.late++;
  if (lateness > r.th.clockLateIntervals * r.expMs && lateness > r.th.latenessSeconds * 1000)
    clockEvent(s, 2, lateness, r.ts);
  // It split the last gap between in-order readings, which the observed interval counted
  // whole: a reading closer than the interval to the newest takes that step back and one
  // more, so out-of-order delivery (parallel uploaders) does not read as a slower interval.
  if (lateness > 0 && lateness < s.ivl) s.ivl -= (2 * s.ivl) / 32;
}

/**
 * Learns the timing of an in-order reading: the observed interval (a running median of the
 * gaps, robust to lost readings below 50 %), its irregularity and the sensor's own normal
 * jitter, and its usual silences (for OFFLINE).
 */
export function learnTiming(s: TrustState, r: Reading): void {
  if (s.lastTs === null) {
    s.ivl = r.expMs;
    return;
  }
  const delta = r.ts - s.lastTs;
  s.ivl += ((delta > s.ivl ? 1 : delta < s.ivl ? -1 : 0) * s.ivl) / 32;
  if (s.ivl < 1) s.ivl = 1;
  const q = delta / r.expMs;
  // Report-by-exception sensors (heartbeat) have no schedule to be regular about.
  if (q < 10 && r.hbMs === 0) {
    const k = q < 1.5 ? 1 : Math.round(q);
    let off = Math.abs(q - k);
    if (s.n > 64) {
      // …or on the interval it is observed to keep (a sensor sending every 10 s, configured 60 s)
      const ro = delta / s.ivl;
      const offObs = Math.abs(ro - (ro < 1.5 ? 1 : Math.round(ro)));
      if (offObs < off) off = offObs;
    }
    if (off > 0.5) off = 0.5;
    s.irr += (off - s.irr) / 32;
    // its own normal jitter, learned while CLOCK is not raised: the mean, and the highest it
    // shows (a lossy radio's bursts), which follows a rise only slowly (1/64 per reading) so
    // that a clock going wrong is judged before it becomes the normal, and forgets 1/4096 per reading
    if (s.ra[K_CLOCK] === 0 || (s.rf[K_CLOCK] & RF_ADVISORY) !== 0) {
      s.irrN += (off - s.irrN) / (s.n < 512 ? s.n : 512);
      s.irrX = s.irr > s.irrX ? s.irrX + (s.irr - s.irrX) / 64 : s.irrX * (1 - 1 / 4096);
    }
  }
  // usual silences (in intervals), decaying: a radio that loses a few in a row is not OFFLINE
  s.gm *= 0.998;
  if (q > 1.5 && q <= r.th.offlineLearnMaxIntervals && q > s.gm) s.gm = q;
}

/**
 * The observed interval is steadily another one than configured: faster, or slower and not a
 * whole multiple. A slower one must also agree with the learned completeness (a sensor that
 * steadily reports every q intervals delivers 1/q of them): a sensor that loses readings at
 * random has a median gap between 1 and 2 intervals but a mean gap, 1/completeness, well above
 * it, and is GAP's business, not another interval.
 */
function otherInterval(s: TrustState, th: TrustThresholds, expMs: number, slack = 0): boolean {
  const q = s.ivl / expMs;
  if (q < 0.75 + slack) return true;
  if (q <= 1.5 - slack || Math.abs(q - Math.round(q)) <= 0.2 - slack) return false;
  return s.gK >= th.gapLearnBuckets && Math.abs(q * s.gN - 1) < 0.1 + slack;
}

/** CLOCK on an in-order reading: irregular beyond its own jitter, or steadily another interval. */
export function detectClock(s: TrustState, r: Reading): boolean {
  const { th, expMs, ts } = r;
  // Report-by-exception sensors (heartbeat) have no schedule to be regular about.
  const periodic = r.hbMs === 0;
  const irrLimit = Math.max(th.clockIrregularity, Math.max(s.irrN, s.irrX) + th.clockIrregularityMargin);
  const clockAdvisory = s.ra[K_CLOCK] > 0 && (s.rf[K_CLOCK] & RF_ADVISORY) !== 0;
  if (r.warm && periodic && s.irr > irrLimit) {
    clockEvent(s, 3, s.irr, ts);
    r.clockHit = true;
  } else if (!r.clockHit && s.ra[K_CLOCK] > 0 && !clockAdvisory && ++s.rc[K_CLOCK] >= th.clockClearReadings)
    clear(s, K_CLOCK, ts);
  // A sensor that steadily reports at another interval than configured: a LOW advisory naming it.
  if (!r.clockHit && (s.ra[K_CLOCK] === 0 || clockAdvisory) && periodic) {
    if (r.n > 4 * th.warmupReadings && otherInterval(s, th, expMs)) {
      raise(s, K_CLOCK, SEV_LOW, ts, true);
      const e = K_CLOCK * EV;
      s.e[e] = 4;
      s.e[e + 1] = s.ivl;
      s.e[e + 2] = 0;
    } else if (clockAdvisory && !otherInterval(s, th, expMs, 0.1)) clear(s, K_CLOCK, ts);
  }
  return false;
}
