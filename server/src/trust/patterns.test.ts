// Common healthy reporting patterns of real sensors (12 h each): none of them is a fault.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST_CONFIG, initialTrustState, observe, sweepFleet, type TrustState } from './index.js';
import { createRng } from './eval/prng.js';
import { MIN, profileOf, T0 } from './test-signals.js';
import type { ReadingSample, SensorProfile, TrustVerdict } from './types.js';

const cfg = DEFAULT_TRUST_CONFIG;
const H = 60 * MIN;

/** Streams `rs` live (arriving 2 s after their timestamps), sweeping every minute; returns the verdict log. */
function live(profile: SensorProfile, rs: ReadingSample[], until: number): { state: TrustState; log: TrustVerdict[] } {
  const state = initialTrustState();
  const log: TrustVerdict[] = [];
  let i = 0;
  for (let t = T0 + MIN; t <= until; t += MIN) {
    const batch: ReadingSample[] = [];
    while (i < rs.length && rs[i]!.ts + 2000 <= t) batch.push(rs[i++]!);
    if (batch.length) observe(state, profile, batch, t, cfg);
    log.push(sweepFleet([{ profile, state }], t, cfg)[0]!.verdict);
  }
  return { state, log };
}

/**
 * A report-by-exception sensor over 12 h: the room's value (`room(s)`, s = seconds) sampled every
 * 10 s and quantised to 0.2, sent when it moves a step, or after a 15 min heartbeat.
 */
function reportOnChange(room: (s: number) => number): ReadingSample[] {
  const rs: ReadingSample[] = [];
  let last = -Infinity;
  let lastValue = NaN;
  for (let s = 0; s < 12 * 3600; s += 10) {
    const v = Math.round(room(s) / 0.2) * 0.2;
    const ts = T0 + s * 1000;
    if (Math.abs(v - lastValue) >= 0.2 - 1e-9 || ts - last >= 15 * MIN) {
      rs.push({ ts, value: Number(v.toFixed(1)) });
      last = ts;
      lastValue = v;
    }
  }
  return rs;
}

const flagged = (v: TrustVerdict) =>
  v.status === 'DEGRADED' || v.status === 'FAULTY' || v.status === 'OFFLINE' || v.reasons.some((r) => !r.advisory);

