import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRUST_CONFIG,
  initialTrustState,
  mergeTrustConfig,
  observe,
  sweepFleet,
  verdictOf,
  type TrustConfig,
  type TrustState,
} from './index.js';
import { createRng } from './eval/prng.js';
import { MIN, profileOf, T0 } from './test-signals.js';
import type { SensorProfile } from './types.js';

const cfg = DEFAULT_TRUST_CONFIG;
type Entry = { profile: SensorProfile; state: TrustState };

/**
 * A zone of temperature sensors sharing one ambient signal, each with its own constant offset
 * and noise; `fault(i, minute)` may change sensor i's value or drop its reading (null).
 */
function runZone(opts: {
  sensors: number;
  minutes: number;
  fault?: (i: number, minute: number, v: number) => number | null;
  seed?: number;
  config?: TrustConfig;
}) {
  const cfg = opts.config ?? DEFAULT_TRUST_CONFIG;
  const rng = createRng(opts.seed ?? 1);
  const offsets = Array.from({ length: opts.sensors }, () => rng.gauss() * 0.6);
  const entries: Entry[] = offsets.map((_, i) => ({ profile: profileOf({ id: `t${i}` }), state: initialTrustState() }));
  const log: {
    minute: number;
    kinds: string[][];
    recovering: string[][];
    statuses: string[];
    material: boolean[];
    noise: string[];
  }[] = [];
  for (let m = 0; m < opts.minutes; m++) {
    const ambient = 21 + 2 * Math.sin((2 * Math.PI * m) / 1440) + 0.3 * Math.sin(m / 97);
    entries.forEach((e, i) => {
      let v: number | null = ambient + offsets[i]! + 0.08 * rng.gauss();
      if (opts.fault) v = opts.fault(i, m, v);
      if (v !== null) observe(e.state, e.profile, [{ ts: T0 + m * MIN + i * 500, value: v }], T0 + m * MIN + 5000, cfg);
    });
    const outs = sweepFleet(entries, T0 + (m + 1) * MIN, cfg);
    log.push({
      minute: m,
      kinds: outs.map((o) => o.verdict.reasons.filter((r) => r.active).map((r) => r.kind)),
      recovering: outs.map((o) => o.verdict.reasons.filter((r) => !r.active).map((r) => r.kind)),
      statuses: outs.map((o) => o.verdict.status),
      material: outs.map((o) => o.material === true),
      noise: outs.map((o) => o.verdict.reasons.find((r) => r.kind === 'NOISE' && r.active)?.message ?? ''),
    });
  }
  return { entries, log };
}

