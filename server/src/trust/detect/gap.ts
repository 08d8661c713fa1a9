// GAP: completeness in event time, against the sensor's own learned normal. Advisory: missing
// readings say nothing about the values that came.
import type { TrustThresholds } from '../config.js';
import { EV, GAP_BUCKETS, K_GAP, RF_EPISODE, SEV_LOW, SEV_MEDIUM, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import type { Reading } from './reading.js';

/** Counts an arrival (at event time t, capped at its arrival) into its completeness bucket. */
export function countArrival(s: TrustState, th: TrustThresholds, t: number, expMs: number): void {
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
 * GAP on an in-order reading. A report-by-exception sensor has no schedule to miss readings
 * of: its silences are judged against its heartbeat (OFFLINE), not as GAP.
 */
export function detectGap(s: TrustState, r: Reading): boolean {
  if (r.hbMs === 0) judgeGap(s, r.th, r.expMs, r.ts);
  else if (s.ra[K_GAP] > 0) {
    clear(s, K_GAP, r.ts);
    s.rf[K_GAP] &= ~RF_EPISODE;
  }
  return false;
}
