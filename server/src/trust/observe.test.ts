import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRUST_CONFIG,
  INITIAL_SCORE,
  initialTrustState,
  lastReadingAt,
  observe,
  verdictOf,
  type TrustState,
} from './index.js';
import { createRng } from './eval/prng.js';
import { continueWith, healthySignal, MIN, profileOf, T0 } from './test-signals.js';
import type { ReadingSample, SensorProfile } from './types.js';

const cfg = DEFAULT_TRUST_CONFIG;

/** Feed one reading at a time (as a slow integrator would) and return every verdict. */
function feed(readings: ReadingSample[], profile = profileOf(), state: TrustState = initialTrustState()) {
  const verdicts = readings.map((r) => observe(state, profile, [r], r.ts + 2000, cfg).verdict);
  const last = verdicts.at(-1);
  if (!last) throw new Error('feed needs at least one reading');
  return { state, verdicts, last };
}

/** Kinds of the active reasons. */
const kinds = (v: { reasons: { kind: string; active: boolean }[] }) =>
  v.reasons.filter((r) => r.active).map((r) => r.kind);

describe('observe: a sensor with no data', () => {
  it('is UNKNOWN with the initial score', () => {
    const s = initialTrustState();
    expect(verdictOf(s)).toEqual({ score: INITIAL_SCORE, status: 'UNKNOWN', severity: 'NONE', reasons: [] });
    expect(lastReadingAt(s)).toBeNull();
  });
  it('stays UNKNOWN for the first 4 readings, then becomes HEALTHY', () => {
    const { verdicts, state } = feed(healthySignal({ count: 6 }));
    expect(verdicts.slice(0, 4).map((v) => v.status)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    expect(verdicts[4]!.status).toBe('HEALTHY');
    expect(lastReadingAt(state)).toBe(healthySignal({ count: 6 })[5]!.ts);
  });
});

describe('OUT_OF_RANGE is flagged on the first such reading', () => {
  const cases: { name: string; profile: Partial<SensorProfile>; value: number; flagged: boolean; text?: string }[] = [
    {
      name: 'above max',
      profile: { maxValue: 60 },
      value: 127.5,
      flagged: true,
      text: "127.5 °C is above the sensor's max 60 °C",
    },
    {
      name: 'below min',
      profile: { minValue: -10 },
      value: -127,
      flagged: true,
      text: "-127 °C is below the sensor's min -10 °C",
    },
    { name: 'unbounded max', profile: { maxValue: null }, value: 500, flagged: false },
    { name: 'exactly at max', profile: { maxValue: 60 }, value: 60, flagged: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const profile = profileOf(c.profile);
      const warm = healthySignal({ count: 100 });
      const { state } = feed(warm, profile);
      const out = observe(
        state,
        profile,
        continueWith(warm, 1, () => c.value),
        warm[99]!.ts + MIN,
        cfg,
      );
      const oor = out.verdict.reasons.find((r) => r.kind === 'OUT_OF_RANGE');
      expect(Boolean(oor)).toBe(c.flagged);
      if (c.text) {
        expect(oor!.message).toContain(c.text);
        expect(oor!.since).toBe(warm[99]!.ts + MIN);
        expect(out.verdict.status).not.toBe('HEALTHY');
        expect(out.changed).toBe(true);
      }
    });
  }
});

describe('SPIKE', () => {
  it('a single spike does not change a HEALTHY status', () => {
    const warm = healthySignal({ count: 300 });
    const { state, last } = feed(warm);
    expect(last.status).toBe('HEALTHY');
    const after = continueWith(warm, 100, (i) => (i === 0 ? 35 : 21 + 0.1 * Math.sin(i)));
    const { verdicts } = feed(after, profileOf(), state);
    expect(new Set(verdicts.map((v) => v.status))).toEqual(new Set(['HEALTHY']));
  });
  it('repeated isolated spikes raise SPIKE, with the spike size in the message', () => {
    const rng = createRng(3);
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    const spiky = continueWith(warm, 200, (i) => 21 + 0.1 * rng.gauss() + (i % 25 === 10 ? 6 : 0));
    const { last } = feed(spiky, profileOf(), state);
    const spike = last.reasons.find((r) => r.kind === 'SPIKE');
    expect(spike?.message).toMatch(/isolated spikes, the last [\d.]+ °C above the local median/);
    expect(kinds(last)).not.toContain('STUCK');
    expect(kinds(last)).not.toContain('NOISE');
  });
});

