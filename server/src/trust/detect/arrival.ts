// Arrival bookkeeping (first, before any detector judges values): late readings, the observed
// interval, live or history, completeness counts. An arrival ends OFFLINE.
import { K_OFFLINE, type TrustState } from '../state.js';
import { clear } from '../verdict.js';
import { clockLate, learnTiming } from './clock.js';
import { addToWindow } from './drift-window.js';
import { countArrival } from './gap.js';
import type { Reading } from './reading.js';

/** An arrival ends OFFLINE. */
export function detectOffline(s: TrustState, r: Reading): boolean {
  if (s.ra[K_OFFLINE] > 0) {
    clear(s, K_OFFLINE, r.ts);
    s.offAt = null;
  }
  return false;
}

/**
 * A late or duplicate reading: counted, never fed to value statistics — but it is an arrival,
 * so it counts toward completeness and keeps the sensor from looking OFFLINE.
 */
export function lateArrival(s: TrustState, r: Reading): void {
  const { p, th, ts, x } = r;
  const lateness = (s.lastTs as number) - ts;
  clockLate(s, r, lateness);
  if (lateness > 0) {
    const t = ts > r.now ? r.now : ts;
    if (s.seenTs === null || t > s.seenTs) s.seenTs = t;
    countArrival(s, th, t, r.expMs);
    // within the lateness bound, its DRIFT window may still be open (judged once the watermark passes it)
    const inRange = (p.minValue === null || x >= p.minValue) && (p.maxValue === null || x <= p.maxValue);
    if (lateness <= th.latenessSeconds * 1000 && inRange) addToWindow(s, th, ts, x);
  }
  detectOffline(s, r);
}

/** An in-order reading: its timing is learned and it becomes the newest. */
export function inOrderArrival(s: TrustState, r: Reading): void {
  const { th, ts, expMs } = r;
  const t = ts > r.now ? r.now : ts;
  // GAP is judged from the first reading of the current reporting run: a silence longer than a
  // completeness bucket is OFFLINE's business, and GAP starts over after it.
  if (s.lastTs === null || ts - s.lastTs > th.gapBucketIntervals * expMs) s.firstTs = ts;
  r.prevTs = s.lastTs;
  learnTiming(s, r);
  s.lastTs = ts;
  // Live when it arrives within its interval (or the lateness bound) of its timestamp; history
  // otherwise. A sensor whose newest data arrived as history is OFFLINE without a ticket.
  s.live = r.now - ts <= Math.max(expMs, th.latenessSeconds * 1000) ? 1 : 0;
  if (s.seenTs === null || t > s.seenTs) s.seenTs = t;
  countArrival(s, th, t, expMs);
}
