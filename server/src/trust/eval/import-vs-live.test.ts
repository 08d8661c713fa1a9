// The same readings streamed live (sweeps every simulated minute) and imported as history
// (time-ordered 1,000-reading batches after the fact, DRIFT advanced as the shell does when a
// sensor's unjudged windows pile up, then one sweep) end with the same statuses and reasons, for
// all eight fault kinds. The one thing an import cannot show is a clock running ahead (only
// arrival time shows it), so this fleet's CLOCK faults are irregular clocks. OFFLINE of imported
// data is an advisory (no ticket): it is compared as a reason kind, not as a ticket.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_CONFIG as cfg } from '../config.js';
import { advanceDrift, DRIFT_BACKLOG_LIMIT, driftBacklog, observe, observeMany, sweepFleet } from '../index.js';
import { initialTrustState, type TrustState } from '../state.js';
import { FAULT_KINDS, type ReadingSample, type SensorProfile } from '../types.js';
import { DEFAULT_FLEET_SPEC, generateFleet, type StreamReading } from './fleet-generator.js';

const spec = {
  ...DEFAULT_FLEET_SPEC,
  seed: 21,
  zones: 8,
  faultsPerKind: 2,
  realistic: false,
  clockAheadShare: 0,
  faultKinds: [...FAULT_KINDS],
  durationMs: 20 * 3_600_000,
  // early enough that a 4 °C/day DRIFT has departed past its threshold by the end
  onsetWindow: [4 * 3_600_000, 10 * 3_600_000] as [number, number],
};

const fleet = generateFleet(spec);
const index = new Map(fleet.profiles.map((p, i) => [p.id, i]));
const end = spec.start + spec.durationMs;
type Entry = { profile: SensorProfile; state: TrustState };

function verdicts(entries: Entry[], now: number) {
  return sweepFleet(entries, now, cfg).map((o, i) => ({
    id: entries[i]!.profile.id,
    status: o.verdict.status,
    reasons: o.verdict.reasons
      .filter((r) => r.active)
      .map((r) => r.kind)
      .sort(),
  }));
}

function streamLive(): { entries: Entry[]; all: StreamReading[] } {
  const entries = fleet.profiles.map((profile) => ({ profile, state: initialTrustState() }));
  const all: StreamReading[] = [];
  for (const chunk of fleet.chunks(60_000)) {
    const batches = new Map<number, { now: number; rs: ReadingSample[] }>();
    for (const r of chunk.readings) {
      all.push(r);
      const i = index.get(r.sensorId)!;
      let b = batches.get(i);
      if (!b) batches.set(i, (b = { now: r.arrivedAt, rs: [] }));
      b.now = Math.max(b.now, r.arrivedAt);
      b.rs.push({ ts: r.ts, value: r.value });
    }
    for (const [i, b] of batches) {
      b.rs.sort((x, y) => x.ts - y.ts);
      observe(entries[i]!.state, entries[i]!.profile, b.rs, b.now, cfg);
    }
    sweepFleet(entries, chunk.until, cfg);
  }
  return { entries, all };
}

/**
 * Time-ordered batches arriving at `now`, fed like the trust stream does: observeMany per batch
 * (event-time slices), then advanceDrift for the groups of sensors whose backlog is high.
 */
function importHistory(readings: StreamReading[], now: number, batch = 1000): Entry[] {
  const entries = fleet.profiles.map((profile) => ({ profile, state: initialTrustState() }));
  const sorted = [...readings].sort((a, b) => a.ts - b.ts);
  for (let b = 0; b < sorted.length; b += batch) {
    const per = new Map<number, ReadingSample[]>();
    for (const r of sorted.slice(b, b + batch)) {
      const i = index.get(r.sensorId)!;
      per.set(i, [...(per.get(i) ?? []), { ts: r.ts, value: r.value }]);
    }
    const items = [...per].map(([i, samples]) => ({ ...entries[i]!, samples, now }));
    observeMany(items, cfg);
    if (items.some((x) => driftBacklog(x.state, x.profile) >= DRIFT_BACKLOG_LIMIT)) advanceDrift(entries, cfg);
  }
  return entries;
}

describe('import as history equals streaming live (all eight kinds)', () => {
  const live = streamLive();

  it('gives the same statuses and reasons at the end', () => {
    const a = verdicts(live.entries, end);
    const b = verdicts(importHistory(live.all, end), end);
    expect(b).toEqual(a);
    // and every fault kind is there to be seen
    expect(new Set(a.flatMap((x) => x.reasons))).toEqual(new Set(FAULT_KINDS));
  }, 120_000);

  it('gives the same verdicts when imported in batches far longer than the DRIFT window ring (20,000 readings)', () => {
    const a = verdicts(live.entries, end);
    const b = verdicts(importHistory(live.all, end, 20_000), end);
    expect(b).toEqual(a);
  }, 120_000);

  it('an import of old history (ending three days ago) shows OFFLINE as an advisory only, and the same other reasons', () => {
    const shift = 3 * 86_400_000;
    const old = live.all.map((r) => ({ ...r, ts: r.ts - shift, arrivedAt: r.arrivedAt - shift }));
    const imported = importHistory(old, end);
    const outs = sweepFleet(imported, end, cfg);
    // every sensor is OFFLINE now (silent for three days), none of them with a ticket reason
    for (const o of outs) {
      expect(o.verdict.status).toBe('OFFLINE');
      for (const r of o.verdict.reasons.filter((x) => x.kind === 'OFFLINE')) expect(r.advisory).toBe(true);
    }
    // what the data showed is the same as live, OFFLINE aside
    const shown = (entries: Entry[], now: number) =>
      verdicts(entries, now).map((v) => ({ id: v.id, reasons: v.reasons.filter((k) => k !== 'OFFLINE') }));
    expect(shown(imported, end)).toEqual(shown(live.entries, end + shift));
  }, 120_000);
});