describe('STUCK', () => {
  const cases = [
    { name: 'continuous noisy signal', noise: 0.1, quantum: 0 },
    { name: 'signal quantised to 0.1 °C', noise: 0.1, quantum: 0.1 },
    { name: 'signal quantised to 0.05 °C', noise: 0.05, quantum: 0.05 },
  ];
  for (const c of cases) {
    it(`a constant after a moving ${c.name} is STUCK within 20 readings`, () => {
      const warm = healthySignal({ count: 600, noise: c.noise, quantum: c.quantum || undefined });
      const { state, last } = feed(warm);
      expect(last.reasons).toEqual([]);
      const frozen = warm[warm.length - 1]!.value;
      const { verdicts } = feed(
        continueWith(warm, 20, () => frozen),
        profileOf(),
        state,
      );
      const first = verdicts.findIndex((v) => kinds(v).includes('STUCK'));
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(20);
      expect(verdicts[first]!.reasons.find((r) => r.kind === 'STUCK')!.message).toMatch(
        /^flat at [\d.]+ °C for \d+ readings \/ \d+ min$/,
      );
    });
  }
  it('clears after sustained movement; the status follows within a few readings, not hours', () => {
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    const stuck = continueWith(warm, 60, () => 22);
    feed(stuck, profileOf(), state);
    expect(verdictOf(state).status).toBe('FAULTY');
    const moving = healthySignal({ count: 400, seed: 9, start: stuck[59]!.ts + MIN });
    const { verdicts } = feed(moving, profileOf(), state);
    // one stuck stretch ends when the values move: STUCK clears on the first moving reading and,
    // with no reason left, the status goes straight back (the score still climbing is no reason)
    // (the first moving reading may wait as a spike candidate: the jump off the flat value)
    const cleared = verdicts.findIndex((v) => !kinds(v).includes('STUCK'));
    expect(cleared).toBeLessThanOrEqual(1);
    expect(verdicts[cleared]!).toMatchObject({ status: 'HEALTHY', reasons: [] });
    expect(verdicts[cleared]!.score).toBeLessThan(cfg.defaults.healthyAbove);
    expect(verdicts[399]!.status).toBe('HEALTHY');
    expect(verdicts[399]!.reasons).toEqual([]);
  });

  it('stuck again soon after moving is an episode: STUCK holds stuckClearReadings, then the status follows', () => {
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    const stuck = continueWith(warm, 60, () => 22);
    feed(stuck, profileOf(), state);
    const moved = healthySignal({ count: 5, seed: 9, start: stuck[59]!.ts + MIN });
    feed(moved, profileOf(), state);
    const again = continueWith(moved, 60, () => 22);
    feed(again, profileOf(), state);
    expect(verdictOf(state).status).toBe('FAULTY');
    const moving = healthySignal({ count: 100, seed: 10, start: again[59]!.ts + MIN });
    const { verdicts } = feed(moving, profileOf(), state);
    const cleared = verdicts.findIndex((v) => !kinds(v).includes('STUCK'));
    expect(cleared).toBeGreaterThanOrEqual(cfg.defaults.stuckClearReadings - 1);
    expect(cleared).toBeLessThanOrEqual(cfg.defaults.stuckClearReadings);
    // while held it says what it is (and then what it recovers from)
    expect(verdicts[cleared - 1]!.status).not.toBe('HEALTHY');
    const recovering = verdicts[cleared]!.reasons.find((r) => r.kind === 'STUCK');
    if (verdicts[cleared]!.status !== 'HEALTHY') {
      expect(recovering).toMatchObject({ active: false, severity: 'HIGH' });
      expect(recovering!.message).toMatch(/^flat at 22 °C/);
    }
    expect(verdicts[cleared + 40]!).toMatchObject({ status: 'HEALTHY', reasons: [] });
  });
});

describe('NOISE', () => {
  it('noise 8x the learned baseline raises NOISE', () => {
    const rng = createRng(5);
    const warm = healthySignal({ count: 500, noise: 0.05 });
    const { state } = feed(warm);
    const { last } = feed(
      continueWith(warm, 60, () => 21 + 0.4 * rng.gauss()),
      profileOf(),
      state,
    );
    const noise = last.reasons.find((r) => r.kind === 'NOISE');
    expect(noise?.message).toMatch(/short-term change [\d.]+ °C per reading is [\d.]+× its learned baseline/);
    expect(last.status).not.toBe('HEALTHY');
  });
});

describe('NOISE: a burst of wild readings', () => {
  it('six readings of strong noise are NOISE at once (HIGH), not two spikes; one wild reading is not', () => {
    const rng = createRng(12);
    const warm = healthySignal({ count: 300, noise: 0.05 });
    const { state } = feed(warm);
    const wild = continueWith(warm, 6, () => 21 + 4 * rng.gauss());
    const { last } = feed(wild, profileOf(), state);
    const noise = last.reasons.find((r) => r.kind === 'NOISE');
    expect(noise).toMatchObject({ active: true, severity: 'HIGH' });
    expect(noise?.message).toMatch(/short-term change [\d.]+ °C per reading is [\d.]+× its learned baseline/);
    expect(last.status).not.toBe('HEALTHY');
    const calm = healthySignal({ count: 300, noise: 0.05 });
    const { state: other } = feed(calm);
    const { last: once } = feed(
      continueWith(calm, 3, (i) => (i === 0 ? 27 : 21)),
      profileOf(),
      other,
    );
    expect(kinds(once)).not.toContain('NOISE');
  });
});

