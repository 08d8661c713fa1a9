// Loads the real mote deployments read by real-motes.ts from where the user put them (they are
// not committed: see data-real/README.md) and replays them through the engine.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIntelLab, parseUlbLibrary, type MoteSeries } from './real-motes.js';
import { createRng } from './prng.js';
import { replaySeries } from './replay-series.js';

/** ULB Library 1 (R1-R3.txt, 26.6 h) and Library 2 (readings.txt, 6.1 h) found under `dir`. */
export function loadUlbLibraries(dir: string | undefined): Record<string, MoteSeries[]> {
  if (!dir) return {};
  const read = (f: string) => readFileSync(join(dir, f), 'latin1');
  const out: Record<string, MoteSeries[]> = {};
  const lib1 = ['R1.txt', 'R2.txt', 'R3.txt'];
  if (lib1.every((f) => existsSync(join(dir, f))))
    out['ULB Library 1 (19 TelosB motes, 1 min, 26.6 h)'] = parseUlbLibrary(lib1.map(read), 'ulb-lib1');
  if (existsSync(join(dir, 'readings.txt')))
    out['ULB Library 2 (20 TelosB motes, 1 min, 6.1 h)'] = parseUlbLibrary([read('readings.txt')], 'ulb-lib2');
  return out;
}

/** The Intel Lab motes from its data.txt (all motes, whole period), or null without a file. */
export function loadIntelLab(file: string | undefined): MoteSeries[] | null {
  if (!file || !existsSync(file)) return null;
  return parseIntelLab(readFileSync(file, 'utf8'));
}

/**
 * The same series with only a share `keep` of their readings arriving (each dropped at random,
 * seeded): real jitter and values, the loss of a deployment like the Intel Lab's (30-73 %).
 */
export function thinned(series: MoteSeries[], keep: number, seed = 7): MoteSeries[] {
  const rng = createRng(seed);
  return series.map((s) => ({ ...s, readings: s.readings.filter(() => rng.next() < keep) }));
}

export interface MotesReplay {
  /** flagged share of healthy reporting time over all series, weighted by their readings */
  flagged: number;
  /** the same per reason kind (share of all time) */
  byKind: Record<string, number>;
  readings: number;
  line: string;
  /** the three most flagged series, printed */
  worst: string[];
  /** per failing series: how soon after its failure it was flagged, printed */
  dying: string[];
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * Replays each series' healthy part (the readings before `failedAt`) and measures the share of
 * its reporting time flagged; a series that fails is also replayed whole to see whether, and how
 * soon, the engine noticed.
 */
export function replayMotes(series: MoteSeries[]): MotesReplay {
  let weight = 0;
  let flagged = 0;
  const byKind: Record<string, number> = {};
  const each: { id: string; n: number; share: number; kinds: string }[] = [];
  const dying: string[] = [];
  for (const s of series) {
    const healthy = s.failedAt === null ? s.readings : s.readings.filter((r) => r.ts < s.failedAt!);
    if (healthy.length < 2) continue;
    const r = replaySeries(s.profile, healthy);
    weight += healthy.length;
    flagged += r.flaggedWhileReporting * healthy.length;
    for (const [k, v] of Object.entries(r.byKind)) byKind[k] = (byKind[k] ?? 0) + v * healthy.length;
    const kinds = Object.entries(r.byKind)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ');
    each.push({ id: s.profile.id, n: healthy.length, share: r.flaggedWhileReporting, kinds });
    if (s.failedAt !== null) {
      const whole = replaySeries(s.profile, s.readings);
      const seen = whole.observations.find((o) => o.at >= s.failedAt! && (o.status === 'FAULTY' || o.reasons.length));
      dying.push(
        `${s.profile.id} fails ${new Date(s.failedAt).toISOString()}: ${
          seen
            ? `flagged after ${((seen.at - s.failedAt) / 60_000).toFixed(1)} min (${seen.reasons.join(', ') || seen.status})`
            : 'never flagged'
        }`,
      );
    }
  }
  for (const k of Object.keys(byKind)) byKind[k] = byKind[k]! / Math.max(1, weight);
  const share = weight === 0 ? 0 : flagged / weight;
  const kinds = Object.entries(byKind)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ');
  const worst = each
    .sort((a, b) => b.share - a.share)
    .slice(0, 3)
    .map(
      (e) => `${e.id}: ${e.n} readings, ${pct(e.share)} of its reporting time flagged${e.kinds ? ` (${e.kinds})` : ''}`,
    );
  return {
    flagged: share,
    byKind,
    readings: weight,
    line: `${series.length} series, ${weight} healthy readings, flagged ${pct(share)} of the time they were reporting${kinds ? ` (${kinds})` : ''}`,
    worst,
    dying,
  };
}
