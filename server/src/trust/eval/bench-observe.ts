import { observe, initialTrustState, DEFAULT_TRUST_CONFIG, type SensorProfile } from '../index.js';
import { createRng } from './prng.js';
const p: SensorProfile = { id: 's1', kind: 'temperature', unit: '°C', zoneId: 'z', minValue: -40, maxValue: 85, expectedIntervalSeconds: 60 };
const rng = createRng(1);
const t0 = 1_700_000_000_000;
const rs = [];
for (let i = 0; i < 1_000_000; i++) rs.push({ ts: t0 + i * 60000, value: 21 + 2 * Math.sin(i / 240) + 0.1 * rng.gauss() });
const batches1 = rs.map(r => [r]);
const batches100 = []; for (let i = 0; i < rs.length; i += 100) batches100.push(rs.slice(i, i + 100));
for (let rep = 0; rep < 3; rep++)
for (const [name, bs] of [['1', batches1], ['100', batches100]] as const) {
  // 100 sensors round-robin to be realistic about cache/state shapes
  const states = Array.from({ length: 100 }, () => JSON.parse(JSON.stringify(initialTrustState())));
  const t = performance.now();
  for (let i = 0; i < bs.length; i++) observe(states[i % 100], p, bs[i], bs[i][0].ts, DEFAULT_TRUST_CONFIG);
  console.log('batch', name, ((performance.now() - t) * 1e6 / rs.length).toFixed(0), 'ns/reading');
}