describe('healthy reporting patterns', () => {
  it('a thermostat quantised to 0.5 °C in a stable room is not STUCK', () => {
    const rng = createRng(3);
    const rs: ReadingSample[] = [];
    for (let k = 0; k < 12 * 60; k++) {
      const v = 21.9 + 0.25 * Math.sin((2 * Math.PI * k) / (24 * 60)) + 0.05 * rng.gauss();
      rs.push({ ts: T0 + k * MIN + 500, value: Math.round(v / 0.5) * 0.5 });
    }
    const { log } = live(profileOf(), rs, T0 + 12 * H);
    expect(log.filter(flagged)).toEqual([]);
  });

  it('a report-on-change sensor with a 15 min heartbeat is neither OFFLINE nor STUCK while quiet', () => {
    const rs = reportOnChange((s) => 21 + 0.6 * Math.sin((2 * Math.PI * s) / 86_400) + 0.3 * Math.sin(s / 5000));
    const profile = profileOf({ expectedIntervalSeconds: 60, heartbeatSeconds: 900 });
    const { log } = live(profile, rs, T0 + 12 * H);
    expect(log.slice(30).filter(flagged)).toEqual([]);
    // and silence beyond the heartbeat is OFFLINE
    const { state } = live(profile, rs, T0 + 12 * H);
    const after = sweepFleet([{ profile, state }], (state.seenTs as number) + 17 * MIN, cfg)[0]!.verdict;
    expect(after.status).toBe('OFFLINE');
  });

  it('a sensor configured for 60 s that sends every 10 s stays HEALTHY with a LOW advisory naming its interval', () => {
    const rng = createRng(4);
    const rs = Array.from({ length: 12 * 360 }, (_, k) => ({
      ts: T0 + k * 10_000 + Math.round(300 * rng.gauss()),
      value: 21 + Math.sin(k / 900) + 0.05 * rng.gauss(),
    }));
    const { log } = live(profileOf(), rs, T0 + 12 * H);
    expect(log.filter(flagged)).toEqual([]);
    expect(log[log.length - 1]!.status).toBe('HEALTHY');
    expect(log[log.length - 1]!.reasons).toMatchObject([
      { kind: 'CLOCK', severity: 'LOW', advisory: true, message: 'reports every 10 s, not every 60 s as configured' },
    ]);
  });

  it('a sensor configured for 60 s that steadily sends every 100 s gets the same advisory, naming its interval', () => {
    const rng = createRng(8);
    const rs = Array.from({ length: (24 * 3600) / 100 }, (_, k) => ({
      ts: T0 + k * 100_000 + Math.round(500 * rng.gauss()),
      value: 21 + Math.sin(k / 300) + 0.05 * rng.gauss(),
    }));
    const { log } = live(profileOf(), rs, T0 + 24 * H);
    expect(log.filter(flagged)).toEqual([]);
    expect(log.at(-1)!.reasons.filter((r) => r.kind === 'CLOCK')).toMatchObject([
      {
        severity: 'LOW',
        advisory: true,
        message: expect.stringMatching(/^reports every (9[5-9]|10[0-5]) s, not every 60 s/),
      },
    ]);
  });

  it('a battery mote every 31 s with several seconds of arrival jitter and bursty loss stays HEALTHY', () => {
    const rng = createRng(5);
    const rs: ReadingSample[] = [];
    let burst = false;
    for (let k = 0; k < (12 * 3600) / 31; k++) {
      burst = burst ? rng.next() < 0.7 : rng.next() < 0.05;
      if (rng.next() < (burst ? 0.8 : 0.25)) continue;
      rs.push({
        ts: T0 + k * 31_000 + Math.round(4000 * rng.gauss()),
        value: Number((21 + 1.5 * Math.sin(k / 600) + 0.3 * Math.sin(k / 37) + 0.04 * rng.gauss()).toFixed(4)),
      });
    }
    rs.sort((a, b) => a.ts - b.ts);
    const profile = profileOf({ expectedIntervalSeconds: 31 });
    const { log } = live(profile, rs, T0 + 12 * H);
    // after its first hour (learning its jitter, completeness and silences)
    const share = log.slice(60).filter(flagged).length / log.slice(60).length;
    expect(share).toBeLessThanOrEqual(0.05);
  });

  it('a finely stepped sensor whose first readings came while its room warmed up is not STUCK on its first still plateau, and is STUCK when it freezes', () => {
    // A real TelosB mote (ULB Library 2, node 4): 0.01 °C steps, the room warming for its first
    // 40 minutes (it repeated a value rarely), then still: 25.93 with a flicker to 25.94 every
    // 9th reading. It had learned a repeat rate of about 0.05, so 8 equal readings were STUCK.
    const rng = createRng(11);
    const rs: ReadingSample[] = [];
    const at = (k: number) => T0 + k * MIN + 300;
    let k = 0;
    for (; k < 40; k++) rs.push({ ts: at(k), value: Number((24 + 0.05 * k + 0.01 * rng.gauss()).toFixed(2)) });
    for (let j = 0; j < 72; j++, k++) rs.push({ ts: at(k), value: j % 9 === 8 ? 25.94 : 25.93 });
    for (let j = 0; j < 180; j++, k++)
      rs.push({ ts: at(k), value: Number((25.93 - 0.004 * j + 0.03 * rng.gauss()).toFixed(2)) });
    const frozenAt = k;
    for (let j = 0; j < 40; j++, k++) rs.push({ ts: at(k), value: 25.1 });
    const profile = profileOf();
    const { log } = live(profile, rs, at(k));
    const stuck = (v: TrustVerdict) => v.reasons.some((r) => r.kind === 'STUCK' && r.active);
    // the verdict log has one entry a minute from T0 + 1 min: entry i is at T0 + (i + 1) min
    expect(log.slice(0, frozenAt).filter(stuck)).toEqual([]);
    const raised = log.findIndex(stuck);
    expect(raised).toBeGreaterThan(frozenAt);
    expect(raised - frozenAt).toBeLessThanOrEqual(20);
  });

  it('a lively report-by-exception sensor gets no GAP: it has no schedule to miss readings of', () => {
    const rng = createRng(6);
    // a room whose value moves every few minutes, and sits still for a quarter of an hour now and then
    const rs = reportOnChange((s) => {
      const still = Math.floor(s / 1800) % 3 === 2;
      return (
        21 + 0.6 * Math.sin((2 * Math.PI * s) / 86_400) + (still ? 0 : 0.4 * Math.sin(s / 400) + 0.05 * rng.gauss())
      );
    });
    const profile = profileOf({ expectedIntervalSeconds: 60, heartbeatSeconds: 900 });
    const { log } = live(profile, rs, T0 + 12 * H);
    expect(rs.length).toBeGreaterThan(300);
    expect(log.filter((v) => v.reasons.some((r) => r.kind === 'GAP'))).toEqual([]);
    expect(log.slice(30).filter(flagged)).toEqual([]);
  });

  for (const arriving of [0.3, 0.45])
    it(`a 60 s sensor that has always delivered ${arriving * 100} % of its readings (random loss) stays HEALTHY, with no interval advisory`, () => {
      const rng = createRng(7);
      const rs: ReadingSample[] = [];
      for (let k = 0; k < 24 * 60; k++)
        if (rng.next() < arriving)
          rs.push({
            ts: T0 + k * MIN + Math.round(800 * rng.gauss()),
            value: 21 + Math.sin(k / 200) + 0.05 * rng.gauss(),
          });
      const { log } = live(profileOf(), rs, T0 + 24 * H);
      // after its first 2 hours (learning its completeness and silences)
      const later = log.slice(120);
      expect(later.filter(flagged).length / later.length).toBeLessThanOrEqual(0.05);
      expect(later.filter((v) => v.reasons.some((r) => r.kind === 'CLOCK'))).toEqual([]);
      // a chronically lossy sensor carries GAP only as a LOW advisory
      expect(later.at(-1)!.reasons.filter((r) => !r.advisory)).toEqual([]);
    });
});
