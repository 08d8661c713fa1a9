// SPIKE: one reading far from the local median and from its predecessor, then back on the next.
// A step (two readings agreeing on a new level) moves the window instead.
import { BUF, DAY_HOURS, EV, K_NOISE, K_SPIKE, SEV_HIGH, SEV_LOW, SEV_MEDIUM, type TrustState } from '../state.js';
import { recomputeMedian } from '../robust-window.js';
import { clear, raise } from '../verdict.js';
import { HOUR_MS, sameValueTolerance, type Reading } from './reading.js';

/** The reading joins the local window (median and MAD every 4th reading). */
function addToLocalWindow(s: TrustState, r: Reading): void {
  const { n, x } = r;
  if (n === 1) {
    s.prev = x;
    s.runTs = r.ts;
  }
  s.buf[s.bi] = x;
  s.bi = (s.bi + 1) & (BUF - 1);
  if (n >= BUF && (n & 3) === 0) recomputeMedian(s, (n & 15) === 0);
  // Quantisation step: the smallest change seen between consecutive readings.
  if (n > 1) {
    const ch = x - s.prev;
    const ach = ch < 0 ? -ch : ch;
    if (ach > sameValueTolerance(x) && (s.qz === 0 || ach < s.qz)) s.qz = ach;
  }
}

/** The spread a spike is measured in: the window's MAD or its usual short-term change, whichever is larger. */
function spikeSigma(s: TrustState, r: Reading): number {
  const { th } = r;
  // A quantised sensor cannot resolve less than its step: dithering by one step is no spike.
  const floor = th.scaleFloor > s.qz / 2 ? th.scaleFloor : s.qz / 2;
  r.floor = floor;
  const madSigma = 1.4826 * s.mad;
  // its usual short-term change: now, and at this hour of day on earlier days (sun on an outdoor sensor at noon)
  const hourSlot = Math.floor(r.ts / HOUR_MS) % DAY_HOURS;
  const hourly = Math.max(s.nH[hourSlot] ?? 0, s.nH[(hourSlot + 1) % DAY_HOURS] ?? 0);
  const diffSigma = 0.886 * (s.md > hourly ? s.md : hourly);
  return madSigma > diffSigma ? (madSigma > floor ? madSigma : floor) : diffSigma > floor ? diffSigma : floor;
}

/** SPIKE. Returns true while the reading is pending (far off: the next one tells spike from step). */
export function detectSpike(s: TrustState, r: Reading): boolean {
  const { th, ts, x, n } = r;
  addToLocalWindow(s, r);
  const sigma = spikeSigma(s, r);
  let dev = x - s.med;
  let adev = dev < 0 ? -dev : dev;
  if (s.pend === 1) {
    s.pend = 0;
    const fromPend = x - s.pendVal;
    const afromPend = fromPend < 0 ? -fromPend : fromPend;
    const back = x - s.prev;
    if (afromPend > th.spikeK * sigma && (back < 0 ? -back : back) <= th.spikeReturnK * sigma) {
      // Far from its neighbours on both sides: an isolated spike.
      const e = K_SPIKE * EV;
      const sameEpisode = s.ra[K_SPIKE] > 0 || n - s.spN <= th.spikeWindowReadings;
      s.spCount = sameEpisode ? s.spCount + 1 : 1;
      if (sameEpisode)
        raise(
          s,
          K_SPIKE,
          s.spCount >= 5 ? SEV_MEDIUM : SEV_LOW,
          s.ra[K_SPIKE] > 0 ? (s.rs[K_SPIKE] as number) : s.spTs,
        );
      s.e[e] = s.spCount;
      s.e[e + 1] = s.pendDev;
      s.e[e + 2] = sigma;
      s.spN = n;
      s.spTs = s.pendTs;
      r.extraBad = th.weightLow;
    } else if (afromPend <= th.spikeReturnK * sigma && dev * s.pendDev > 0) {
      // Two readings agree on a new level: a step, not a spike. Shift the window onto it
      // (keeping its spread) and let the pending reading count as accepted.
      const shift = s.pendVal - s.med;
      s.buf = s.buf.map((v) => v + shift);
      s.med += shift;
      s.prev = s.pendVal;
      s.run = 1;
      s.runTs = s.pendTs;
      dev = x - s.med;
      adev = dev < 0 ? -dev : dev;
    }
  }
  if (s.ra[K_SPIKE] > 0 && n - s.spN > th.spikeClearReadings) clear(s, K_SPIKE, ts);
  const jump = x - s.prev;
  const ajump = jump < 0 ? -jump : jump;
  const candidate = r.warm && adev > th.spikeK * sigma && ajump > th.spikeK * sigma;
  burst(s, r, candidate, ajump);
  if (candidate) {
    s.pend = 1;
    s.pendTs = ts;
    s.pendVal = x;
    s.pendDev = dev;
    return true;
  }
  return false;
}

/** Spike candidates among the last BURST_READINGS readings that make a burst. */
const BURST_READINGS = 6;
const BURST_CANDIDATES = 3;

function popcount6(m: number): number {
  let c = 0;
  for (let b = 0; b < BURST_READINGS; b++) if (m & (1 << b)) c++;
  return c;
}

/**
 * A burst: half of the last six readings far (spikeK sigmas) from both the local median and
 * the reading before. Isolated spikes come back; a sensor whose readings jump about like this
 * is noisy, and NOISE's running mean, which never sees such readings, would learn it late or
 * not at all (a few minutes of malfunction noise). Raises NOISE with the burst's own figures:
 * its mean change per reading against the slow baseline NOISE uses. NOISE clears as usual.
 */
function burst(s: TrustState, r: Reading, candidate: boolean, ajump: number): void {
  s.sBm = ((s.sBm << 1) | (candidate ? 1 : 0)) & ((1 << BURST_READINGS) - 1);
  if (!candidate) return;
  if (s.sBm === 1) {
    s.sBt = r.ts;
    s.sBd = ajump;
  } else s.sBd += (ajump - s.sBd) / 2;
  if (popcount6(s.sBm) < BURST_CANDIDATES) return;
  const base = s.md > r.floor ? s.md : r.floor;
  const ratio = s.sBd / base;
  if (ratio <= r.th.noiseRatio) return;
  raise(
    s,
    K_NOISE,
    ratio > 2 * r.th.noiseRatio ? SEV_HIGH : SEV_MEDIUM,
    s.ra[K_NOISE] > 0 ? (s.rs[K_NOISE] as number) : s.sBt,
  );
  const e = K_NOISE * EV;
  s.e[e] = ratio;
  s.e[e + 1] = s.sBd;
  s.e[e + 2] = base;
}
