// Three simple detectors computed on the same series as the engine, each flagging readings
// on its own (no memory beyond its trailing window, no reasons):
// - range: the value outside the profile's plausible range;
// - robust z: the value against the sensor's own trailing 24 h median/MAD;
// - peer difference: value minus the median of the peers' latest values, against the trailing
//   24 h median/MAD of that same difference.
// Trailing statistics are refreshed every `refreshMs` of event time (default 1 h).
import type { BenchCase, BenchSeries } from './santander.js';
import type { CaseFlags, SeriesFlags } from './score.js';

export interface BaselineOptions {
  minValue: number;
  maxValue: number;
  /** robust sigmas (1.4826·MAD) that flag; default 3.5 (Iglewicz–Hoaglin) */
  k?: number;
  windowMs?: number;
  refreshMs?: number;
  /** smallest robust sigma (°C): the sensor's resolution; default 0.1 */
  sigmaFloor?: number;
  /** a peer's latest value counts for this long; default 15 min */
  peerFreshMs?: number;
  /** readings the trailing window needs before judging; default 12 */
  minHistory?: number;
}

export type Baseline = (c: BenchCase, o: BaselineOptions) => CaseFlags;

function medianOf(xs: Float64Array): number {
  xs.sort();
  const m = xs.length >> 1;
  return xs.length % 2 ? (xs[m] ?? 0) : ((xs[m - 1] ?? 0) + (xs[m] ?? 0)) / 2;
}

/** Flags x[i] when it is more than k robust sigmas from the median of x over (ts−window, ts). */
function trailingRobust(ts: number[], x: Float64Array, o: BaselineOptions): Uint8Array {
  const k = o.k ?? 3.5;
  const windowMs = o.windowMs ?? 24 * 3_600_000;
  const refresh = o.refreshMs ?? 60 * 60_000;
  const floor = o.sigmaFloor ?? 0.1;
  const minHistory = o.minHistory ?? 12;
  const out = new Uint8Array(ts.length);
  let lo = 0;
  let at = -Infinity;
  let med = 0;
  let sigma = 0;
  let ok = false;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] ?? 0;
    while ((ts[lo] ?? 0) <= t - windowMs) lo++;
    if (t - at >= refresh) {
      at = t;
      const vals: number[] = [];
      for (let j = lo; j < i; j++) if (Number.isFinite(x[j])) vals.push(x[j] ?? 0);
      ok = vals.length >= minHistory;
      if (ok) {
        const w = Float64Array.from(vals);
        med = medianOf(w);
        for (let j = 0; j < w.length; j++) w[j] = Math.abs((w[j] ?? 0) - med);
        sigma = Math.max(floor, 1.4826 * medianOf(w));
      }
    }
    const v = x[i] ?? NaN;
    if (ok && Number.isFinite(v) && Math.abs(v - med) > k * sigma) out[i] = 1;
  }
  return out;
}

const everySeries = (c: BenchCase): BenchSeries[] => [c.faulty, ...c.peers];
const asFlags = (all: Uint8Array[]): CaseFlags => ({
  faulty: { flagged: all[0] ?? new Uint8Array() },
  peers: all.slice(1).map((flagged): SeriesFlags => ({ flagged })),
});

export const rangeRule: Baseline = (c, o) =>
  asFlags(everySeries(c).map((s) => Uint8Array.from(s.value, (v) => (v < o.minValue || v > o.maxValue ? 1 : 0))));

const zCache = new WeakMap<BenchSeries, Uint8Array>();
export const robustZ: Baseline = (c, o) =>
  asFlags(
    everySeries(c).map((s) => {
      const hit = zCache.get(s);
      if (hit) return hit;
      const f = trailingRobust(s.ts, Float64Array.from(s.value), o);
      zCache.set(s, f);
      return f;
    }),
  );

/** Value minus the median of the other series' latest values (NaN with fewer than 3 fresh peers). */
function peerDifference(s: BenchSeries, others: BenchSeries[], freshMs: number): Float64Array {
  const pos = others.map(() => -1);
  const d = new Float64Array(s.ts.length);
  const vals: number[] = [];
  for (let i = 0; i < s.ts.length; i++) {
    const t = s.ts[i] ?? 0;
    vals.length = 0;
    others.forEach((p, k) => {
      let j = pos[k] ?? -1;
      while ((p.ts[j + 1] ?? Infinity) <= t) j++;
      pos[k] = j;
      if (j >= 0 && t - (p.ts[j] ?? 0) <= freshMs) vals.push(p.value[j] ?? 0);
    });
    d[i] = vals.length >= 3 ? (s.value[i] ?? 0) - medianOf(Float64Array.from(vals)) : NaN;
  }
  return d;
}

export const peerDiff: Baseline = (c, o) => {
  const all = everySeries(c);
  return asFlags(
    all.map((s) => {
      const d = peerDifference(
        s,
        all.filter((x) => x !== s),
        o.peerFreshMs ?? 15 * 60_000,
      );
      return trailingRobust(s.ts, d, o);
    }),
  );
};

export const BASELINES: { name: string; run: Baseline }[] = [
  { name: 'range rule', run: rangeRule },
  { name: 'robust z (24 h)', run: robustZ },
  { name: 'peer difference', run: peerDiff },
];
