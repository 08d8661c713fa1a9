// The full generated eval fleet (default spec: 12 zones × 4 kinds, every fault kind, realistic
// healthy behaviour, 36 h) delivered by 8 parallel uploaders gives the same verdicts as by one.
// Readings go out in 15-s delivery batches; with 8 uploaders, 8 consecutive batches (2 min) are
// in flight at once and commit newest first, and the trust stream's tick falls somewhere in
// between, so a sensor's readings arrive out of order by up to 2 minutes — inside the lateness
// bound: not clock trouble, not a slower interval, and the same DRIFT windows. Sweeps run every
// 2 simulated minutes either way.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_CONFIG as cfg } from '../config.js';
import { observeMany, sweepFleet } from '../index.js';
import { initialTrustState, type TrustState } from '../state.js';
import type { ReadingSample, SensorProfile } from '../types.js';
import { DEFAULT_FLEET_SPEC, generateFleet, type StreamReading } from './fleet-generator.js';

const BATCH_MS = 15_000;
const fleet = generateFleet(DEFAULT_FLEET_SPEC);
const index = new Map(fleet.profiles.map((p, i) => [p.id, i]));
type Entry = { profile: SensorProfile; state: TrustState };

function deliver(uploaders: number): Entry[] {
  const entries = fleet.profiles.map((profile) => ({ profile, state: initialTrustState() }));
  const send = (batch: StreamReading[], now: number) => {
    const per = new Map<number, ReadingSample[]>();
    for (const r of batch) {
      const i = index.get(r.sensorId)!;
      let list = per.get(i);
      if (!list) per.set(i, (list = []));
      list.push({ ts: r.ts, value: r.value });
    }
    const items = [...per].map(([i, samples]) => ({
      ...entries[i]!,
      samples: samples.sort((a, b) => a.ts - b.ts),
      now,
    }));
    observeMany(items, cfg);
  };
  let groups = 0;
  for (const chunk of fleet.chunks(8 * BATCH_MS)) {
    const batches: { until: number; readings: StreamReading[] }[] = [];
    for (let k = 0; k < 8; k++) batches.push({ until: chunk.until - (7 - k) * BATCH_MS, readings: [] });
    for (const r of chunk.readings)
      batches[
        Math.max(0, Math.min(7, Math.floor((r.arrivedAt - (chunk.until - 8 * BATCH_MS)) / BATCH_MS)))
      ]!.readings.push(r);
    if (uploaders === 1) for (const b of batches) send(b.readings, b.until);
    else {
      // All 8 in flight together commit newest first; the trust stream reads what has committed
      // when it ticks, so a tick may fall between two of the group's commits.
      const committed = batches.reverse();
      const split = 1 + ((Math.imul(++groups, 2654435761) >>> 0) % 7);
      send(
        committed.slice(0, split).flatMap((b) => b.readings),
        chunk.until,
      );
      send(
        committed.slice(split).flatMap((b) => b.readings),
        chunk.until,
      );
    }
    sweepFleet(entries, chunk.until, cfg);
  }
  return entries;
}

const verdicts = (entries: Entry[], now: number) =>
  sweepFleet(entries, now, cfg).map((o, i) => ({
    id: entries[i]!.profile.id,
    status: o.verdict.status,
    reasons: o.verdict.reasons
      .filter((r) => r.active)
      .map((r) => r.kind)
      .sort(),
  }));

describe('the full eval fleet by 8 parallel uploaders', () => {
  it('gives the same verdicts as by one uploader', () => {
    const end = DEFAULT_FLEET_SPEC.start + DEFAULT_FLEET_SPEC.durationMs;
    const one = verdicts(deliver(1), end);
    const eight = verdicts(deliver(8), end);
    expect(one.length).toBeGreaterThan(200);
    // the same status for every sensor
    expect(eight.map((v) => `${v.id}:${v.status}`)).toEqual(one.map((v) => `${v.id}:${v.status}`));
    const labels = new Map(fleet.labels.map((l) => [l.sensorId, l.kind]));
    // healthy sensors: the same reasons (none, or the same advisories)
    const healthy = (list: typeof one) => list.filter((v) => labels.get(v.id) === null);
    expect(healthy(eight)).toEqual(healthy(one));
    // faulty sensors: the injected kind named (or not) alike. Known difference: out-of-order
    // readings are kept out of the sequential statistics, so a faulty sensor may carry one
    // other reason more or less (3 of 48 on this fleet: CLOCK on a GAP sensor, DRIFT on a
    // STUCK one, SPIKE on another faulty one).
    const named = (list: typeof one) =>
      list.filter((v) => labels.get(v.id) !== null).map((v) => `${v.id}:${v.reasons.includes(labels.get(v.id)!)}`);
    expect(named(eight)).toEqual(named(one));
    const differing = eight.filter((v, i) => v.reasons.join() !== one[i]!.reasons.join()).length;
    expect(differing).toBeLessThanOrEqual(0.02 * one.length);
  }, 300_000);
});
