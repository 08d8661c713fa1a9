// Local median and MAD of the 16-value ring, by quickselect into module-level scratch space
// (no allocation per call; the scratch holds nothing between calls, so the engine stays pure).
import { BUF, type TrustState } from './state.js';

const scratch = new Float64Array(BUF);

/**
 * Mean of the two middle values of scratch[0..BUF) — partially reorders scratch (quickselect).
 * Every index below stays within [lo, hi] ⊆ [0, BUF) (Hoare partitioning stops at the pivot),
 * and scratch has exactly BUF slots: the `!` reads are in range.
 */
function middle(): number {
  const k = BUF / 2 - 1;
  let lo = 0;
  let hi = BUF - 1;
  while (lo < hi) {
    const pivot = scratch[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (scratch[i]! < pivot) i++;
      while (scratch[j]! > pivot) j--;
      if (i <= j) {
        const t = scratch[i]!;
        scratch[i] = scratch[j]!;
        scratch[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  // scratch[k] is the k-th smallest; the (k+1)-th is the smallest of what lies above it.
  let next = Infinity;
  for (let i = k + 1; i < BUF; i++) if (scratch[i]! < next) next = scratch[i]!;
  return (scratch[k]! + next) / 2;
}

/** Local median every 4 readings; the MAD (a scale, which moves slowly) every 16. */
export function recomputeMedian(s: TrustState, withMad: boolean): void {
  // restoreTrustState checks that buf holds exactly BUF values: the `!` reads are in range.
  const buf = s.buf;
  scratch.set(buf);
  const med = middle();
  s.med = med;
  if (!withMad) return;
  for (let i = 0; i < BUF; i++) {
    const d = buf[i]! - med;
    scratch[i] = d < 0 ? -d : d;
  }
  s.mad = middle();
}
