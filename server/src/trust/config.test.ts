import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_CONFIG, mergeTrustConfig, thresholdsFor } from './index.js';

describe('trust config', () => {
  it('applies per-kind overrides over the defaults', () => {
    expect(thresholdsFor(DEFAULT_TRUST_CONFIG, 'co2').driftMinDelta).toBe(80);
    expect(thresholdsFor(DEFAULT_TRUST_CONFIG, 'voltage').driftMinDelta).toBe(
      DEFAULT_TRUST_CONFIG.defaults.driftMinDelta,
    );
    for (const kind of ['temperature', 'humidity', 'co2', 'pressure'])
      expect(DEFAULT_TRUST_CONFIG.byKind[kind]).toBeDefined();
  });

  it('merges a valid override without touching the base', () => {
    const merged = mergeTrustConfig(DEFAULT_TRUST_CONFIG, {
      defaults: { offlineIntervals: 5 },
      byKind: { co2: { noiseRatio: 4 }, voc: { scaleFloor: 1 } },
    });
    expect(thresholdsFor(merged, 'co2')).toMatchObject({ offlineIntervals: 5, noiseRatio: 4, driftMinDelta: 80 });
    expect(thresholdsFor(merged, 'voc').scaleFloor).toBe(1);
    expect(thresholdsFor(DEFAULT_TRUST_CONFIG, 'co2').offlineIntervals).toBe(3);
  });

  const bad: [string, unknown, RegExp][] = [
    ['unknown top-level key', { defualts: {} }, /unknown key "defualts"/],
    ['unknown threshold', { defaults: { offlineIntervalz: 3 } }, /unknown key "defaults.offlineIntervalz"/],
    [
      'non-number',
      { byKind: { co2: { noiseRatio: '4' } } },
      /"byKind.co2.noiseRatio" must be a finite number, got "4"/,
    ],
    ['negative', { defaults: { spikeK: -1 } }, /"defaults.spikeK" must be >= 0/],
    ['fraction out of range', { defaults: { agingFactor: 1 } }, /"defaults.agingFactor" must be between 0 and 1/],
    [
      'inconsistent pair',
      { byKind: { co2: { faultyBelow: 90 } } },
      /"byKind.co2.faultyBelow" \(90\) must be below healthyAbove/,
    ],
    ['not an object', 42, /override must be an object/],
  ];
  for (const [name, override, message] of bad) {
    it(`rejects ${name} with a message naming the key`, () => {
      expect(() => mergeTrustConfig(DEFAULT_TRUST_CONFIG, override)).toThrow(message);
    });
  }
});
