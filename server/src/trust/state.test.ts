import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRUST_CONFIG,
  initialTrustState,
  verdictOf,
  observe,
  parseTrustState,
  restoreTrustState,
  type RestoredState,
  type TrustOutcome,
  type TrustState,
} from './index.js';
import { createRng } from './eval/prng.js';
import { healthySignal, MIN, profileOf, T0 } from './test-signals.js';
import { STATE_VERSION, activeKindMask } from './state.js';
import { readFileSync } from 'node:fs';
import type { ReadingSample, TrustPointData } from './types.js';

const cfg = DEFAULT_TRUST_CONFIG;
const profile = profileOf();

/** A seeded signal that walks through most detectors: healthy, spikes, stuck, noise, out of range, late. */
function eventfulSignal(seed: number): ReadingSample[] {
  const rng = createRng(seed);
  const out: ReadingSample[] = [];
  for (let i = 0; i < 3000; i++) {
    let v = 21 + 2 * Math.sin(i / 200) + 0.1 * rng.gauss();
    if (i >= 400 && i < 800 && rng.next() < 0.05) v += 5;
    if (i >= 1000 && i < 1100) v = 22.5;
    if (i >= 1400 && i < 1600) v += 1.2 * rng.gauss();
    if (i >= 1900 && i < 1910) v = 999;
    let ts = T0 + i * MIN + Math.round(rng.next() * 2000);
    if (i % 500 === 250) ts -= 20 * MIN;
    out.push({ ts, value: Number(v.toFixed(2)) });
  }
  return out;
}

function batches(rs: ReadingSample[], seed: number): ReadingSample[][] {
  const rng = createRng(seed);
  const out: ReadingSample[][] = [];
  for (let i = 0; i < rs.length;) {
    const n = 1 + Math.floor(rng.next() * 12);
    out.push(rs.slice(i, i + n));
    i += n;
  }
  return out;
}

const nowOf = (b: ReadingSample[]) => Math.max(...b.map((r) => r.ts)) + 3000;
const roundTrip = (s: TrustState): TrustState => JSON.parse(JSON.stringify(s));

function onlyPlainFiniteData(x: unknown): boolean {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(onlyPlainFiniteData);
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.values(x).every(onlyPlainFiniteData);
  return false;
}

