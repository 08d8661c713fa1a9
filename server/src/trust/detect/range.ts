// OUT_OF_RANGE: outside the sensor's registered limits.
import { EV, K_OOR, SEV_CRITICAL, SEV_HIGH, type TrustState } from '../state.js';
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
    raise(s, K_OOR, count >= 10 ? SEV_CRITICAL : SEV_HIGH, r.ts);
    return true;
  }
  if (s.ra[K_OOR] > 0 && ++s.rc[K_OOR] >= r.th.oorClearReadings) clear(s, K_OOR, r.ts);
  return false;
}
