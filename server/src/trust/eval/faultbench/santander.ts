// The Santander part of the fault-injection benchmark of de Bruijn et al. (SENSORNETS 2016,
// CC BY-SA 4.0): 16 real outdoor temperature sensors, a clean series each and one series per
// injected fault kind with a label on every reading. Kept outside the repository
// (../shared/data/faultbench-santander, or FAULTBENCH_DIR); see its README.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The injected kinds, as the benchmark names its folders. */
export const BENCH_KINDS = ['random', 'malfunction', 'bias', 'drift', 'polydrift', 'mixed'] as const;
export type BenchKind = (typeof BENCH_KINDS)[number];

/** Label codes (`has_fault_type`) of the single-fault kinds; a mixed series carries several. */
export const LABEL_KIND: Record<number, Exclude<BenchKind, 'mixed'>> = {
  1: 'random',
  2: 'malfunction',
  4: 'bias',
  8: 'drift',
  16: 'polydrift',
  32: 'polydrift',
};

export interface BenchSeries {
  sensor: string;
  ts: number[];
  value: number[];
  /** has_fault_type per reading (0: clean) */
  label: number[];
}

export interface Santander {
  clean: Map<string, BenchSeries>;
  injected: Map<BenchKind, Map<string, BenchSeries>>;
}

/** Default location: ../shared/data/faultbench-santander next to the repository. */
export function santanderDir(): string {
  if (process.env.FAULTBENCH_DIR) return process.env.FAULTBENCH_DIR;
  const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
  return join(repo, '..', 'shared', 'data', 'faultbench-santander');
}

export function santanderAvailable(dir = santanderDir()): boolean {
  return existsSync(join(dir, 'clean'));
}

/** Parses one file: `timestamp,mote_id,has_fault_type,temperature`, timestamps quoted, read as UTC. */
export function parseBenchFile(text: string, what: string): BenchSeries {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== 'timestamp,mote_id,has_fault_type,temperature')
    throw new Error(`unexpected header in ${what}: ${lines[0]}`);
  const out: BenchSeries = { sensor: '', ts: [], value: [], label: [] };
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const [t, mote, label, value] = line.trim().split(',');
    const ts = Date.parse(`${(t ?? '').replaceAll("'", '')}Z`);
    const v = Number(value);
    const l = Number(label);
    if (!Number.isFinite(ts) || !Number.isFinite(v) || !Number.isInteger(l))
      throw new Error(`bad row in ${what}: ${line}`);
    out.sensor = (mote ?? '').replaceAll("'", '');
    out.ts.push(ts);
    out.value.push(v);
    out.label.push(l);
  }
  return out;
}

export function loadSantander(dir = santanderDir()): Santander {
  const read = (path: string) => parseBenchFile(gunzipSync(readFileSync(path)).toString('utf8'), path);
  const clean = new Map<string, BenchSeries>();
  for (const f of readdirSync(join(dir, 'clean')).sort()) {
    const s = read(join(dir, 'clean', f));
    clean.set(s.sensor, s);
  }
  const injected = new Map<BenchKind, Map<string, BenchSeries>>();
  for (const kind of BENCH_KINDS) {
    const m = new Map<string, BenchSeries>();
    for (const f of readdirSync(join(dir, `injected_${kind}`)).sort()) {
      const s = read(join(dir, `injected_${kind}`, f));
      m.set(s.sensor, s);
    }
    injected.set(kind, m);
  }
  return { clean, injected };
}

/** One case: a sensor's injected series, the other sensors' clean series as its zone peers. */
export interface BenchCase {
  kind: BenchKind;
  faulty: BenchSeries;
  peers: BenchSeries[];
}

export function santanderCases(data: Santander, kinds: readonly BenchKind[] = BENCH_KINDS): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const kind of kinds)
    for (const [sensor, injected] of data.injected.get(kind) ?? []) {
      const clean = data.clean.get(sensor);
      const faulty = clean ? withoutEmptyEvents(injected, clean) : injected;
      cases.push({ kind, faulty, peers: [...data.clean.values()].filter((s) => s.sensor !== sensor) });
    }
  return cases;
}

/**
 * The series with the labels of its empty events removed: a run of labelled readings whose
 * every value equals the sensor's clean series at the same timestamp carries no fault (the
 * injected change is zero there: 12 of the 2169 labelled runs, 6 of them polydrift), so no
 * detector can see it and its readings are clean.
 */
export function withoutEmptyEvents(injected: BenchSeries, clean: BenchSeries): BenchSeries {
  const cleanAt = new Map<number, number>();
  clean.ts.forEach((t, i) => cleanAt.set(t, clean.value[i] ?? NaN));
  const label = injected.label.slice();
  for (let i = 0; i < label.length;) {
    const code = label[i] ?? 0;
    let j = i;
    while (j + 1 < label.length && label[j + 1] === code) j++;
    if (code !== 0) {
      let empty = true;
      for (let k = i; k <= j && empty; k++) empty = cleanAt.get(injected.ts[k] ?? NaN) === injected.value[k];
      if (empty) label.fill(0, i, j + 1);
    }
    i = j + 1;
  }
  return { ...injected, label };
}

/** Up to `n` cases, taking each kind's next case in turn. */
export function sliceCases(all: BenchCase[], n: number): BenchCase[] {
  if (n >= all.length) return all;
  const byKind = BENCH_KINDS.map((k) => all.filter((c) => c.kind === k));
  const out: BenchCase[] = [];
  for (let i = 0; out.length < n; i++)
    for (const cs of byKind) {
      const c = cs[i];
      if (out.length < n && c) out.push(c);
    }
  return out;
}

/** The cases cut to event time [fromMs, untilMs) after the earliest reading of any series. */
export function partOf(cases: BenchCase[], fromMs: number, untilMs: number): BenchCase[] {
  let t0 = Infinity;
  for (const c of cases) for (const s of [c.faulty, ...c.peers]) t0 = Math.min(t0, s.ts[0] ?? Infinity);
  const cut = (s: BenchSeries): BenchSeries => {
    const keep = s.ts.map((t) => t >= t0 + fromMs && t < t0 + untilMs);
    const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
    return { sensor: s.sensor, ts: pick(s.ts), value: pick(s.value), label: pick(s.label) };
  };
  return cases.map((c) => ({ kind: c.kind, faulty: cut(c.faulty), peers: c.peers.map(cut) }));
}
