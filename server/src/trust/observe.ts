// Per-reading evidence: O(1) work, no allocation on the common path. State is mutated in place.
import { thresholdsFor, type TrustConfig, type TrustThresholds } from './config.js';
import {
  BUF,
  DRIFT_WINDOWS,
  EV,
  GAP_BUCKETS,
  K_CLOCK,
  K_DRIFT,
  K_GAP,
  K_NOISE,
  K_OFFLINE,
  K_OOR,
  K_SPIKE,
  K_STUCK,
  SEV_CRITICAL,
  SEV_HIGH,
  SEV_LOW,
  SEV_MEDIUM,
  RF_ADVISORY,
  RF_EPISODE,
  DAY_HOURS,
  type TrustState,
} from './state.js';
import type { ReadingSample, SensorProfile, TrustPointData, TrustVerdict } from './types.js';
import { recomputeMedian } from './robust-window.js';
import { addEvidence, buildVerdict, clear, maxSeverity, raise, settle, severityWeight, signature } from './verdict.js';

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

function clockEvent(s: TrustState, type: number, amount: number, since: number): void {
  raise(s, K_CLOCK, SEV_MEDIUM, since);
  const e = K_CLOCK * EV;
  s.e[e] = type;
  s.e[e + 1] = amount;
  s.e[e + 2] = s.late;
}

function countArrival(s: TrustState, th: TrustThresholds, t: number, expMs: number): void {
  const b = Math.floor(t / (th.gapBucketIntervals * expMs));
  if (b > s.gB) {
    for (let j = Math.max(s.gB + 1, b - GAP_BUCKETS + 1); j <= b; j++) s.gC[j % GAP_BUCKETS] = 0;
    s.gB = b;
  }
  if (b > s.gB - GAP_BUCKETS) {
    const i = b % GAP_BUCKETS;
    s.gC[i] = (s.gC[i] ?? 0) + 1;
  }
}

/**
 * GAP in event time: each completeness bucket is judged once the watermark (newest event
 * time minus the lateness bound) has passed its end, so live, bursts and imports give the same
 * result. Only buckets after the sensor's first reading count. The sensor's own normal
 * completeness (`gN`) is learned per bucket while GAP is not active; GAP is raised when the
 * last up-to-6 buckets fall below `gapCompleteness` × that normal. A sensor whose normal itself
 * is low carries a LOW advisory instead (it stays HEALTHY).
 */
function judgeGap(s: TrustState, th: TrustThresholds, expMs: number, ts: number): void {
  if (s.firstTs === null || s.lastTs === null) return;
  const bMs = th.gapBucketIntervals * expMs;
  const done = Math.floor((s.lastTs - th.latenessSeconds * 1000) / bMs) - 1;
  if (done <= s.gJ) return;
  const firstFull = Math.floor(s.firstTs / bMs) + 1;
  const oldest = s.gB - GAP_BUCKETS + 1;
  // a bucket with no count recorded had no arrivals
  const count = (j: number) => (j > s.gB ? 0 : (s.gC[j % GAP_BUCKETS] ?? 0));
  const active = s.ra[K_GAP] > 0 && (s.rf[K_GAP] & RF_EPISODE) !== 0;
  for (let j = Math.max(s.gJ + 1, firstFull, oldest); j <= done; j++) {
    if (active) continue;
    const c = Math.min(1, count(j) / th.gapBucketIntervals);
    s.gK++;
    // a plain mean over the first buckets (no prior pulling it towards 1), then slowly forgetting
    s.gN += (c - s.gN) / Math.min(s.gK, th.gapLearnBuckets * 6);
  }
  s.gJ = done;
  if (s.gK < th.gapLearnBuckets) return;
  const from = Math.max(done - (GAP_BUCKETS - 2), firstFull, oldest);
  const k = done - from + 1;
  if (k < th.gapMinBuckets) return;
  let received = 0;
  for (let j = from; j <= done; j++) received += count(j);
  const expected = k * th.gapBucketIntervals;
  const completeness = Math.min(1, received / expected);
  const normal = s.gN > 1 ? 1 : s.gN;
  // A sensor that usually loses readings at random varies by chance: its bounds leave room for
  // that (3 and 1.5 binomial standard deviations of the window's completeness).
  const sd = Math.sqrt((normal * (1 - normal)) / expected);
  const raiseBelow = Math.min(th.gapCompleteness * normal, normal - 3 * sd);
  const clearFrom = Math.min(th.gapClearCompleteness * normal, normal - 1.5 * sd);
  // Completeness informs (advisory): missing readings say nothing about the values that came.
  if (completeness < raiseBelow) {
    // an episode is MEDIUM, chronic loss LOW: both advisory (isReportedReason tells them apart)
    raise(s, K_GAP, SEV_MEDIUM, active ? (s.rs[K_GAP] as number) : from * bMs, true);
    s.rf[K_GAP] |= RF_EPISODE;
  } else if (active && completeness >= clearFrom) {
    clear(s, K_GAP, ts);
    s.rf[K_GAP] &= ~RF_EPISODE;
  } else if (!active && normal < th.gapCompleteness) raise(s, K_GAP, SEV_LOW, from * bMs, true);
  else if (s.ra[K_GAP] > 0 && !active && normal >= th.gapClearCompleteness) clear(s, K_GAP, ts);
  if (s.ra[K_GAP] > 0) {
    const e = K_GAP * EV;
    s.e[e] = received;
    s.e[e + 1] = expected;
    s.e[e + 2] = k * bMs;
  }
}

