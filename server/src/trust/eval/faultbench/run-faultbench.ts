// Runs the Santander cases through a detector (the engine, or a baseline) and scores them per
// injected kind.
import { BASELINES, type BaselineOptions } from './baselines.js';
import { replayEngine, SANTANDER_PROFILE, type ReplayOptions } from './replay-engine.js';
import { BENCH_KINDS, type BenchCase, type BenchKind } from './santander.js';
import { addTally, emptyTally, scoreCase, summarise, type CaseFlags, type KindScore, type Tally } from './score.js';

export interface DetectorScores {
  detector: string;
  kinds: KindScore[];
  seconds: number;
}

export function scoreDetector(
  detector: string,
  cases: BenchCase[],
  run: (c: BenchCase) => CaseFlags,
  named: boolean,
): DetectorScores {
  const started = performance.now();
  const byKind = new Map<BenchKind, { n: number; t: Tally }>();
  for (const c of cases) {
    const slot = byKind.get(c.kind) ?? { n: 0, t: emptyTally() };
    scoreCase(c, run(c), slot.t);
    slot.n++;
    byKind.set(c.kind, slot);
  }
  const kinds = BENCH_KINDS.filter((k) => byKind.has(k)).map((k) => {
    const { n, t } = byKind.get(k) ?? { n: 0, t: emptyTally() };
    return summarise(k, n, t, named);
  });
  let all = emptyTally();
  let n = 0;
  for (const { n: m, t } of byKind.values()) {
    all = addTally(all, t);
    n += m;
  }
  kinds.push(summarise('all', n, all, named));
  return { detector, kinds, seconds: (performance.now() - started) / 1000 };
}

export const BASELINE_OPTIONS: BaselineOptions = {
  minValue: SANTANDER_PROFILE.minValue,
  maxValue: SANTANDER_PROFILE.maxValue,
};

/** The three baselines on the cases. */
export function runBaselines(cases: BenchCase[]): DetectorScores[] {
  return BASELINES.map((b) => scoreDetector(b.name, cases, (c) => b.run(c, BASELINE_OPTIONS), false));
}

/** The pure engine on the cases. */
export function runPureEngine(cases: BenchCase[], replay: ReplayOptions = {}): DetectorScores {
  return scoreDetector('engine (pure)', cases, (c) => replayEngine(c, replay), true);
}

/** The pure engine and the three baselines on the same cases. */
export function runFaultbench(cases: BenchCase[], replay: ReplayOptions = {}): DetectorScores[] {
  return [runPureEngine(cases, replay), ...runBaselines(cases)];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => x.toFixed(2);

export function formatFaultbench(results: DetectorScores[]): string {
  const head = [
    'detector',
    'kind',
    'cases',
    'events',
    'ev.recall',
    'delay min',
    'row P',
    'row R',
    'attrib',
    'clean peers',
    'clean parts',
    'clean all',
  ];
  const rows: string[][] = [head];
  for (const r of results)
    for (const k of r.kinds)
      rows.push([
        r.detector,
        k.kind,
        String(k.cases),
        String(k.events),
        num(k.eventRecall),
        k.delayMedianMin === null ? '-' : k.delayMedianMin.toFixed(0),
        num(k.rowPrecision),
        num(k.rowRecall),
        k.attribution === null ? '-' : num(k.attribution),
        pct(k.cleanPeersFlagged),
        pct(k.cleanPartsFlagged),
        pct(k.cleanFlagged),
      ]);
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
  );
  const engine = results[0]?.kinds.find((k) => k.kind === 'all');
  const byKind = engine
    ? Object.entries(engine.peerByKind)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')
    : '';
  return [
    ...lines,
    '',
    `${results[0]?.detector ?? ''}: clean peers' readings flagged by reason: ${byKind || 'none'}`,
  ].join('\n');
}
