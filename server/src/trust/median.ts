// The median of a sorted array, one index left out: a sensor against its peers, without copying.

/** Median of `sorted` with index `skip` left out (skip = -1: none). */
export function medianOf(sorted: number[], skip: number): number {
  const n = skip < 0 ? sorted.length : sorted.length - 1;
  const at = (i: number) => {
    const v = sorted[skip < 0 || i < skip ? i : i + 1];
    if (v === undefined) throw new RangeError(`median of ${n} values has no index ${i}`);
    return v;
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}