/**
 * DRIFT evidence in event time: the value joins the sum of its window (driftWindowMinutes),
 * unless that window was judged already or has left the ring. Sums are order-independent, so
 * parallel uploaders, bursts and imports fill a window the same way. Values of a sensor that is
 * out of range or stuck say nothing about drift and stay out.
 */
function addToWindow(s: TrustState, th: TrustThresholds, ts: number, x: number): void {
  if (s.n <= th.warmupReadings || s.ra[K_OOR] > 0 || s.ra[K_STUCK] > 0) return;
  const w = Math.floor(ts / (th.driftWindowMinutes * 60_000));
  if (w <= s.dJ) return;
  if (w > s.wB) {
    for (let j = Math.max(s.wB + 1, w - DRIFT_WINDOWS + 1); j <= w; j++) {
      s.wS[j % DRIFT_WINDOWS] = 0;
      s.wC[j % DRIFT_WINDOWS] = 0;
    }
    s.wB = w;
  } else if (w <= s.wB - DRIFT_WINDOWS) return;
  const i = w % DRIFT_WINDOWS;
  s.wS[i] = (s.wS[i] ?? 0) + x;
  s.wC[i] = (s.wC[i] ?? 0) + 1;
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

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The learned usual longest run, decayed by the event time since it was learned. */
function usualRun(th: TrustThresholds, s: TrustState, ts: number): number {
  if (s.rN <= 0) return 0;
  const age = ts - s.rNt;
  return age <= 0 ? s.rN : s.rN * Math.exp(-age / (th.stuckUsualRunDays * DAY_MS));
}

/**
 * The sensor's usual variation at this hour of day: the mean short-term |Δ| (`fd`) each UTC
 * hour of event time showed on earlier days, so an hour that is busy every day (a room that
 * fills every morning) is judged against that. Returns the larger of this hour's and the next
 * one's (0 if none yet; never the hour just finished, so a fault cannot teach itself), and
 * closes the hour just finished: an hour without NOISE (nor NOISE in the hour after it) updates
 * its slot as a maximum that decays by noiseDailyDecay a day; one with NOISE only moves it an eighth of the way, so a
 * sensor that became noisier for good is absorbed over a week or so instead of being flagged
 * for ever, while a new fault is flagged.
 */
function usualVariation(th: TrustThresholds, s: TrustState, ts: number, base: number): number {
  const hour = Math.floor(ts / HOUR_MS);
  if (hour !== s.nHb) {
    if (s.nHb >= 0 && s.nHc >= th.noiseHourMinReadings && s.nHs >= 0) {
      const mean = s.nHs / s.nHc;
      if (s.nHz === 0) {
        // A quiet hour is learned only once the next one has passed quietly too: the first
        // hour of a fault, before NOISE was confirmed, must not become its normal.
        if (s.nHq >= 0 && s.nHq === s.nHb - 1) learnHour(th, s, s.nHq, s.nHp);
        s.nHq = s.nHb;
        s.nHp = mean;
      } else {
        const slot = s.nHb % DAY_HOURS;
        const prev = s.nH[slot] ?? 0;
        const from = prev > 0 ? prev : base;
        s.nH[slot] = round4(from + (mean - from) / 8);
        s.nHq = -1;
        // kept for the episode: learned if it clears within noiseEpisodeHours (endNoiseEpisode)
        if (s.ra[K_NOISE] > 0 && mean > (s.nX[slot] ?? 0)) s.nX[slot] = round4(mean);
      }
    } else if (s.nHz !== 0) s.nHq = -1;
    s.nHb = hour;
    s.nHs = -1;
    s.nHc = 0;
    s.nHz = 0;
  }
  const slot = hour % DAY_HOURS;
  const a = s.nH[slot] ?? 0;
  const b = s.nH[(slot + 1) % DAY_HOURS] ?? 0;
  return a > b ? a : b;
}

/**
 * NOISE clears. An episode that lasted at most noiseEpisodeHours teaches the hours of day it
 * covered (and the hour under way) their usual variation, as quiet hours do: roughness that comes
 * and goes with the time of day (a humidifier every night) is then not NOISE at that time the
 * next day. A sensor that stays noisy longer teaches nothing here (its hours move an eighth a day).
 */
function endNoiseEpisode(th: TrustThresholds, s: TrustState, ts: number): void {
  const since = s.rs[K_NOISE];
  if (since !== null && ts - since <= th.noiseEpisodeHours * HOUR_MS) {
    if (s.nHc >= th.noiseHourMinReadings && s.nHs >= 0) {
      const slot = s.nHb % DAY_HOURS;
      const mean = s.nHs / s.nHc;
      if (mean > (s.nX[slot] ?? 0)) s.nX[slot] = round4(mean);
    }
    for (let slot = 0; slot < DAY_HOURS; slot++) {
      const x = s.nX[slot] ?? 0;
      if (x > (s.nH[slot] ?? 0)) s.nH[slot] = x;
    }
  }
  s.nX.fill(0);
  clear(s, K_NOISE, ts);
}

/** Learns a quiet hour's mean |Δ| into its slot: a maximum that decays by noiseDailyDecay a day. */
function learnHour(th: TrustThresholds, s: TrustState, hour: number, mean: number): void {
  const slot = hour % DAY_HOURS;
  const kept = (s.nH[slot] ?? 0) * th.noiseDailyDecay;
  s.nH[slot] = round4(mean > kept ? mean : kept);
}

/** Four significant digits: keeps the stored state small. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
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

/** One reading. Returns nothing; evidence, reasons and status are updated in `s`. */
function step(
  s: TrustState,
  p: SensorProfile,
  th: TrustThresholds,
  ts: number,
  x: number,
  now: number,
  expMs: number,
  points: TrustPointData[],
): void {
  let good = 1;
  let extraBad = 0;
  let clockHit = false;
  if (ts - now > th.clockFutureSeconds * 1000) {
    clockEvent(s, 1, ts - now, ts);
    clockHit = true;
  }
  if (s.lastTs !== null && ts <= s.lastTs) {
    // Late or duplicate: counted, never fed to value statistics — but it is an arrival, so it
    // counts toward completeness and keeps the sensor from looking OFFLINE.
    // Batches may commit out of order (parallel uploaders): only a reading later than the
    // lateness bound (and than clockLateIntervals intervals) is clock evidence.
    s.late++;
    const lateness = s.lastTs - ts;
    const bound = th.latenessSeconds * 1000;
    if (lateness > th.clockLateIntervals * expMs && lateness > bound) clockEvent(s, 2, lateness, ts);
    if (lateness > 0) {
      const t = ts > now ? now : ts;
      if (s.seenTs === null || t > s.seenTs) s.seenTs = t;
      countArrival(s, th, t, expMs);
      // within the lateness bound, its DRIFT window may still be open (judged once the watermark passes it)
      if (lateness <= bound && (p.minValue === null || x >= p.minValue) && (p.maxValue === null || x <= p.maxValue))
        addToWindow(s, th, ts, x);
      // It split the last gap between in-order readings, which the observed interval counted
      // whole: a reading closer than the interval to the newest takes that step back and one
      // more, so out-of-order delivery (parallel uploaders) does not read as a slower interval.
      if (lateness < s.ivl) s.ivl -= (2 * s.ivl) / 32;
    }
    if (s.ra[K_OFFLINE] > 0) {
      clear(s, K_OFFLINE, ts);
      s.offAt = null;
    }
    settle(s, th, s.lastTs, points, false);
    return;
  }
  const t = ts > now ? now : ts;
  // GAP is judged from the first reading of the current reporting run: a silence longer than a
  // completeness bucket is OFFLINE's business, and GAP starts over after it.
  if (s.lastTs === null || ts - s.lastTs > th.gapBucketIntervals * expMs) s.firstTs = ts;
  const hbMs = p.heartbeatSeconds ? p.heartbeatSeconds * 1000 : 0;
  const prevTs = s.lastTs;
  if (s.lastTs === null) s.ivl = expMs;
  else {
    const delta = ts - s.lastTs;
    // Observed interval: a running median of the gaps (robust to lost readings below 50 %).
    s.ivl += ((delta > s.ivl ? 1 : delta < s.ivl ? -1 : 0) * s.ivl) / 32;
    if (s.ivl < 1) s.ivl = 1;
    const r = delta / expMs;
    // Report-by-exception sensors (heartbeat) have no schedule to be regular about.
    if (r < 10 && hbMs === 0) {
      const k = r < 1.5 ? 1 : Math.round(r);
      let off = Math.abs(r - k);
      if (s.n > 64) {
        // …or on the interval it is observed to keep (a sensor sending every 10 s, configured 60 s)
        const ro = delta / s.ivl;
        const offObs = Math.abs(ro - (ro < 1.5 ? 1 : Math.round(ro)));
        if (offObs < off) off = offObs;
      }
      if (off > 0.5) off = 0.5;
      s.irr += (off - s.irr) / 32;
      // its own normal jitter, learned while CLOCK is not raised
      if (s.ra[K_CLOCK] === 0 || (s.rf[K_CLOCK] & RF_ADVISORY) !== 0)
        s.irrN += (off - s.irrN) / (s.n < 512 ? s.n : 512);
    }
    // usual silences (in intervals), decaying: a radio that loses a few in a row is not OFFLINE
    s.gm *= 0.998;
    if (r > 1.5 && r <= th.offlineLearnMaxIntervals && r > s.gm) s.gm = r;
  }
  s.lastTs = ts;
  // Live when it arrives within its interval (or the lateness bound) of its timestamp; history
  // otherwise. A sensor whose newest data arrived as history is OFFLINE without a ticket.
  s.live = now - ts <= Math.max(expMs, th.latenessSeconds * 1000) ? 1 : 0;
  if (s.seenTs === null || t > s.seenTs) s.seenTs = t;
  countArrival(s, th, t, expMs);
  // A report-by-exception sensor has no schedule to miss readings of: its silences are judged
  // against its heartbeat (OFFLINE), not as GAP.
  if (hbMs === 0) judgeGap(s, th, expMs, ts);
  else if (s.ra[K_GAP] > 0) {
    clear(s, K_GAP, ts);
    s.rf[K_GAP] &= ~RF_EPISODE;
  }
  const n = ++s.n;
  const warm = n > th.warmupReadings;
  if (s.ra[K_OFFLINE] > 0) {
    clear(s, K_OFFLINE, ts);
    s.offAt = null;
  }
  const irrLimit = Math.max(th.clockIrregularity, s.irrN + th.clockIrregularityMargin);
  const clockAdvisory = s.ra[K_CLOCK] > 0 && (s.rf[K_CLOCK] & RF_ADVISORY) !== 0;
  if (warm && hbMs === 0 && s.irr > irrLimit) {
    clockEvent(s, 3, s.irr, ts);
    clockHit = true;
  } else if (!clockHit && s.ra[K_CLOCK] > 0 && !clockAdvisory && ++s.rc[K_CLOCK] >= th.clockClearReadings)
    clear(s, K_CLOCK, ts);
  // A sensor that steadily reports at another interval than configured: a LOW advisory naming it.
  if (!clockHit && (s.ra[K_CLOCK] === 0 || clockAdvisory) && hbMs === 0) {
    if (n > 4 * th.warmupReadings && otherInterval(s, th, expMs)) {
      raise(s, K_CLOCK, SEV_LOW, ts, true);
      const e = K_CLOCK * EV;
      s.e[e] = 4;
      s.e[e + 1] = s.ivl;
      s.e[e + 2] = 0;
    } else if (clockAdvisory && !otherInterval(s, th, expMs, 0.1)) clear(s, K_CLOCK, ts);
  }

  // OUT_OF_RANGE: flagged on the first such reading; the value is kept out of every statistic.
  const lo = p.minValue;
  const hi = p.maxValue;
  if ((lo !== null && x < lo) || (hi !== null && x > hi)) {
    const e = K_OOR * EV;
    const count = (s.ra[K_OOR] === 0 ? 0 : (s.e[e + 2] ?? 0)) + 1;
    s.e[e] = x;
    s.e[e + 1] = hi !== null && x > hi ? hi : (lo as number);
    s.e[e + 2] = count;
    raise(s, K_OOR, count >= 10 ? SEV_CRITICAL : SEV_HIGH, ts);
    addEvidence(s, th, 0, severityWeight(th, maxSeverity(s)));
    settle(s, th, ts, points, true);
    return;
  }
  if (s.ra[K_OOR] > 0 && ++s.rc[K_OOR] >= th.oorClearReadings) clear(s, K_OOR, ts);

  if (n === 1) {
    s.prev = x;
    s.runTs = ts;
  }
  s.buf[s.bi] = x;
  s.bi = (s.bi + 1) & (BUF - 1);
  if (n >= BUF && (n & 3) === 0) recomputeMedian(s, (n & 15) === 0);

  // SPIKE: far from the local median, then back on the next reading.
  // Quantisation step: the smallest change seen between consecutive readings.
  if (n > 1) {
    const ch = x - s.prev;
    const ach = ch < 0 ? -ch : ch;
    if (ach > 1e-9 * (x < 0 ? (x < -1 ? -x : 1) : x > 1 ? x : 1) && (s.qz === 0 || ach < s.qz)) s.qz = ach;
  }
  // A quantised sensor cannot resolve less than its step: dithering by one step is no spike.
  const floor = th.scaleFloor > s.qz / 2 ? th.scaleFloor : s.qz / 2;
  const madSigma = 1.4826 * s.mad;
  // its usual short-term change: now, and at this hour of day on earlier days (sun on an outdoor sensor at noon)
  const hourSlot = Math.floor(ts / HOUR_MS) % DAY_HOURS;
  const hourly = Math.max(s.nH[hourSlot] ?? 0, s.nH[(hourSlot + 1) % DAY_HOURS] ?? 0);
  const diffSigma = 0.886 * (s.md > hourly ? s.md : hourly);
  const sigma = madSigma > diffSigma ? (madSigma > floor ? madSigma : floor) : diffSigma > floor ? diffSigma : floor;
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
      extraBad = th.weightLow;
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
  if (warm && adev > th.spikeK * sigma && (jump < 0 ? -jump : jump) > th.spikeK * sigma) {
    s.pend = 1;
    s.pendTs = ts;
    s.pendVal = x;
    s.pendDev = dev;
    addEvidence(s, th, 0, severityWeight(th, maxSeverity(s)) + extraBad);
    settle(s, th, ts, points, true);
    return;
  }

  // Differences between accepted readings drive STUCK and NOISE.
  const d = x - s.prev;
  const ad = d < 0 ? -d : d;
  s.prev = x;
  addToWindow(s, th, ts, x);
  const flat = n > 1 && ad <= 1e-9 * (x < 0 ? (x < -1 ? -x : 1) : x > 1 ? x : 1);
  // A report-by-exception sensor repeats its value at heartbeat spacing: that is "unchanged",
  // not stuck, so such repeats neither extend nor break a run.
  const heartbeatRepeat = flat && hbMs > 0 && prevTs !== null && ts - prevTs >= hbMs / 2;
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
      const r = usualRun(th, s, ts);
      s.rN = s.run > r ? s.run : r;
      s.rNt = ts;
    }
    s.run = 1;
    s.runTs = ts;
  }
  const longRun = s.run > 1 && 2 * s.run > s.runNeed;
  if (n > 1 && s.ra[K_STUCK] === 0 && !longRun) {
    s.p0 += ((flat ? 1 : 0) - s.p0) / (n < 256 ? n - 1 : 256);
  }
  if (warm && s.run >= s.runNeed && s.run > 1) {
    raise(s, K_STUCK, SEV_HIGH, s.runTs);
    const e = K_STUCK * EV;
    s.e[e] = x;
    s.e[e + 1] = s.run;
    s.e[e + 2] = ts - s.runTs;
  } else if (s.ra[K_STUCK] > 0 && s.run === 1 && ++s.rc[K_STUCK] >= th.stuckClearReadings) clear(s, K_STUCK, ts);

  if (n > 1) {
    if (!warm) {
      s.md += (ad - s.md) / (n - 1);
      s.fd = s.md;
    } else {
      const base = s.md > floor ? s.md : floor;
      // Judged against the larger of its slow baseline and its usual variation at this time of
      // day (this hour and its neighbours, learned on earlier days): a room that is busy every
      // morning is not NOISE every morning.
      const usual = usualVariation(th, s, ts, base);
      const ref = usual > base ? usual : base;
      s.fd += ((ad < 8 * ref ? ad : 8 * ref) - s.fd) / 16;
      s.nHs = (s.nHs < 0 ? 0 : s.nHs) + s.fd;
      s.nHc++;
      if (s.ra[K_NOISE] > 0) s.nHz = 1;
      const ratio = s.fd / ref;
      if (ratio > th.noiseRatio) {
        if (s.nzRun++ === 0) s.nzTs = ts;
        if (s.nzRun >= th.noiseConfirmReadings)
          raise(s, K_NOISE, ratio > 2 * th.noiseRatio ? SEV_HIGH : SEV_MEDIUM, s.nzTs);
      } else {
        // a dip below the threshold does not restart the count; only a return to normal does
        if (ratio < th.noiseClearRatio) s.nzRun = 0;
        if (s.ra[K_NOISE] > 0) {
          if (ratio >= th.noiseClearRatio) s.rc[K_NOISE] = 0;
          else if (++s.rc[K_NOISE] >= th.noiseClearReadings) endNoiseEpisode(th, s, ts);
        }
      }
      if (s.ra[K_NOISE] > 0) {
        const e = K_NOISE * EV;
        s.e[e] = ratio;
        s.e[e + 1] = s.fd;
        s.e[e + 2] = base;
      } else if (s.fd < 1.5 * base && !longRun) {
        s.md += ((ad < 3 * base ? ad : 3 * base) - s.md) / 512;
      }
    }
  }
  if (s.ra[K_STUCK] > 0 || s.ra[K_NOISE] > 0 || s.ra[K_DRIFT] > 0) good = 0;
  const sev = maxSeverity(s);
  addEvidence(s, th, good, severityWeight(th, sev) + extraBad);
  // A clean reading with no reason active also forgives past bad evidence (cleanDecay): a fault
  // that has cleared is forgotten in tens of readings, not the hundreds aging alone would take.
  if (good === 1 && sev === 0 && extraBad === 0) s.b *= th.cleanDecay;
  settle(s, th, ts, points, true);
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
  for (const r of readings) {
    // Non-finite input cannot be judged and must never reach the persisted state.
    if (!Number.isFinite(r.ts) || !Number.isFinite(r.value)) continue;
    step(s, profile, th, r.ts, r.value, r.receivedAt ?? now, expMs, points);
    onStep?.(s, r.ts, points);
  }
  return { state: s, verdict: buildVerdict(s), points, changed: signature(s) !== before };
}
