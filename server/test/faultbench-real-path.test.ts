// The Santander benchmark through the real path (HTTP GraphQL registration and ingest, PGlite,
// trust stream, evaluateTrust per upload, trust history read back) gives the same figures as
// the pure replay on the same slice, scored by the same code: a difference means the stream
// and the pure engine disagree. Full run: `npm run eval:bench` (docs/quality.md).
import { describe, expect, it } from 'vitest';
import { replayRealPath } from '../src/modules/trust/eval/real-path-bench.js';
import { replayEngine } from '../src/trust/eval/faultbench/replay-engine.js';
import { formatFaultbench, runPureEngine, scoreDetector } from '../src/trust/eval/faultbench/run-faultbench.js';
import {
  partOf,
  loadSantander,
  santanderAvailable,
  santanderCases,
  sliceCases,
} from '../src/trust/eval/faultbench/santander.js';

describe.skipIf(!santanderAvailable())('Santander benchmark, real path against pure replay', () => {
  it('4 cases, 42 hours: the same events, flags and reasons per reading', async () => {
    // hours 72–114 of the two weeks: 16 h to warm up, then each case's first events
    const hour = 3_600_000;
    const cases = partOf(sliceCases(santanderCases(loadSantander()), 4), 72 * hour, 114 * hour);
    const pure = runPureEngine(cases);
    const run = await replayRealPath(cases);
    const real = scoreDetector(
      'engine (real path)',
      cases,
      (c) => run.flags[cases.indexOf(c)] ?? { faulty: { flagged: new Uint8Array() }, peers: [] },
      true,
    );
    console.log(formatFaultbench([pure, real]));
    expect(run.readings.accepted).toBe(run.readings.sent);
    const all = pure.kinds.find((k) => k.kind === 'all');
    expect(all?.events).toBeGreaterThanOrEqual(5);
    // where they part: the first reading of each sensor whose flag or reasons differ
    const parted: string[] = [];
    cases.forEach((c, i) => {
      const p = replayEngine(c);
      const r = run.flags[i];
      [c.faulty, ...c.peers].forEach((s, k) => {
        const a = k === 0 ? p.faulty : p.peers[k - 1];
        const b = k === 0 ? r?.faulty : r?.peers[k - 1];
        const j = s.ts.findIndex((_, x) => a?.flagged[x] !== b?.flagged[x] || a?.reasons?.[x] !== b?.reasons?.[x]);
        if (j >= 0)
          parted.push(
            `case ${i} ${s.sensor} #${j} ${new Date(s.ts[j] ?? 0).toISOString()}: pure ${a?.flagged[j]}/${a?.reasons?.[j]}, real ${b?.flagged[j]}/${b?.reasons?.[j]}`,
          );
      });
    });
    expect(parted).toEqual([]);
    expect(real.kinds.map(({ peerByKind: _p, ...k }) => k)).toEqual(pure.kinds.map(({ peerByKind: _p, ...k }) => k));
  }, 300_000);
});