describe('sweepFleet', () => {
  it('returns one outcome per entry, in order, and is quiet for a healthy zone with per-sensor offsets', () => {
    const { log } = runZone({ sensors: 5, minutes: 1800 });
    expect(log[log.length - 1]!.statuses).toEqual(['HEALTHY', 'HEALTHY', 'HEALTHY', 'HEALTHY', 'HEALTHY']);
    expect(log.every((l) => l.kinds.every((k) => k.length === 0))).toBe(true);
  });

  it('flags OFFLINE after 3 expected intervals plus one sweep, and clears it as soon as data arrives', () => {
    const silentFrom = 600;
    const { log } = runZone({
      sensors: 4,
      minutes: 700,
      fault: (i, m, v) => (i === 2 && m >= silentFrom && m < 650 ? null : v),
    });
    const first = log.findIndex((l) => l.statuses[2] === 'OFFLINE');
    expect(first).toBeGreaterThan(silentFrom);
    expect(first - silentFrom).toBeLessThanOrEqual(3 + 1);
    expect(log[649]!.kinds[2]).toEqual(['OFFLINE']);
    expect(log[649]!.statuses[2]).toBe('OFFLINE');
    expect(log[650]!.statuses[2]).not.toBe('OFFLINE');
    expect(log[650]!.kinds[2]).not.toContain('OFFLINE');
    // back with healthy values: HEALTHY again (silence is no evidence about the values)
    expect(log[650]!.statuses[2]).toBe('HEALTHY');
    expect(log[650]!.recovering[2]).toEqual([]);
  });

  it('flags GAP when half the expected readings are missing', () => {
    const rng = createRng(11);
    const { log, entries } = runZone({
      sensors: 4,
      minutes: 900,
      fault: (i, m, v) => (i === 1 && m >= 400 && rng.next() < 0.5 ? null : v),
    });
    expect(log[399]!.kinds[1]).toEqual([]);
    const gap = log.findIndex((l) => l.kinds[1]!.includes('GAP'));
    expect(gap).toBeGreaterThan(400);
    const msg = sweepFleet(entries, T0 + 900 * MIN, cfg)[1]!.verdict.reasons.find((r) => r.kind === 'GAP')!.message;
    expect(msg).toMatch(/^received \d+ of \d+ expected readings \(\d+ %\) in the last \d+ min/);
    // well below its own normal, but the values that came are fine: an advisory, still HEALTHY
    const reason = sweepFleet(entries, T0 + 900 * MIN, cfg)[1]!.verdict.reasons.find((r) => r.kind === 'GAP')!;
    expect(reason.advisory).toBe(true);
    expect(log[899]!.statuses[1]).toBe('HEALTHY');
  });

  it('a sensor that has always been lossy carries a LOW advisory and stays HEALTHY', () => {
    const rng = createRng(12);
    const { log, entries } = runZone({
      sensors: 4,
      minutes: 900,
      fault: (i, _m, v) => (i === 1 && rng.next() < 0.45 ? null : v),
    });
    // after its first hour (learning its normal completeness): never more than the advisory
    expect(log.slice(100).every((l) => l.kinds[1]!.length === 0 || l.kinds[1]!.join() === 'GAP')).toBe(true);
    const last = sweepFleet(entries, T0 + 900 * MIN, cfg)[1]!.verdict;
    expect(last.status).toBe('HEALTHY');
    expect(last.reasons).toMatchObject([{ kind: 'GAP', severity: 'LOW', advisory: true }]);
    expect(log.slice(100).every((l) => l.statuses[1] === 'HEALTHY')).toBe(true);
  });

  it('judges GAP only on the time since the first reading: two readings a minute ago are no GAP', () => {
    const now = T0 + 600 * MIN;
    const e = { profile: profileOf(), state: initialTrustState() };
    observe(
      e.state,
      e.profile,
      [
        { ts: now - 61_000, value: 21 },
        { ts: now - 1000, value: 21.1 },
      ],
      now,
      cfg,
    );
    for (const at of [now, now + 30_000, now + 60_000]) {
      const v = sweepFleet([e], at, cfg)[0]!.verdict;
      expect(v.reasons).toEqual([]);
    }
  });

  it('an import of old history shows OFFLINE as an advisory (no ticket); a live sensor that goes silent gets the full reason', () => {
    const now = T0 + 5 * 24 * 60 * MIN;
    const history = { profile: profileOf({ id: 'old' }), state: initialTrustState() };
    const live = { profile: profileOf({ id: 'live' }), state: initialTrustState() };
    const rs = (end: number) =>
      Array.from({ length: 600 }, (_, i) => ({ ts: end - (600 - i) * MIN, value: 21 + Math.sin(i / 50) }));
    // 10 h of readings ending three days before they arrive, in 1,000-reading-like batches
    observe(history.state, history.profile, rs(now - 3 * 24 * 60 * MIN), now, cfg);
    // the same shape streamed live, then silent for 10 min
    for (const r of rs(now - 10 * MIN)) observe(live.state, live.profile, [r], r.ts + 2000, cfg);
    const [h, l] = sweepFleet([history, live], now, cfg);
    if (!h || !l) throw new Error('sweepFleet returns one outcome per entry');
    expect(h.verdict.status).toBe('OFFLINE');
    expect(h.verdict.reasons).toMatchObject([{ kind: 'OFFLINE', severity: 'LOW', advisory: true, active: true }]);
    expect(l.verdict.status).toBe('OFFLINE');
    expect(l.verdict.reasons).toMatchObject([{ kind: 'OFFLINE', severity: 'HIGH', advisory: false }]);
    // history reports no reputation loss while it stays silent
    const later = sweepFleet([history], now + 60 * MIN, cfg)[0]!;
    expect(later.verdict.score).toBe(h.verdict.score);
  });

  it('flags DRIFT on the sensor departing from its peers, learning constant offsets first', () => {
    const { log, entries } = runZone({
      sensors: 5,
      minutes: 1800,
      fault: (i, m, v) => (i === 3 && m >= 900 ? v + ((m - 900) / 60) * 0.3 : v),
    });
    const first = log.findIndex((l) => l.kinds[3]!.includes('DRIFT'));
    expect(first).toBeGreaterThan(900);
    expect(first).toBeLessThan(900 + 8 * 60);
    for (const i of [0, 1, 2, 4]) expect(log.every((l) => !l.kinds[i]!.includes('DRIFT'))).toBe(true);
    const drift = sweepFleet(entries, T0 + 1800 * MIN, cfg)[3]!.verdict.reasons.find((r) => r.kind === 'DRIFT')!;
    expect(drift.message).toMatch(
      /^[\d.]+ °C above its usual difference from the median of 4 peers, [\d.]+× its usual spread ±[\d.]+ °C over all hours \(this hour not learned yet\)$/,
    );
    expect(drift.since).toBeGreaterThan(T0 + 900 * MIN);
  });

  it('learns a daily departure that comes back by itself (sun in the afternoon), and still flags a real bias', () => {
    // sensor 3 reads 3 °C above its peers every afternoon (13:00–18:00 UTC), for 8 days; on the
    // last night it reads 4 °C high for good (a bias)
    const day = 1440;
    const { log, entries } = runZone({
      sensors: 6,
      minutes: 8 * day,
      fault: (i, m, v) => {
        if (i !== 3) return v;
        const minuteOfDay = m % day;
        const sun = minuteOfDay >= 13 * 60 && minuteOfDay < 18 * 60 ? 3 : 0;
        return v + sun + (m >= 7 * day + 60 ? 4 : 0);
      },
    });
    const driftDays = new Set(log.filter((l) => l.kinds[3]!.includes('DRIFT')).map((l) => Math.floor(l.minute / day)));
    // the first afternoons are DRIFT (each teaches those hours at most the threshold), then they
    // are its normal for those hours
    expect([...driftDays].filter((d) => d < 7)).toEqual([0, 1, 2, 3]);
    for (const d of [4, 5, 6]) expect(driftDays.has(d)).toBe(false);
    for (const i of [0, 1, 2, 4, 5]) expect(log.every((l) => !l.kinds[i]!.includes('DRIFT'))).toBe(true);
    // the bias at night is caught within 2 h and says which hour's model judged it
    const first = log.findIndex((l) => l.minute >= 7 * day && l.kinds[3]!.includes('DRIFT'));
    expect(first).toBeGreaterThan(7 * day + 60);
    expect(first).toBeLessThan(7 * day + 180);
    const drift = sweepFleet(entries, T0 + 8 * day * MIN, cfg)[3]!.verdict.reasons.find((r) => r.kind === 'DRIFT')!;
    expect(drift.message).toMatch(
      /^[\d.]+ °C above its usual difference from the median of 5 peers, [\d.]+× its usual spread ±[\d.]+ °C for \d\d:00 UTC$/,
    );
  });

  it('does not flag one sensor departing while its peers disagree among themselves as much (weather, not the sensor)', () => {
    // from minute 1200 to 1380 sensor 5 reads 2.5 °C high; in the first zone four of its peers
    // also depart (±2–3 °C, as sun and shade would), in the second it departs alone
    const together = [2, -2, 3, -3];
    const run = (others: boolean) =>
      runZone({
        sensors: 9,
        minutes: 1500,
        fault: (i, m, v) => {
          if (m < 1200 || m >= 1380) return v;
          if (i === 5) return v + 2.5;
          return others && i < 4 ? v + together[i]! : v;
        },
      }).log;
    const drifting = (log: ReturnType<typeof run>) =>
      [...new Set(log.flatMap((l) => l.kinds.flatMap((k, i) => (k.includes('DRIFT') ? [i] : []))))].sort();
    expect(drifting(run(true))).toEqual([]);
    expect(drifting(run(false))).toEqual([5]);
  });

  it('calls a sweep material only when a reader could see it: reasons, status, history, silence, drift timing', () => {
    const { log } = runZone({
      sensors: 5,
      minutes: 1800,
      fault: (i, m, v) =>
        i === 3 && m >= 900 ? v + ((m - 900) / 60) * 0.3 : i === 1 && m >= 1700 && m < 1720 ? null : v,
    });
    // A healthy, reporting sensor: once settled, its sweeps only move drift bookkeeping.
    const settled = log.slice(600, 900);
    const healthyMaterial = settled.filter((l) => l.material[0]).length;
    expect(healthyMaterial).toBeLessThan(settled.length * 0.05);
    // The departing sensor: material when the departure starts being timed, and while DRIFT is raised.
    const timing = log.findIndex((l, m) => m >= 900 && l.material[3]);
    expect(timing).toBeGreaterThan(900);
    const raised = log.findIndex((l) => l.kinds[3]!.includes('DRIFT'));
    expect(timing).toBeLessThan(raised);
    expect(log.slice(raised).every((l) => l.material[3])).toBe(true);
    // A silent sensor: material every sweep from its second missed interval until it reports again.
    for (let m = 1702; m < 1720; m++) expect(log[m]!.material[1]).toBe(true);
    // Back: the outage was OFFLINE, not GAP too (GAP starts over after a silence); then quiet.
    expect(log[1721]!.kinds[1]).toEqual([]);
    expect(log[1721]!.statuses[1]).not.toBe('OFFLINE');
    expect(log[1790]!.kinds[1]).toEqual([]);
    expect(log[1790]!.material[1]).toBe(false);
  });

  it('cannot judge DRIFT with fewer than 3 peers', () => {
    const { log } = runZone({
      sensors: 3,
      minutes: 1500,
      fault: (i, m, v) => (i === 0 && m >= 700 ? v + (m - 700) / 60 : v),
    });
    expect(log.every((l) => l.kinds.every((k) => !k.includes('DRIFT')))).toBe(true);
  });

  it('a healthy sensor back after an hour offline resumes HEALTHY: silence is no evidence about its values', () => {
    const { log } = runZone({
      sensors: 4,
      minutes: 900,
      fault: (i, m, v) => (i === 0 && m >= 500 && m < 560 ? null : v),
    });
    expect(log[555]!.statuses[0]).toBe('OFFLINE');
    expect(log[561]!.statuses[0]).toBe('HEALTHY');
    expect(log[899]!.statuses[0]).toBe('HEALTHY');
  });
});

