// DRIFT's input: per-window sums of the values, judged later against the peers (sweep.ts).
import type { TrustThresholds } from '../config.js';
import { DRIFT_WINDOWS, K_OOR, K_STUCK, type TrustState } from '../state.js';
import type { Reading } from './reading.js';

/**
 * DRIFT evidence in event time: the value joins the sum of its window (driftWindowMinutes),
 * unless that window was judged already or has left the ring. Sums are order-independent, so
 * parallel uploaders, bursts and imports fill a window the same way. Values of a sensor that is
 * out of range or stuck say nothing about drift and stay out.
 */
export function addToWindow(s: TrustState, th: TrustThresholds, ts: number, x: number): void {
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

/** DRIFT on an accepted reading: collected into its window (judged when the window closes). */
export function collectDrift(s: TrustState, r: Reading): boolean {
  addToWindow(s, r.th, r.ts, r.x);
  return false;
}
