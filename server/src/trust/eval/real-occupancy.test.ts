// Real data committed with the repository (one office room, 16 days, temperature, humidity
// and CO₂ every minute; UCI Occupancy Detection, CC BY 4.0, see data-real/README.md) replayed
// live through the engine. Healthy real sensors should be quiet; the same real series with a
// fault injected into a copy should be caught.
import { describe, expect, it } from 'vitest';
import type { FaultKind, ReadingSample } from '../types.js';
import { createRng } from './prng.js';
import { readOccupancySeries } from './real-occupancy.js';
import { replaySeries } from './replay-series.js';

const series = readOccupancySeries();
const byKind = (kind: string) => series.find((s) => s.profile.kind === kind)!;

describe('real data: one office room (UCI Occupancy Detection)', () => {
  it('is real, messy data: 20,560 readings, a 60 s schedule with ±1 s jitter, two outages', () => {
    for (const s of series) expect(s.readings).toHaveLength(20_560);
    const ts = byKind('temperature').readings.map((r) => r.ts);
    const gaps = ts.slice(1).map((t, i) => (t - ts[i]!) / 1000);
    expect(new Set(gaps.filter((g) => g < 120))).toEqual(new Set([59, 60, 61]));
    expect(gaps.filter((g) => g > 3600)).toHaveLength(2);
  });

  it('flags little of the time its healthy sensors were reporting', () => {
    const share = Object.fromEntries(
      series.map((s) => [s.profile.kind, replaySeries(s.profile, s.readings).flaggedWhileReporting]),
    );
    // Temperature sits on one value for up to 134 min at night: that is its normal, not STUCK.
    // Humidity is rough through the nights of 11–12 and 12–13 February (ten times the usual
    // change a minute): the first night is NOISE, and once it has cleared by itself its hours are
    // learned, so the second is not. CO₂ rough for minutes while people are in is not NOISE
    // (roughness must last 20 readings); the evening of 17 February still is (measured
    // 3.8 %, 4.7 % and 3.4 %).
    expect(share.temperature).toBeLessThanOrEqual(0.05);
    expect(share.humidity).toBeLessThanOrEqual(0.05);
    expect(share.co2).toBeLessThanOrEqual(0.05);
  }, 30_000);

  // Faults injected into copies of the real series at 10:00 on Friday 13 February, after a
  // week and a half of learning their normal.
  const onset = Date.parse('2015-02-13T10:00:00Z');
  const caught = (kind: string, fault: FaultKind, change: (r: ReadingSample, i: number) => ReadingSample | null) => {
    const s = byKind(kind);
    const readings = s.readings
      .map((r, i) => (r.ts >= onset ? change(r, i) : r))
      .filter((r): r is ReadingSample => r !== null);
    const out = replaySeries(s.profile, readings, { until: s.readings.at(-1)!.ts });
    const first = out.observations.find((o) => o.at >= onset && o.reasons.includes(fault));
    return first ? (first.at - onset) / 60_000 : null;
  };

  it('catches a temperature sensor frozen on its last value (STUCK) within hours, not days', () => {
    const frozen = byKind('temperature')
      .readings.filter((r) => r.ts < onset)
      .at(-1)!.value;
    const minutes = caught('temperature', 'STUCK', (r) => (r.ts < onset + 8 * 3_600_000 ? { ...r, value: frozen } : r));
    expect(minutes).not.toBeNull();
    expect(minutes!).toBeLessThanOrEqual(300);
  });

  it('catches a humidity sensor turning noisy (NOISE) within an hour', () => {
    const rng = createRng(13);
    const minutes = caught('humidity', 'NOISE', (r) =>
      r.ts < onset + 6 * 3_600_000 ? { ...r, value: r.value + 0.8 * rng.gauss() } : r,
    );
    expect(minutes).not.toBeNull();
    expect(minutes!).toBeLessThanOrEqual(60);
  });

  it('catches a CO₂ sensor that dies (OFFLINE) within a few minutes', () => {
    const minutes = caught('co2', 'OFFLINE', () => null);
    expect(minutes).not.toBeNull();
    expect(minutes!).toBeLessThanOrEqual(5);
  });
});
