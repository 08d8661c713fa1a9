import { beforeAll, describe, expect, it } from 'vitest';
import { formatFaultbench, runFaultbench, type DetectorScores } from './run-faultbench.js';
import { loadSantander, santanderAvailable, santanderCases } from './santander.js';

// The Santander benchmark (real outdoor temperature, 16 sensors, injected labelled faults; the
// data lives outside the repository, see santander.ts) through the pure engine and three
// baselines. Figures: `npm run eval:bench`. About 2 min on a quiet machine (the engine replays
// 96 × 16 sensors), more on a busy one.
describe.skipIf(!santanderAvailable())('Santander fault-injection benchmark', () => {
  let results: DetectorScores[] = [];
  beforeAll(() => {
    results = runFaultbench(santanderCases(loadSantander()));
    console.log(formatFaultbench(results));
  }, 900_000);
  const engine = () => results[0]?.kinds ?? [];
  const all = (r: DetectorScores | undefined) => r?.kinds.find((k) => k.kind === 'all');

  it('every injected kind has its events and the engine finds them', () => {
    expect(engine().length).toBe(7);
    for (const k of engine()) {
      expect(k.events, k.kind).toBeGreaterThan(100);
      expect(k.eventRecall, k.kind).toBeGreaterThanOrEqual(RECALL_TARGETS[k.kind] ?? 1);
    }
  });

  it('the engine keeps clean sensors quiet and is precise per reading', () => {
    const e = all(results[0]);
    expect(e?.cleanFlagged).toBeLessThanOrEqual(ENGINE_TARGETS.cleanFlagged);
    expect(e?.rowPrecision).toBeGreaterThanOrEqual(ENGINE_TARGETS.rowPrecision);
    expect(e?.attribution).toBeGreaterThanOrEqual(ENGINE_TARGETS.attribution);
  });

  it('baselines are scored on the same series', () => {
    expect(results.map((r) => r.detector)).toEqual([
      'engine (pure)',
      'range rule',
      'robust z (24 h)',
      'peer difference',
    ]);
    for (const r of results.slice(1)) expect(all(r)?.events).toBe(all(results[0])?.events);
  });
});

/**
 * What the engine holds on this benchmark, a little below the measured figures (see
 * docs/trust-engine.md); of the targets (recall ≥ 0.9 for every kind, ≤ 2 % of clean
 * time flagged, row precision ≥ 0.6) malfunction noise is not met yet. Random spikes stay the
 * lowest in row precision: they come in clusters (about ten in four hours), through which
 * the sensor is DEGRADED.
 */
const RECALL_TARGETS: Record<string, number> = {
  random: 0.97,
  malfunction: 0.7,
  bias: 0.95,
  drift: 0.94,
  polydrift: 0.9,
  mixed: 0.93,
  all: 0.94,
};
const ENGINE_TARGETS = { cleanFlagged: 0.018, rowPrecision: 0.6, attribution: 0.98 };