describe('NOISE against the peers', () => {
  it('flags the one sensor of a zone that jumps up and down far more than its peers, in event-time windows, and clears it', () => {
    // the per-reading NOISE detector switched off: only the judgement against the peers can raise it
    const config = mergeTrustConfig(DEFAULT_TRUST_CONFIG, { defaults: { noiseRatio: 1000, noiseClearRatio: 1 } });
    const { log, entries } = runZone({
      sensors: 5,
      minutes: 1500,
      config,
      fault: (i, m, v) => (i === 2 && m >= 1200 && m < 1260 ? v + (m % 2 === 0 ? 1.5 : -1.5) : v),
    });
    const noisy = log.filter((l) => l.kinds[2]!.includes('NOISE')).map((l) => l.minute);
    // judged when the window has closed and the lateness bound has passed (10 + 10 min)
    expect(noisy[0]).toBeGreaterThan(1200);
    expect(noisy[0]).toBeLessThanOrEqual(1240);
    expect(noisy[noisy.length - 1]).toBeLessThan(1320);
    expect(log.find((l) => l.minute === noisy[0])!.noise[2]).toMatch(/× its peers' median/);
    // the peers, whose zig-zag is the reference, are never flagged
    expect(log.every((l) => [0, 1, 3, 4].every((i) => !l.kinds[i]!.includes('NOISE')))).toBe(true);
    expect(verdictOf(entries[2]!.state).reasons.filter((r) => r.active)).toEqual([]);
  });

  it('does not flag a zone that is quiet, nor one whose sensors all jump together', () => {
    const config = mergeTrustConfig(DEFAULT_TRUST_CONFIG, { defaults: { noiseRatio: 1000, noiseClearRatio: 1 } });
    const { log } = runZone({
      sensors: 5,
      minutes: 1500,
      config,
      fault: (_, m, v) => (m >= 1200 && m < 1260 ? v + (m % 2 === 0 ? 1.5 : -1.5) : v),
    });
    expect(log.every((l) => l.kinds.every((k) => !k.includes('NOISE')))).toBe(true);
  });
});

describe('a registered sensor that never reported', () => {
  it('stays UNKNOWN within its offline limit, then is OFFLINE "never reported" (advisory) until its first reading', () => {
    const profile = profileOf({ id: 'quiet' });
    const state = initialTrustState();
    const entry = { profile, state, registeredAt: T0 };
    const [early] = sweepFleet([entry], T0 + 2 * MIN, cfg);
    expect(early!.verdict.status).toBe('UNKNOWN');
    const [late] = sweepFleet([entry], T0 + 60 * MIN, cfg);
    expect(late!.verdict.status).toBe('OFFLINE');
    const reason = late!.verdict.reasons.find((r) => r.kind === 'OFFLINE');
    expect(reason).toMatchObject({ active: true, advisory: true, since: T0 });
    expect(reason!.message).toMatch(
      /^never reported: no reading in the 60 min since it was registered \(expected every 60 s\)/,
    );
    // Without a registration time (the engine alone, as before) nothing is judged.
    const [unknown] = sweepFleet([{ profile, state: initialTrustState() }], T0 + 60 * MIN, cfg);
    expect(unknown!.verdict.status).toBe('UNKNOWN');
    // Its first reading clears it.
    const first = observe(state, profile, [{ ts: T0 + 61 * MIN, value: 21 }], T0 + 61 * MIN, cfg);
    expect(first.verdict.reasons.filter((r) => r.kind === 'OFFLINE' && r.active)).toEqual([]);
    expect(first.verdict.status).not.toBe('OFFLINE');
  });
});
