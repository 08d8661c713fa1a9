// The same readings streamed live (sweeps every simulated minute) and imported as history
// (time-ordered 1,000-reading batches after the fact, then one sweep) end with the same
// statuses and reasons for the kinds judged in event time: OUT_OF_RANGE, SPIKE, STUCK, NOISE,
// GAP. Not in this fleet: DRIFT (still sweep-driven: event-time DRIFT is not done yet, see
// README), OFFLINE (wall clock by design) and CLOCK (half of the generator's CLOCK faults are
// timestamps ahead of the server clock, which only arrival time can show).
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_CONFIG as cfg } from '../config.js';
import { observe, sweepFleet } from '../index.js';
import { initialTrustState } from '../state.js';
import { isTicketReason, type ReadingSample } from '../types.js';
import { DEFAULT_FLEET_SPEC, generateFleet, type StreamReading } from './fleet-generator.js';

const spec = {
  ...DEFAULT_FLEET_SPEC,
  seed: 21,
  zones: 6,
  faultsPerKind: 2,
  realistic: false,
  faultKinds: ['OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'GAP'] as const,
  durationMs: 20 * 3_600_000,
  onsetWindow: [6 * 3_600_000, 14 * 3_600_000] as [number, number],
};

function verdicts(
  entries: { state: ReturnType<typeof initialTrustState> }[],
  now: number,
  profiles: typeof fleet.profiles,
) {
  return sweepFleet(
    entries.map((e, i) => ({ profile: profiles[i]!, state: e.state })),
    now,
    cfg,
  ).map((o, i) => ({
    id: profiles[i]!.id,
    status: o.verdict.status,
    reasons: o.verdict.reasons
      .filter(isTicketReason)
      .map((r) => r.kind)
      .sort(),
  }));
}

const fleet = generateFleet({ ...spec, faultKinds: [...spec.faultKinds] });

describe('import as history equals streaming live (event-time kinds)', () => {
  it('gives the same statuses and reasons at the end', () => {
    const index = new Map(fleet.profiles.map((p, i) => [p.id, i]));
    const end = spec.start + spec.durationMs;
    // live
    const live = fleet.profiles.map(() => ({ state: initialTrustState() }));
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
        observe(live[i]!.state, fleet.profiles[i]!, b.rs, b.now, cfg);
      }
      sweepFleet(
        live.map((e, i) => ({ profile: fleet.profiles[i]!, state: e.state })),
        chunk.until,
        cfg,
      );
    }
    // import: time-ordered 1,000-reading batches, all arriving at the end, one sweep
    const imported = fleet.profiles.map(() => ({ state: initialTrustState() }));
    all.sort((a, b) => a.ts - b.ts);
    for (let b = 0; b < all.length; b += 1000) {
      const per = new Map<number, ReadingSample[]>();
      for (const r of all.slice(b, b + 1000)) {
        const i = index.get(r.sensorId)!;
        per.set(i, [...(per.get(i) ?? []), { ts: r.ts, value: r.value }]);
      }
      for (const [i, rs] of per) observe(imported[i]!.state, fleet.profiles[i]!, rs, end, cfg);
    }
    const a = verdicts(live, end, fleet.profiles);
    const b = verdicts(imported, end, fleet.profiles);
    expect(b).toEqual(a);
    // and the faults are there to be seen
    expect(new Set(a.flatMap((x) => x.reasons))).toEqual(new Set(spec.faultKinds));
  }, 60_000);
});