describe('NOISE: episodes of roughness', () => {
  /** One reading a minute from T0 (midnight UTC): a slow daily wave plus noise of sigma(minute). */
  const rough = (minutes: number, sigma: (minute: number) => number, seed = 7): ReadingSample[] => {
    const rng = createRng(seed);
    return Array.from({ length: minutes }, (_, i) => ({
      ts: T0 + i * MIN + 300,
      value: 21 + 2 * Math.sin((2 * Math.PI * i) / 1440) + sigma(i) * rng.gauss(),
    }));
  };
  const noiseAfter = (verdicts: { reasons: { kind: string; active: boolean }[] }[], from: number, to: number) =>
    verdicts.slice(from, to).some((v) => kinds(v).includes('NOISE'));

  it('roughness for twenty minutes (people at a CO₂ sensor) is not NOISE; for an hour it is', () => {
    const burst = (len: number) => (i: number) => (i >= 600 && i < 600 + len ? 0.3 : 0.05);
    expect(noiseAfter(feed(rough(800, burst(25))).verdicts, 600, 800)).toBe(false);
    expect(noiseAfter(feed(rough(800, burst(60))).verdicts, 600, 800)).toBe(true);
  });

  it('roughness that came and went at night is learned for those hours: NOISE the first night only', () => {
    const night = (i: number) => i % 1440 >= 20 * 60 || i % 1440 < 2 * 60;
    const { verdicts } = feed(rough(3 * 1440, (i) => (i >= 1200 && i < 2 * 1440 + 120 && night(i) ? 0.2 : 0.05)));
    expect(noiseAfter(verdicts, 1200, 1440 + 240)).toBe(true);
    expect(noiseAfter(verdicts, 1440 + 240, 3 * 1440)).toBe(false);
  });

  it('a sensor noisy for most of a day teaches nothing: noisy again the next night, NOISE again', () => {
    // rough from 20:00 on day 0 until 18:00 on day 1 (22 h, longer than noiseEpisodeHours), then again from 20:00
    const { verdicts } = feed(
      rough(3 * 1440, (i) => ((i >= 1200 && i < 1440 + 1080) || i >= 1440 + 1200 ? 0.2 : 0.05)),
    );
    // it clears by itself in the quiet two hours…
    expect(verdicts.slice(1440 + 1080, 1440 + 1200).some((v) => !kinds(v).includes('NOISE'))).toBe(true);
    // …and the same roughness at the same hours is NOISE again
    expect(noiseAfter(verdicts, 1440 + 1230, 3 * 1440)).toBe(true);
  });
});

describe('healthy signals stay healthy (seeded property tests)', () => {
  const variants = [
    { noise: 0.1, quantum: 0 },
    { noise: 0.1, quantum: 0.1 },
    { noise: 0.3, quantum: 0.5 },
    { noise: 0.02, quantum: 0.01 },
  ];
  for (const seed of [1, 2, 3]) {
    for (const v of variants) {
      it(`seed ${seed}, noise ${v.noise}, quantum ${v.quantum || 'none'}: 10,000 readings, no reason, HEALTHY`, () => {
        const profile = profileOf();
        const state = initialTrustState();
        const rs = healthySignal({
          seed,
          count: 10_000,
          noise: v.noise,
          quantum: v.quantum || undefined,
          amplitude: 3,
        });
        let bad = 0;
        for (let i = 0; i < rs.length; i += 7) {
          const out = observe(state, profile, rs.slice(i, i + 7), rs[Math.min(i + 6, rs.length - 1)]!.ts + 1000, cfg);
          if (out.verdict.reasons.length > 0 || (i > 10 && out.verdict.status !== 'HEALTHY')) bad++;
        }
        expect(bad).toBe(0);
      });
    }
  }
});

