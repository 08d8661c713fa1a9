// The labelled fault-injection evaluation through the REAL path (HTTP GraphQL ingest,
// database, trust shell, evaluateTrust sweeps) on a small fleet, asserting the issue's
// targets. `npm run eval` runs the full-size fleet and prints the table.
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/trust/eval/evaluate.js';
import { runRealPathEval } from '../src/modules/trust/eval/real-path-eval.js';

describe('trust evaluation through the real ingestion path (PGlite)', () => {
  it('meets recall ≥ 0.95 per kind, attribution ≥ 0.95 and ≤ 1 % false positives on healthy sensors', async () => {
    const result = await runRealPathEval({
      spec: {
        seed: 5,
        realistic: false,
        zones: 2,
        faultsPerKind: 1,
        durationMs: 30 * 3_600_000,
        onsetWindow: [8 * 3_600_000, 20 * 3_600_000],
      },
      sweepEveryMs: 240_000,
      deliveryWindowMs: 50_000,
    });
    console.log(formatReport(result.report));
    expect(result.readings.rejected).toBe(0);
    expect(result.readings.accepted).toBe(result.readings.sent);
    for (const k of result.report.kinds) {
      if (k.labelled === 0) continue;
      expect({ kind: k.kind, recall: k.recall >= 0.95 }).toEqual({ kind: k.kind, recall: true });
      expect({ kind: k.kind, attribution: k.attribution >= 0.95 }).toEqual({ kind: k.kind, attribution: true });
    }
    expect(result.report.falsePositiveRate).toBeLessThanOrEqual(0.01);
    expect(result.report.attribution).toBeGreaterThanOrEqual(0.95);
  }, 600_000);
});