describe('state persistence', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: JSON round-trips between every batch give the same verdicts and points as an uninterrupted run`, () => {
      const rs = eventfulSignal(seed);
      let kept = initialTrustState();
      let persisted = initialTrustState();
      const seen = new Set<string>();
      for (const b of batches(rs, seed)) {
        const a: TrustOutcome = observe(kept, profile, b, nowOf(b), cfg);
        const p: TrustOutcome = observe(roundTrip(persisted), profile, b, nowOf(b), cfg);
        expect(p.verdict).toEqual(a.verdict);
        expect(p.points).toEqual(a.points);
        expect(p.changed).toBe(a.changed);
        for (const r of a.verdict.reasons) seen.add(r.kind);
        kept = a.state;
        persisted = p.state;
      }
      expect(roundTrip(persisted)).toEqual(roundTrip(kept));
      // the signal really exercised the detectors
      expect([...seen].sort()).toEqual(expect.arrayContaining(['CLOCK', 'NOISE', 'OUT_OF_RANGE', 'SPIKE', 'STUCK']));
    });
  }

  it('feeding in two halves equals feeding at once', () => {
    const rs = eventfulSignal(7).filter((r, i, all) => i === 0 || r.ts > all[i - 1]!.ts);
    const whole = observe(initialTrustState(), profile, rs, rs[rs.length - 1]!.ts + 1000, cfg);
    const s = initialTrustState();
    const first = observe(s, profile, rs.slice(0, 1234), rs[rs.length - 1]!.ts + 1000, cfg);
    const second = observe(roundTrip(first.state), profile, rs.slice(1234), rs[rs.length - 1]!.ts + 1000, cfg);
    expect(second.verdict).toEqual(whole.verdict);
    expect([...first.points, ...second.points]).toEqual(whole.points);
    expect(roundTrip(second.state)).toEqual(roundTrip(whole.state));
  });

  it('is plain JSON data with finite numbers, a version, and a bounded size', () => {
    const s = initialTrustState();
    const sizes: number[] = [];
    const rs = eventfulSignal(4);
    for (const b of batches(rs, 4)) {
      observe(s, profile, b, nowOf(b), cfg);
      expect(onlyPlainFiniteData(s)).toBe(true);
      sizes.push(JSON.stringify(s).length);
    }
    expect(s.v).toBe(STATE_VERSION);
    // 120 of its numbers are DRIFT hour-of-day slots (filled only in a zone; about 2.8 KB there), 24 the
    // windows' zig-zag for NOISE against the peers: ≤ 2.6 KB alone
    expect(Math.max(...sizes)).toBeLessThan(2600);
    // bounded: no growth with the number of readings (once the DRIFT window ring has filled)
    expect(sizes[sizes.length - 1]).toBeLessThan(sizes[Math.floor(sizes.length / 2)]! + 300);
  });

  it('never lets non-finite input into the state', () => {
    const s = initialTrustState();
    observe(s, profile, healthySignal({ count: 50 }), T0 + 50 * MIN, cfg);
    observe(
      s,
      profile,
      [
        { ts: T0 + 51 * MIN, value: Number.NaN },
        { ts: T0 + 52 * MIN, value: Infinity },
      ],
      T0 + 52 * MIN,
      cfg,
    );
    expect(onlyPlainFiniteData(s)).toBe(true);
    expect(s.n).toBe(50);
  });
});

describe('trust history points', () => {
  it('follow the score: a point at every status change, every change of the kinds it rests on and every move of 2 or more, and every 5 min while it moves', () => {
    const s = initialTrustState();
    const rs = eventfulSignal(2);
    const points: TrustPointData[] = [];
    for (const b of batches(rs, 2)) {
      const out = observe(s, profile, b, nowOf(b), cfg);
      points.push(...out.points);
      // a chart of the points agrees with the score shown beside it
      if (points.length > 0 && out.verdict.status !== 'UNKNOWN') {
        const last = points[points.length - 1]!;
        expect(Math.abs(last.score - out.verdict.score)).toBeLessThan(2);
        expect(last.status).toBe(out.verdict.status);
      }
    }
    const statuses = points.map((p) => p.status);
    expect(statuses).toContain('HEALTHY');
    expect(statuses).toContain('FAULTY');
    const kinds = (p: (typeof points)[number]) =>
      p.reasons
        .filter((r) => !r.advisory)
        .map((r) => r.kind)
        .sort()
        .join();
    for (let i = 1; i < points.length; i++) {
      // a status change or a change of the kinds it rests on is always a point
      if (points[i]!.status !== points[i - 1]!.status || kinds(points[i]!) !== kinds(points[i - 1]!)) continue;
      const moved = Math.abs(points[i]!.score - points[i - 1]!.score);
      expect(moved >= 2 || (moved >= 0.5 && points[i]!.at - points[i - 1]!.at >= 5 * MIN)).toBe(true);
    }
  });
});

describe('restoreTrustState', () => {
  for (const version of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
    it(`upgrades a stored version-${version} state instead of resetting it`, () => {
      // fixtures/state-vN.json: written by the vN build (300 readings, recovering from a 40-reading STUCK run).
      const old = JSON.parse(
        readFileSync(new URL(`./fixtures/state-v${version}.json`, import.meta.url), 'utf8'),
      ) as Record<string, unknown>;
      expect(old.v).toBe(version);
      const { state: s, reset } = restoreTrustState(structuredClone(old));
      expect(reset).toBeNull();
      expect(s.v).toBe(STATE_VERSION);
      // everything learned survives: counts, ring, baselines, reputation and status
      for (const key of ['n', 'buf', 'med', 'md', 'p0', 'a', 'b', 'st', 'ra', 'e', 'lastTs', 'gC', 'irr'])
        expect({ key, value: (s as unknown as Record<string, unknown>)[key] }).toEqual({ key, value: old[key] });
      expect(s).not.toEqual(initialTrustState());
      // v2 → v3 starts the normal jitter from the jitter learned so far; later versions keep theirs
      expect(s.irrN).toBe(version < 3 ? old.irr : old.irrN);
      // v5 → v6: the hour-of-day normal survives; no NOISE episode is under way
      if (version === 5) expect({ nH: s.nH, nX: s.nX }).toEqual({ nH: old.nH, nX: new Array(24).fill(0) });
      // v6 → v7: the all-hours drift offset and scale survive; the hour-of-day slots start unlearned
      if (version === 6)
        expect({ dOff: s.dOff, dScale: s.dScale, dHn: s.dHn }).toEqual({
          dOff: old.dOff,
          dScale: old.dScale,
          dHn: new Array(24).fill(0),
        });
      // v8 → v9: no relapse known; CLOCK's usual highest irregularity starts at its mean
      if (version === 8) expect({ rl: s.rl, rlN: s.rlN, irrX: s.irrX }).toEqual({ rl: 0, rlN: -1, irrX: old.irrN });
      // v9 → v10: the last point's kinds start as the kinds active now (the upgrade writes no point)
      expect(s.ptK).toBe(activeKindMask(s.ra, s.rf));
      // v10 → v11: no earlier out-of-range reading or STUCK clearing is known
      if (version <= 10) expect({ oN: s.oN, tN: s.tN }).toEqual({ oN: -1_000_000, tN: -1_000_000 });
      // v11 → v12: NOISE against the peers starts with no zig-zag and nothing learned or raised
      expect({ wZ: s.wZ, wZc: s.wZc, zD: s.zD, zA: s.zA, zQ: s.zQ, zN: s.zN, zK: s.zK }).toEqual({
        wZ: new Array(12).fill(0),
        wZc: new Array(12).fill(0),
        zD: 0,
        zA: 0,
        zQ: 0,
        zN: 0,
        zK: 0,
      });
      const v = verdictOf(s);
      expect([v.status, v.score]).toEqual(['FAULTY', 43]);
      // and it keeps working: healthy readings move it on from where it was, not from scratch
      const more = healthySignal({ count: 20, start: (s.lastTs as number) + MIN, seed: 9 });
      const out = observe(s, profile, more, more[more.length - 1]!.ts + 1000, cfg);
      expect(out.state.n).toBe(320);
      expect(out.verdict.status).not.toBe('UNKNOWN');
    });
  }

  it('keeps the hour-of-day DRIFT model a v7 sensor learned (v7 → v8), with no residual episode under way', () => {
    // fixtures/state-v7-drift.json: written by the v7 build, one of 5 sensors of a zone after
    // 3 days, 0.8 °C above its peers every day from 13:00 to 17:00 (learned as those hours' normal).
    const old = JSON.parse(readFileSync(new URL('./fixtures/state-v7-drift.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(old.v).toBe(7);
    const { state: s, reset } = restoreTrustState(structuredClone(old));
    expect(reset).toBeNull();
    for (const key of ['dOff', 'dScale', 'dLearn', 'dLoc', 'dSc', 'dHn', 'dN', 'dMu', 'dVar', 'wS', 'wC', 'dJ'])
      expect({ key, value: (s as unknown as Record<string, unknown>)[key] }).toEqual({ key, value: old[key] });
    expect(s.dLoc[14]).toBeGreaterThan(0.6);
    expect({ dEp: s.dEp, dPS: s.dPS, dPN: s.dPN }).toEqual({
      dEp: null,
      dPS: new Array(24).fill(0),
      dPN: new Array(24).fill(0),
    });
  });

  it('pads per-kind arrays stored before a kind was appended', () => {
    const s = roundTrip(initialTrustState()) as unknown as { ra: unknown[]; e: unknown[] };
    s.ra = s.ra.slice(0, -1);
    s.e = s.e.slice(0, -3);
    const { state: r, reset } = restoreTrustState(s);
    expect(reset).toBeNull();
    expect(r.ra).toEqual(initialTrustState().ra);
    expect(r.e).toEqual(initialTrustState().e);
  });

  it('takes a persisted current-version state as is', () => {
    const s = initialTrustState();
    observe(s, profile, healthySignal({ count: 100 }), T0 + 100 * MIN, cfg);
    expect(restoreTrustState(roundTrip(s))).toEqual({ state: roundTrip(s), reset: null });
    expect(parseTrustState(JSON.stringify(s))).toEqual({ state: roundTrip(s), reset: null });
  });
  it('fills fields a newer build added without a reset', () => {
    const s = roundTrip(initialTrustState()) as Partial<TrustState>;
    delete s.late;
    expect(restoreTrustState(s)).toEqual({ state: initialTrustState(), reset: null });
    // a never-judged sensor (no stored state) starts from the initial state: not a reset
    expect(parseTrustState(null)).toEqual({ state: initialTrustState(), reset: null });
  });

  /** A stored state that is restored as the initial one, and the reset it reports. */
  const resetOf = (restored: RestoredState) => {
    expect(restored.state).toEqual(initialTrustState());
    expect(restored.reset).not.toBeNull();
    return restored.reset!;
  };
  const v1 = () =>
    JSON.parse(readFileSync(new URL('./fixtures/state-v1.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('starts over from anything that is not a state, and says it was malformed', () => {
    const cases: [raw: unknown, storedVersion: number | null][] = [
      [null, null],
      [42, null],
      ['x', null],
      [[1, 2], null],
      [{}, null],
      [{ ...initialTrustState(), v: '6' }, null],
      [{ ...initialTrustState(), buf: [1, 2] }, STATE_VERSION],
      [{ ...initialTrustState(), n: 'x' }, STATE_VERSION],
      [{ ...initialTrustState(), e: [...initialTrustState().e.slice(1), 'x'] }, STATE_VERSION],
      [{ ...initialTrustState(), unit: 7 }, STATE_VERSION],
      // an older version whose fields are corrupt: upgraded, then refused for the field
      [{ ...v1(), buf: [1, 2] }, 1],
    ];
    for (const [raw, storedVersion] of cases) {
      const { reason, storedVersion: reported } = resetOf(restoreTrustState(raw));
      expect({ raw, reason, storedVersion: reported }).toEqual({ raw, reason: 'malformed', storedVersion });
    }
    expect(resetOf(restoreTrustState({ ...initialTrustState(), buf: [1, 2] })).detail).toBe('buf: length 2, want 16');
    // stored JSON text that is not JSON at all
    const notJson = resetOf(parseTrustState('{"v":6,'));
    expect(notJson).toMatchObject({ reason: 'malformed', storedVersion: null });
    expect(notJson.detail).toMatch(/^not JSON: /);
  });

  it('starts over from an older version it has no upgrade step for: unknown-version', () => {
    for (const v of [0, -1, 2.5])
      expect(resetOf(restoreTrustState({ ...initialTrustState(), v }))).toEqual({
        reason: 'unknown-version',
        storedVersion: v,
        detail: `no upgrade step from v${v}`,
      });
  });

  it('starts over from a version newer than this build (read after a rollback): newer-version', () => {
    const stored = { ...initialTrustState(), v: STATE_VERSION + 1 };
    expect(resetOf(restoreTrustState(stored))).toEqual({
      reason: 'newer-version',
      storedVersion: STATE_VERSION + 1,
      detail: `this build reads up to v${STATE_VERSION}`,
    });
    expect(resetOf(parseTrustState(JSON.stringify({ v: 99 })))).toMatchObject({
      reason: 'newer-version',
      storedVersion: 99,
    });
  });

  it('starts over when an upgrade step throws or does not reach the next version: upgrade-failed', () => {
    // The real v1 → v2 step reads gB: a state whose gB cannot be read makes it throw.
    const throwing = Object.defineProperty(v1(), 'gB', {
      enumerable: true,
      get() {
        throw new Error('unreadable gB');
      },
    });
    expect(resetOf(restoreTrustState(throwing))).toEqual({
      reason: 'upgrade-failed',
      storedVersion: 1,
      detail: 'v1 → v2: Error: unreadable gB',
    });
    // A step that skips a version, or forgets to bump `v` (without the check: a loop for ever).
    for (const step of [
      (old: Record<string, unknown>) => ({ ...old, v: 3 }),
      (old: Record<string, unknown>) => ({ ...old }),
    ])
      expect(resetOf(restoreTrustState({ ...initialTrustState(), v: 1 }, { 1: step }))).toMatchObject({
        reason: 'upgrade-failed',
        storedVersion: 1,
      });
  });
});
