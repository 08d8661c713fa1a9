// Seeded signal builders shared by the trust tests (not used by the engine itself).
import { createRng } from './eval/prng.js';
import type { ReadingSample, SensorProfile } from './types.js';

export const T0 = Date.UTC(2026, 0, 5);
export const MIN = 60_000;

export function profileOf(over: Partial<SensorProfile> = {}): SensorProfile {
  return {
    id: 's1',
    kind: 'temperature',
    unit: '°C',
    zoneId: 'z1',
    minValue: -40,
    maxValue: 85,
    expectedIntervalSeconds: 60,
    ...over,
  };
}

export interface SignalOptions {
  seed?: number;
  count: number;
  start?: number;
  intervalMs?: number;
  base?: number;
  amplitude?: number;
  /** period of the slow cycle, in readings */
  period?: number;
  noise?: number;
  quantum?: number;
  /** timestamp jitter as a fraction of the interval */
  jitter?: number;
}

/** A healthy slowly varying noisy signal, optionally quantised. */
export function healthySignal(o: SignalOptions): ReadingSample[] {
  const rng = createRng(o.seed ?? 1);
  const start = o.start ?? T0;
  const iv = o.intervalMs ?? MIN;
  const out: ReadingSample[] = [];
  for (let i = 0; i < o.count; i++) {
    let v =
      (o.base ?? 21) +
      (o.amplitude ?? 2) * Math.sin((2 * Math.PI * i) / (o.period ?? 1440)) +
      (o.noise ?? 0.1) * rng.gauss();
    if (o.quantum) v = Number((Math.round(v / o.quantum) * o.quantum).toFixed(6));
    out.push({ ts: Math.round(start + i * iv + (o.jitter ?? 0.02) * iv * (rng.next() - 0.5)), value: v });
  }
  return out;
}

/** Continue a signal after `prev` with `count` readings produced by `f(i, ts)`. */
export function continueWith(
  prev: ReadingSample[],
  count: number,
  f: (i: number, ts: number) => number,
  intervalMs = MIN,
): ReadingSample[] {
  const last = prev.at(-1)?.ts;
  if (last === undefined) throw new Error('continueWith needs at least one reading to continue');
  return Array.from({ length: count }, (_, i) => {
    const ts = last + (i + 1) * intervalMs;
    return { ts, value: f(i, ts) };
  });
}
