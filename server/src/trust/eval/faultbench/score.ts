// Scores per-reading flags against the benchmark's labels. An event is a contiguous run of
// readings with the same label code; it is detected when the sensor is flagged (with a
// value reason, for the engine) at one of its readings, or at one within `graceMs` of its
// start (a one-reading spike is judged when the next reading shows it came back).
import { FAULT_KINDS, type FaultKind } from '../../types.js';
import { LABEL_KIND, type BenchCase, type BenchKind, type BenchSeries } from './santander.js';

/** A detector's answer per reading of one series: flagged, and (the engine) the reason kinds as bits of FAULT_KINDS. */
export interface SeriesFlags {
  flagged: Uint8Array;
  reasons?: Uint16Array;
}

export interface CaseFlags {
  faulty: SeriesFlags;
  /** same order as the case's peers */
  peers: SeriesFlags[];
}

export const kindBits = (...kinds: FaultKind[]): number => kinds.reduce((m, k) => m | (1 << FAULT_KINDS.indexOf(k)), 0);

/** Reasons that say the values are wrong (completeness and clock trouble do not detect a value fault). */
const VALUE_BITS = kindBits('OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'DRIFT');
/** The reason a sensor engineer would expect for each injected kind. */
const ATTRIBUTION: Record<Exclude<BenchKind, 'mixed'>, number> = {
  random: kindBits('SPIKE', 'OUT_OF_RANGE'),
  malfunction: kindBits('NOISE'),
  bias: kindBits('DRIFT', 'OUT_OF_RANGE'),
  drift: kindBits('DRIFT', 'OUT_OF_RANGE'),
  polydrift: kindBits('DRIFT', 'OUT_OF_RANGE'),
};

export interface ScoreOptions {
  /** a short event counts as detected if flagged within this long of its start (default 30 min) */
  graceMs?: number;
  /** time after an event's end left out of the clean parts of the faulty series (recovery; default 1 h) */
  settleMs?: number;
}

export interface Tally {
  events: number;
  detected: number;
  attributed: number;
  delaysMin: number[];
  rowsPositive: number;
  rowsFlagged: number;
  rowsTruePositive: number;
  peerRows: number;
  peerFlagged: number;
  cleanPartRows: number;
  cleanPartFlagged: number;
  /** peers' flagged readings per reason kind (engine) */
  peerByKind: Partial<Record<FaultKind, number>>;
}

export const emptyTally = (): Tally => ({
  events: 0,
  detected: 0,
  attributed: 0,
  delaysMin: [],
  rowsPositive: 0,
  rowsFlagged: 0,
  rowsTruePositive: 0,
  peerRows: 0,
  peerFlagged: 0,
  cleanPartRows: 0,
  cleanPartFlagged: 0,
  peerByKind: {},
});

export interface BenchEvent {
  code: number;
  kind: Exclude<BenchKind, 'mixed'>;
  start: number;
  /** index of the last reading */
  end: number;
}

export function eventsOf(s: BenchSeries): BenchEvent[] {
  const out: BenchEvent[] = [];
  for (let i = 0; i < s.label.length; i++) {
    const code = s.label[i] ?? 0;
    if (code === 0) continue;
    const last = out[out.length - 1];
    if (last && last.code === code && last.end === i - 1) last.end = i;
    else out.push({ code, kind: LABEL_KIND[code] ?? 'random', start: i, end: i });
  }
  return out;
}

export function scoreCase(c: BenchCase, flags: CaseFlags, into: Tally, options: ScoreOptions = {}): Tally {
  const grace = options.graceMs ?? 30 * 60_000;
  const settle = options.settleMs ?? 60 * 60_000;
  const s = c.faulty;
  const f = flags.faulty;
  const events = eventsOf(s);
  for (const e of events) {
    into.events++;
    const until = Math.max(s.ts[e.end] ?? 0, (s.ts[e.start] ?? 0) + grace);
    let found = -1;
    let named = false;
    for (let j = e.start; j < s.ts.length && (s.ts[j] ?? Infinity) <= until; j++) {
      if (!f.flagged[j]) continue;
      const r = f.reasons?.[j];
      if (r !== undefined && (r & VALUE_BITS) === 0) continue;
      if (found < 0) found = j;
      if (r === undefined || (r & ATTRIBUTION[e.kind]) !== 0) named = true;
    }
    if (found >= 0) {
      into.detected++;
      into.delaysMin.push(((s.ts[found] ?? 0) - (s.ts[e.start] ?? 0)) / 60_000);
      if (named && f.reasons) into.attributed++;
    }
  }
  // clean parts of the faulty series: unlabelled, and not within `settle` after an event
  let ev = 0;
  for (let i = 0; i < s.ts.length; i++) {
    const positive = (s.label[i] ?? 0) !== 0;
    const flagged = f.flagged[i] === 1;
    if (positive) into.rowsPositive++;
    if (flagged) into.rowsFlagged++;
    if (positive && flagged) into.rowsTruePositive++;
    while (
      ev < events.length &&
      (events[ev]?.end ?? 0) < i &&
      (s.ts[events[ev]?.end ?? 0] ?? 0) + settle < (s.ts[i] ?? 0)
    )
      ev++;
    const e = events[ev];
    const settling = e !== undefined && e.end < i && (s.ts[i] ?? 0) <= (s.ts[e.end] ?? 0) + settle;
    if (!positive && !settling) {
      into.cleanPartRows++;
      if (flagged) into.cleanPartFlagged++;
    }
  }
  c.peers.forEach((p, k) => {
    const pf = flags.peers[k];
    if (!pf) return;
    into.peerRows += p.ts.length;
    for (let i = 0; i < p.ts.length; i++) {
      if (!pf.flagged[i]) continue;
      into.peerFlagged++;
      const r = pf.reasons?.[i] ?? 0;
      FAULT_KINDS.forEach((kind, b) => {
        if (r & (1 << b)) into.peerByKind[kind] = (into.peerByKind[kind] ?? 0) + 1;
      });
    }
  });
  return into;
}

export interface KindScore {
  kind: BenchKind | 'all';
  cases: number;
  events: number;
  eventRecall: number;
  /** median minutes from an event's start to its first flagged reading (detected events) */
  delayMedianMin: number | null;
  rowPrecision: number;
  rowRecall: number;
  /** share of detected events named with the expected reason (null: the detector names none) */
  attribution: number | null;
  /** share of the clean peers' readings flagged (readings come every 5 min: ≈ time) */
  cleanPeersFlagged: number;
  /** share of the faulty series' unlabelled readings flagged (leaving out an hour after each event) */
  cleanPartsFlagged: number;
  /** clean peers and clean parts together */
  cleanFlagged: number;
  peerByKind: Partial<Record<FaultKind, number>>;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

export function summarise(kind: BenchKind | 'all', cases: number, t: Tally, named: boolean): KindScore {
  const byKind: Partial<Record<FaultKind, number>> = {};
  for (const [k, n] of Object.entries(t.peerByKind)) byKind[k as FaultKind] = ratio(n, t.peerRows);
  return {
    kind,
    cases,
    events: t.events,
    eventRecall: ratio(t.detected, t.events),
    delayMedianMin: median(t.delaysMin),
    rowPrecision: ratio(t.rowsTruePositive, t.rowsFlagged),
    rowRecall: ratio(t.rowsTruePositive, t.rowsPositive),
    attribution: named ? ratio(t.attributed, t.detected) : null,
    cleanPeersFlagged: ratio(t.peerFlagged, t.peerRows),
    cleanPartsFlagged: ratio(t.cleanPartFlagged, t.cleanPartRows),
    cleanFlagged: ratio(t.peerFlagged + t.cleanPartFlagged, t.peerRows + t.cleanPartRows),
    peerByKind: byKind,
  };
}

export function addTally(a: Tally, b: Tally): Tally {
  const byKind = { ...a.peerByKind };
  for (const [k, n] of Object.entries(b.peerByKind)) byKind[k as FaultKind] = (byKind[k as FaultKind] ?? 0) + n;
  return {
    events: a.events + b.events,
    detected: a.detected + b.detected,
    attributed: a.attributed + b.attributed,
    delaysMin: [...a.delaysMin, ...b.delaysMin],
    rowsPositive: a.rowsPositive + b.rowsPositive,
    rowsFlagged: a.rowsFlagged + b.rowsFlagged,
    rowsTruePositive: a.rowsTruePositive + b.rowsTruePositive,
    peerRows: a.peerRows + b.peerRows,
    peerFlagged: a.peerFlagged + b.peerFlagged,
    cleanPartRows: a.cleanPartRows + b.cleanPartRows,
    cleanPartFlagged: a.cleanPartFlagged + b.cleanPartFlagged,
    peerByKind: byKind,
  };
}