describe('CLOCK and late readings', () => {
  it('a timestamp more than 60 s ahead of the server clock is CLOCK', () => {
    const warm = healthySignal({ count: 100 });
    const { state } = feed(warm);
    const ts = warm[99]!.ts + MIN;
    const out = observe(state, profileOf(), [{ ts: ts + 120_000, value: 21 }], ts, cfg);
    expect(out.verdict.reasons.find((r) => r.kind === 'CLOCK')?.message).toBe(
      'timestamp 2 min ahead of the server clock',
    );
  });
  it('late readings are counted and do not touch the window statistics; far-late ones are CLOCK', () => {
    const warm = healthySignal({ count: 200 });
    const a = feed(warm).state;
    const b = feed(warm).state;
    const late = [
      { ts: warm[195]!.ts + 10, value: 99 },
      { ts: warm[100]!.ts, value: -30 },
    ];
    const out = observe(b, profileOf(), late, warm[199]!.ts + 2000, cfg);
    expect(b.late).toBe(2);
    expect(kinds(out.verdict)).toEqual(['CLOCK']);
    expect(out.verdict.reasons[0]!.message).toMatch(
      /^reading (99|100) min older than the newest already seen \(2 out of order so far\)$/,
    );
    // Only bookkeeping differs: the late count, completeness (a late reading is still an arrival),
    // reasons and reputation. Every value statistic is untouched.
    const bookkeeping = {
      late: 0,
      gC: [],
      ra: [],
      rs: [],
      rc: [],
      e: [],
      a: 0,
      b: 0,
      st: 0,
      up: 0,
      ptAt: 0,
      ptScore: 0,
      ptK: 0,
    };
    expect({ ...b, ...bookkeeping }).toEqual({ ...a, ...bookkeeping });
  });
});

describe('hysteresis', () => {
  it('an occasional out-of-range reading does not make the status flap', () => {
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    // one bad reading every 40: each is flagged. The first alone taints only itself; the next
    // ones are an episode (oorClearReadings held) and each relapse soon after a recovery doubles
    // the good readings the next one needs, so the status settles instead of going back and
    // forth every time
    const rs = continueWith(warm, 400, (i) => (i % 40 === 39 ? 999 : 21 + 0.1 * Math.sin(i / 3)));
    const { verdicts } = feed(rs, profileOf(), state);
    const changes: number[] = [];
    for (let i = 1; i < verdicts.length; i++) if (verdicts[i]!.status !== verdicts[i - 1]!.status) changes.push(i);
    expect(verdicts.filter((v) => kinds(v).includes('OUT_OF_RANGE')).length).toBeGreaterThan(0);
    expect(changes.slice(0, 2)).toEqual([39, 40]);
    expect(changes.length).toBeLessThanOrEqual(9);
    // each recovery longer than the one before, settled DEGRADED by the fifth bad reading
    const healthyRuns = changes.filter((_, k) => k % 2 === 0).map((at, k) => at - (changes[2 * k - 1] ?? 0));
    expect(healthyRuns.slice(2).every((run, k) => run <= (healthyRuns[k + 1] ?? Infinity))).toBe(true);
    expect(changes.at(-1)).toBeLessThan(200);
    expect(verdicts.slice(200).every((v) => v.status === 'DEGRADED')).toBe(true);
  });

  it('one out-of-range reading taints that reading, not the sensor: HEALTHY on the next good one', () => {
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    const once = continueWith(warm, 1, () => 999);
    const at = feed(once, profileOf(), state).last;
    expect(at.status).toBe('DEGRADED');
    // trust stays above the ticket threshold (TICKET_TRUST_THRESHOLD, 60): no ticket for one reading
    expect(at.score).toBeGreaterThan(60);
    const after = healthySignal({ count: 60, seed: 4, start: once[0]!.ts + MIN });
    const { verdicts } = feed(after, profileOf(), state);
    expect(verdicts[0]!).toMatchObject({ status: 'HEALTHY', reasons: [] });
    expect(verdicts.every((v) => v.status === 'HEALTHY')).toBe(true);
  });

  it('out of range again soon after coming back holds OUT_OF_RANGE oorClearReadings', () => {
    const warm = healthySignal({ count: 300 });
    const { state } = feed(warm);
    const bad = continueWith(warm, 5, (i) => (i % 2 === 0 ? 999 : 21));
    feed(bad, profileOf(), state);
    const after = healthySignal({ count: 60, seed: 4, start: bad[4]!.ts + MIN });
    const { verdicts } = feed(after, profileOf(), state);
    const cleared = verdicts.findIndex((v) => !kinds(v).includes('OUT_OF_RANGE'));
    expect(cleared).toBe(cfg.defaults.oorClearReadings - 1);
    expect(verdicts.slice(0, cleared).every((v) => v.status !== 'HEALTHY')).toBe(true);
  });
});

describe('CLOCK: irregular intervals', () => {
  it('wildly irregular timestamps raise CLOCK, missing readings (whole multiples) do not', () => {
    const rng = createRng(8);
    const irregular = healthySignal({ count: 300, jitter: 0 }).map((r, i) => ({
      ts: T0 + i * MIN + (i > 100 ? Math.round(rng.range(-0.45, 0.45) * MIN) : 0),
      value: r.value,
    }));
    expect(kinds(feed(irregular).last)).toContain('CLOCK');
    const gappy = healthySignal({ count: 600, jitter: 0.02 }).filter(() => rng.next() < 0.6);
    expect(kinds(feed(gappy).last)).not.toContain('CLOCK');
  });
});
