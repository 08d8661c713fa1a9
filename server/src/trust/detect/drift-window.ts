// DRIFT's input: per-window sums of the values, judged later against the peers (sweep.ts).
import type { TrustThresholds } from '../config.js';
import { DRIFT_WINDOWS, K_OOR, K_STUCK, type TrustState } from '../state.js';
import { round4, type Reading } from './reading.js';

/**
 * DRIFT evidence in event time: the value joins the sum of its window (driftWindowMinutes),
 * unless that window was judged already or has left the ring. Sums are order-independent, so
 * parallel uploaders, bursts and imports fill a window the same way. Values of a sensor that is
 * out of range or stuck say nothing about drift and stay out.
 */
export function addToWindow(s: TrustState, th: TrustThresholds, ts: number, x: number): number {
  if (s.n <= th.warmupReadings || s.ra[K_OOR] > 0 || s.ra[K_STUCK] > 0) return -1;
  const w = Math.floor(ts / (th.driftWindowMinutes * 60_000));
  if (w <= s.dJ) return -1;
  if (w > s.wB) {
    for (let j = Math.max(s.wB + 1, w - DRIFT_WINDOWS + 1); j <= w; j++) {
      s.wS[j % DRIFT_WINDOWS] = 0;
      s.wC[j % DRIFT_WINDOWS] = 0;
      s.wZ[j % DRIFT_WINDOWS] = 0;
      s.wZc[j % DRIFT_WINDOWS] = 0;
    }
    s.wB = w;
  } else if (w <= s.wB - DRIFT_WINDOWS) return -1;
  const i = w % DRIFT_WINDOWS;
  s.wS[i] = (s.wS[i] ?? 0) + x;
  s.wC[i] = (s.wC[i] ?? 0) + 1;
  return i;
}

/**
 * DRIFT on an accepted reading: collected into its window (judged when the window closes).
 * Its zig-zag joins the window too (NOISE against the peers, judged with the same windows):
 * min(|Δ|, |previous Δ|) when the value went one way and came back (0 otherwise), so a
 * trend or a step (sunrise, a cloud's shadow) adds little, and jumping up and down adds
 * its size. Only in-order readings, each against the accepted reading before it (after a
 * silence of more than two intervals the changes start over), so the sums do not depend on
 * how the readings were batched.
 */
export function collectDrift(s: TrustState, r: Reading): boolean {
  const i = addToWindow(s, r.th, r.ts, r.x);
  const fresh = r.n > 1 && r.prevTs !== null && r.ts - r.prevTs <= 3 * r.expMs;
  const d = fresh ? r.x - s.prev : 0;
  if (i >= 0) {
    const zz = d * s.zD < 0 ? Math.min(Math.abs(d), Math.abs(s.zD)) : 0;
    // rounded (persisted); in-order readings add in the same order however they were batched
    s.wZ[i] = round4((s.wZ[i] ?? 0) + zz);
    s.wZc[i] = (s.wZc[i] ?? 0) + 1;
  }
  s.zD = round4(d);
  return false;
}
