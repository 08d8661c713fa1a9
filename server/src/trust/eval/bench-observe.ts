// Quick throughput check of observe() (not a test): `npx tsx server/src/trust/eval/bench-observe.ts`
// 1,000 sensors with their own healthy signals; states start from JSON.parse like the shell's.
// Measures process CPU time (user), so other load on the machine distorts it less than wall time.
import {
  DEFAULT_TRUST_CONFIG,
  initialTrustState,
  observe,
  type ReadingSample,
  type SensorProfile,
  type TrustState,
} from '../index.js';
import { createRng } from './prng.js';

const SENSORS = 1000;
const PER_SENSOR = 1000;
const t0 = Date.UTC(2026, 0, 5);
const rng = createRng(42);
const KINDS = ['temperature', 'humidity', 'co2', 'pressure'] as const;
const profiles: SensorProfile[] = Array.from({ length: SENSORS }, (_, i) => ({
  id: `s${i}`,
  kind: KINDS[i % KINDS.length] ?? 'temperature',
  unit: 'u',
  zoneId: `z${i % 50}`,
  minValue: -1000,
  maxValue: 100_000,
  expectedIntervalSeconds: 60,
}));
const signals: ReadingSample[][] = profiles.map((_, i) => {
  const base = 20 + i;
  return Array.from({ length: PER_SENSOR }, (_, k) => ({
    ts: t0 + k * 60_000 + i * 37,
    value: Math.round((base + 2 * Math.sin(k / 200 + i) + 0.1 * rng.gauss()) * 100) / 100,
  }));
});

for (const batch of [1, 10, 100]) {
  for (let rep = 0; rep < 3; rep++) {
    const sensors = profiles.map((profile, i) => ({
      profile,
      state: structuredClone(initialTrustState()),
      signal: signals[i] ?? [],
    }));
    const calls: [(typeof sensors)[number], ReadingSample[], number][] = [];
    for (let k = 0; k < PER_SENSOR; k += batch)
      for (const sensor of sensors) {
        const rs = sensor.signal.slice(k, k + batch);
        const newest = rs.at(-1);
        if (newest) calls.push([sensor, rs, newest.ts + 2000]);
      }
    const states: TrustState[] = sensors.map((x) => x.state);
    const started = process.cpuUsage().user;
    for (const [{ state, profile }, rs, now] of calls) observe(state, profile, rs, now, DEFAULT_TRUST_CONFIG);
    const ns = ((process.cpuUsage().user - started) * 1e3) / (SENSORS * PER_SENSOR);
    if (rep === 2)
      console.log(
        `batch ${String(batch).padStart(3)}: ${ns.toFixed(0)} ns/reading; state ${JSON.stringify(states[0]).length} bytes`,
      );
  }
}
