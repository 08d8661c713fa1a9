// `npm run eval:real [dir]`: replays real public sensor series through the pure engine and
// prints the share of their time flagged: the office room committed with the repository
// (UCI Occupancy Detection, CC BY 4.0: temperature, humidity, CO₂ every minute for 16 days, see
// server/src/trust/eval/data-real/README.md), and, when present, NAB's two real temperature
// series (MIT licence; default dir ../shared/data/nab, see its README), and, when their files
// are given, two lossy, jittery battery-mote deployments: ULB's "Library" TelosB motes
// (ULB_LIBRARY_DIR) and the Intel Berkeley Research Lab motes (INTEL_LAB_FILE); neither is
// committed, see data-real/README.md for where to get them.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readOccupancySeries } from '../../../trust/eval/real-occupancy.js';
import { loadIntelLab, loadUlbLibraries, replayMotes, thinned } from '../../../trust/eval/real-motes-files.js';
import { replaySeries, type ReplayResult } from '../../../trust/eval/replay-series.js';
import type { ReadingSample } from '../../../trust/types.js';

const line = (name: string, r: ReplayResult): string => {
  const kinds = Object.entries(r.byKind)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`)
    .join(', ');
  return `${name}: ${r.readings} readings, flagged ${(100 * r.flaggedShare).toFixed(2)}% of its time${kinds ? ` (${kinds})` : ''}, ${(100 * r.flaggedWhileReporting).toFixed(2)}% of the time it was reporting`;
};

for (const s of readOccupancySeries())
  console.log(line(`UCI office room ${s.profile.kind} (1 min)`, replaySeries(s.profile, s.readings)));

for (const [name, series] of Object.entries(loadUlbLibraries(process.env.ULB_LIBRARY_DIR))) {
  const r = replayMotes(series);
  console.log(`${name}: ${r.line}`);
  for (const w of r.worst) console.log(`  ${w}`);
  for (const keep of [0.5, 0.3])
    console.log(`  with ${100 * keep} % of its readings arriving: ${replayMotes(thinned(series, keep)).line}`);
}
if (!process.env.ULB_LIBRARY_DIR)
  console.error('ULB Library data skipped: set ULB_LIBRARY_DIR (see data-real/README.md)');
const intel = loadIntelLab(process.env.INTEL_LAB_FILE);
if (intel) {
  const r = replayMotes(intel);
  console.log(`Intel Berkeley Lab motes (31 s): ${r.line}`);
  for (const w of r.worst) console.log(`  ${w}`);
  for (const d of r.dying) console.log(`  ${d}`);
} else console.error('Intel Lab data skipped: set INTEL_LAB_FILE to its data.txt (see data-real/README.md)');

const dir = resolve(process.argv[2] ?? process.env.NAB_DIR ?? '../shared/data/nab');
const SERIES = [
  {
    file: 'data/realKnownCause/ambient_temperature_system_failure.csv',
    interval: 3600,
    name: 'NAB ambient temperature (office, hourly)',
  },
  {
    file: 'data/realKnownCause/machine_temperature_system_failure.csv',
    interval: 300,
    name: 'NAB machine temperature (5 min)',
  },
];

function readCsv(path: string): ReadingSample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const [ts = '', value] = l.split(',');
      return { ts: Date.parse(`${ts.replace(' ', 'T')}Z`), value: Number(value) };
    });
}

if (!SERIES.every((s) => existsSync(join(dir, s.file)))) {
  console.error(`NAB data not found under ${dir}: pass its directory (NAB layout) as the argument`);
  process.exit(0);
}
for (const s of SERIES) {
  const readings = readCsv(join(dir, s.file));
  const r = replaySeries(
    {
      id: s.file,
      kind: 'temperature',
      unit: '°F',
      zoneId: null,
      minValue: null,
      maxValue: null,
      expectedIntervalSeconds: s.interval,
    },
    readings,
  );
  console.log(line(s.name, r));
}
