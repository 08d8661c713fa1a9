// `npm run eval:real [dir]`: replays real public sensor series through the pure engine and
// prints the share of their time flagged. Default dir: ../shared/data/nab (NAB, MIT licence:
// two real temperature series, see its README). Exits with a message when the data is absent.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replaySeries } from '../../../trust/eval/replay-series.js';
import type { ReadingSample } from '../../../trust/types.js';

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
  console.error(`real data not found under ${dir}: pass its directory (NAB layout) as the argument`);
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
  const kinds = Object.entries(r.byKind)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`)
    .join(', ');
  console.log(
    `${s.name}: ${r.readings} readings, flagged ${(100 * r.flaggedShare).toFixed(2)}% of its time${kinds ? ` (${kinds})` : ''}, ${(100 * r.flaggedWhileReporting).toFixed(2)}% of the time it was reporting`,
  );
}
