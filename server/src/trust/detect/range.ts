// OUT_OF_RANGE: outside the sensor's registered limits.
import { EV, K_OOR, RF_REPEATED, SEV_CRITICAL, SEV_HIGH, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import type { Reading } from './reading.js';

/** Flagged on the first such reading; the value is kept out of every statistic (the reading ends here). */
export function detectOutOfRange(s: TrustState, r: Reading): boolean {
  const { x } = r;
  const lo = r.p.minValue;
  const hi = r.p.maxValue;
  if ((lo !== null && x < lo) || (hi !== null && x > hi)) {
    const e = K_OOR * EV;
    const count = (s.ra[K_OOR] === 0 ? 0 : (s.e[e + 2] ?? 0)) + 1;
    s.e[e] = x;
    s.e[e + 1] = hi !== null && x > hi ? hi : (lo as number);
    s.e[e + 2] = count;
    // Out again after coming back in range, within spikeWindowReadings of the last excursion:
    // the sensor keeps producing impossible values (an episode), not one bad stretch.
    const repeated = r.n - s.oN > 1 && r.n - s.oN <= r.th.spikeWindowReadings;
    raise(s, K_OOR, count >= 10 ? SEV_CRITICAL : SEV_HIGH, r.ts);
    if (repeated) s.rf[K_OOR] |= RF_REPEATED;
    s.oN = r.n;
    return true;
  }
  if (s.ra[K_OOR] > 0) {
    // One excursion (one reading, or one stretch) ends when the values are back in range: it
    // taints those readings, not the sensor. Repeated excursions hold oorClearReadings.
    const single = (s.rf[K_OOR] & RF_REPEATED) === 0;
    if (single || ++s.rc[K_OOR] >= r.th.oorClearReadings) clear(s, K_OOR, r.ts);
  }
  return false;
}
