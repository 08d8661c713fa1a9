// NOISE against the zone's peers, in event time: judged in sweep.ts on the same closed windows
// as DRIFT, from the zig-zag sums collectDrift keeps (drift-window.ts).
import type { TrustThresholds } from '../config.js';
import { DRIFT_WINDOWS, EV, K_NOISE, SEV_HIGH, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import { medianOf } from '../median.js';
import { round4 } from './reading.js';

/** The usual ratio's running median moves by this fraction of itself per window (at least of USUAL_MIN). */
const USUAL_STEP = 0.02;
const USUAL_MIN = 0.05;
/** Windows the usual ratio has learned from, counted up to this (0: none yet). */
const USUAL_WINDOWS = 288;

export interface NoiseMember {
  s: TrustState;
  th: TrustThresholds;
}

/**
 * The sensor's mean zig-zag per reading over windows j-k+1..j of its ring, or -1 when those
 * windows have left the ring or hold fewer than k+1 readings (at least 4).
 */
export function spanZigzag(s: TrustState, j: number, k: number): number {
  if (j - k + 1 <= s.wB - DRIFT_WINDOWS) return -1;
  let sum = 0;
  let n = 0;
  for (let w = j - k + 1; w <= j; w++) {
    if (w > s.wB) continue;
    const i = ((w % DRIFT_WINDOWS) + DRIFT_WINDOWS) % DRIFT_WINDOWS;
    sum += s.wZ[i] ?? 0;
    n += s.wZc[i] ?? 0;
  }
  return n >= Math.max(4, k + 1) ? sum / n : -1;
}

/**
 * Window j (ending at event time `end`) of one zone × kind, for the members that have not
 * judged it yet: each one's zig-zag over its last noisePeerWindows windows against the median
 * of its peers' over the same windows (outdoor sensors see the same weather: gusts and passing
 * clouds shake all of them), with a floor from the sensor's accuracy (noisePeerFloorRatio ×
 * driftMinDelta). Above noisePeerK times that, NOISE (HIGH: the values jump up and down well
 * beyond what any peer does); it clears after noisePeerClearWindows windows below half of it.
 * Only the NOISE this judgement raised (zA) is cleared here; one raised by the sensor's own
 * detector (noise.ts) is left to it. Everything comes from the windows' sums, so the verdict
 * is the same however the readings were batched.
 */
export function judgeNoiseWindow(group: NoiseMember[], j: number, end: number, windowMs: number): void {
  const spans = group.map(({ s, th }) => spanZigzag(s, j, th.noisePeerWindows));
  const judged = spans.filter((p) => p >= 0).sort((a, b) => a - b);
  group.forEach(({ s, th }, m) => {
    if (j <= s.dJ) return;
    const z = spans[m] ?? -1;
    if (z < 0) return;
    // its peers: every member judged on these windows but itself
    if (judged.length < 2 || judged.length - 1 < th.driftMinPeers) return;
    const floor = th.noisePeerFloorRatio * th.driftMinDelta;
    const peerMedian = medianOf(judged, judged.indexOf(z));
    const ref = peerMedian > floor ? peerMedian : floor;
    const ratio = z / ref;
    const usual = th.noisePeerUsualK * s.zN;
    const limit = usual > th.noisePeerK ? usual : th.noisePeerK;
    if (s.zA === 1 && s.ra[K_NOISE] === 0) s.zA = 0;
    if (ratio > limit) {
      s.zQ = 0;
      if (s.ra[K_NOISE] === 0) {
        raise(s, K_NOISE, SEV_HIGH, end - th.noisePeerWindows * windowMs);
        s.zA = 1;
      }
    } else if (s.zA === 1) {
      if (ratio < limit / 2) s.zQ++;
      else s.zQ = 0;
      if (s.zQ >= th.noisePeerClearWindows) {
        s.zA = 0;
        s.zQ = 0;
        // a malfunction's hours teach the sensor's own detector nothing
        s.nX.fill(0);
        clear(s, K_NOISE, end);
        return;
      }
    } else if (s.ra[K_NOISE] === 0) {
      // its usual ratio to the peers: a running median (steps of USUAL_STEP of itself), learned
      // while no NOISE is active; a median, so the noisy spells it did not flag teach it little
      const step = USUAL_STEP * (s.zN > USUAL_MIN ? s.zN : USUAL_MIN);
      if (s.zK === 0) s.zN = round4(ratio < th.noisePeerK / 2 ? ratio : th.noisePeerK / 2);
      else s.zN = round4(ratio > s.zN ? s.zN + step : s.zN - step > 0 ? s.zN - step : 0);
      if (s.zK < USUAL_WINDOWS) s.zK++;
    }
    if (s.zA === 1) {
      const e = K_NOISE * EV;
      s.e[e] = ratio;
      s.e[e + 1] = z;
      s.e[e + 2] = ref;
    }
  });
}
