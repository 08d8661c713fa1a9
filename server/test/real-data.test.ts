// Real public sensor data (NAB's two temperature series, MIT licence) replayed live through the
// engine: it should stay quiet while the sensor reports. Skips when the data is not present
// (it lives outside the repository: ../shared/data/nab, or NAB_DIR).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaySeries } from '../src/trust/eval/replay-series.js';

const dir = resolve(process.env.NAB_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'nab'));
const present = existsSync(join(dir, 'data/realKnownCause'));
if (!present) console.warn(`real-data test skipped: no NAB data under ${dir} (set NAB_DIR)`);

const read = (file: string) =>
  readFileSync(join(dir, 'data/realKnownCause', file), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const [ts = '', value] = l.split(',');
      return { ts: Date.parse(`${ts.replace(' ', 'T')}Z`), value: Number(value) };
    });

const profile = (id: string, interval: number) => ({
  id,
  kind: 'temperature',
  unit: '°F',
  zoneId: null,
  minValue: null,
  maxValue: null,
  expectedIntervalSeconds: interval,
});

describe.runIf(present)('real data (NAB temperature series)', () => {
  it('flags at most 5 % of the time the sensors were reporting', () => {
    const machine = replaySeries(profile('machine', 300), read('machine_temperature_system_failure.csv'));
    const ambient = replaySeries(profile('ambient', 3600), read('ambient_temperature_system_failure.csv'));
    expect(machine.flaggedWhileReporting).toBeLessThanOrEqual(0.05);
    expect(ambient.flaggedWhileReporting).toBeLessThanOrEqual(0.05);
    // the ambient series has eight real outages (626 h of 7,887): those are OFFLINE
    expect(ambient.byKind.OFFLINE).toBeGreaterThan(0.05);
  }, 60_000);
});
