import { beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../types.js';
import { evaluate, formatReport, type EvalReport, type KindReport } from './evaluate.js';
import { runEngineEval } from './run-engine-eval.js';

// Labelled fault injection through the pure engine: a ~280-sensor fleet (14 zones × 4 kinds,
// 6 sensors of each fault kind) over 36 h of event time (≈ 450k readings), swept every 60 s.
// Other seeds: `npx tsx server/src/trust/eval/print-engine-eval.ts 1 2 3`.
const SPEC = { seed: 11, zones: 14, faultsPerKind: 6, realistic: false };

function combine(reports: EvalReport[]): {
  kinds: Map<FaultKind, KindReport[]>;
  healthy: number;
  falsePositives: number;
} {
  const kinds = new Map<FaultKind, KindReport[]>();
  for (const r of reports) for (const k of r.kinds) kinds.set(k.kind, [...(kinds.get(k.kind) ?? []), k]);
  return {
    kinds,
    healthy: reports.reduce((a, r) => a + r.healthy, 0),
    falsePositives: reports.reduce((a, r) => a + r.falsePositives, 0),
  };
}

describe('engine evaluation on generated labelled fleets', () => {
  let runs: ReturnType<typeof runEngineEval>[] = [];
  let total: ReturnType<typeof combine>;
  beforeAll(() => {
    runs = [runEngineEval({ spec: SPEC })];
    total = combine(runs.map((r) => r.report));
  }, 120_000);

  it('prints a readable table', () => {
    const text = formatReport(runs[0]!.report);
    expect(text).toMatch(/^fault\s+n\s+recall\s+attrib/);
    expect(text).toContain('false positives on healthy sensors');
  });

  it('detects every fault kind (recall >= 0.95) and names it (attribution >= 0.95)', () => {
    expect([...total.kinds.keys()].sort()).toEqual([
      'CLOCK',
      'DRIFT',
      'GAP',
      'NOISE',
      'OFFLINE',
      'OUT_OF_RANGE',
      'SPIKE',
      'STUCK',
    ]);
    for (const [kind, rows] of total.kinds) {
      const labelled = rows.reduce((a, r) => a + r.labelled, 0);
      const detected = rows.reduce((a, r) => a + r.detected, 0);
      const attributed = rows.reduce((a, r) => a + r.attributed, 0);
      expect({ kind, recall: detected / labelled }).toEqual({
        kind,
        recall: expect.toSatisfy((x: number) => x >= 0.95),
      });
      expect({ kind, attribution: attributed / labelled }).toEqual({
        kind,
        attribution: expect.toSatisfy((x: number) => x >= 0.95),
      });
    }
  });

  it('keeps false positives at or below 1 % of healthy sensors', () => {
    expect(total.falsePositives / total.healthy).toBeLessThanOrEqual(0.01);
  });

  it('meets the delay targets: OUT_OF_RANGE on the first reading, STUCK within 20, OFFLINE within 3 intervals + one sweep', () => {
    for (const r of total.kinds.get('OUT_OF_RANGE')!) expect(r.maxDelayReadings).toBe(1);
    for (const r of total.kinds.get('STUCK')!) expect(r.maxDelayReadings).toBeLessThanOrEqual(20);
    // Per sensor, from the moment it went silent (onset): 3 expected intervals, plus the
    // engine's 10 s jitter grace, plus one 60 s sweep.
    for (const run of runs) {
      for (const label of run.labels.filter((l) => l.kind === 'OFFLINE')) {
        const iv = run.profiles.find((p) => p.id === label.sensorId)!.expectedIntervalSeconds * 1000;
        const first = run.observations
          .get(label.sensorId)!
          .find((o) => o.at >= label.onset! && o.reasons.includes('OFFLINE'))!;
        expect(first.at - label.onset!).toBeLessThanOrEqual(3 * iv + 10_000 + 60_000);
      }
    }
  });
});

describe('engine evaluation on a fleet with real-world healthy behaviour', () => {
  // Arrival jitter up to 15 % of the interval, bursty packet loss (a fifth of the sensors lose
  // 10–35 %), weather-like variation, local daily bumps, coarse quantisation on some sensors.
  it('flags at most 5 % of healthy sensor-time and still catches and names every fault kind', () => {
    const { report } = runEngineEval({ spec: { seed: 11, zones: 14, faultsPerKind: 6, realistic: true } });
    console.log(formatReport(report));
    expect(report.healthyTimeFlagged).toBeLessThanOrEqual(0.05);
    for (const k of report.kinds) {
      expect({ kind: k.kind, recall: k.recall >= 0.95 }).toEqual({ kind: k.kind, recall: true });
      expect({ kind: k.kind, attribution: k.attribution >= 0.95 }).toEqual({ kind: k.kind, attribution: true });
    }
  }, 120_000);
});

describe('evaluate (scoring rules)', () => {
  const at = (m: number) => m * 60_000;
  const labels = [
    { sensorId: 'a', kind: 'STUCK' as const, onset: at(10), readingsBeforeOnset: 10 },
    { sensorId: 'b', kind: 'SPIKE' as const, onset: at(10), readingsBeforeOnset: 10 },
    { sensorId: 'c', kind: null, onset: null, readingsBeforeOnset: 0 },
    { sensorId: 'd', kind: null, onset: null, readingsBeforeOnset: 0 },
  ];
  const obs = new Map([
    [
      'a',
      [
        { at: at(1), readings: 1, status: 'UNKNOWN' as const, reasons: [] },
        { at: at(14), readings: 14, status: 'DEGRADED' as const, reasons: ['STUCK' as const] },
      ],
    ],
    ['b', [{ at: at(12), readings: 12, status: 'DEGRADED' as const, reasons: ['NOISE' as const] }]],
    ['c', [{ at: at(5), readings: 5, status: 'HEALTHY' as const, reasons: [] }]],
    ['d', [{ at: at(5), readings: 5, status: 'HEALTHY' as const, reasons: ['STUCK' as const] }]],
  ]);
  const r = evaluate(labels, obs, new Map());
  it('separates detection (recall) from naming the right kind (attribution)', () => {
    const spike = r.kinds.find((k) => k.kind === 'SPIKE')!;
    expect([spike.recall, spike.attribution]).toEqual([1, 0]);
    const stuck = r.kinds.find((k) => k.kind === 'STUCK')!;
    expect([
      stuck.recall,
      stuck.attribution,
      stuck.medianDelayReadings,
      stuck.medianDelayMinutes,
      stuck.precision,
    ]).toEqual([1, 1, 4, 4, 0.5]);
  });
  it('counts a healthy sensor with any reason as a false positive', () => {
    expect([r.falsePositives, r.healthy, r.falsePositiveIds]).toEqual([1, 2, ['d']]);
  });
});
