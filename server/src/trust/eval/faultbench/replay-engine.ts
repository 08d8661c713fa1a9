// Replays a benchmark case through the pure engine as a gateway uploading its backlog would:
// every `uploadMs` of event time, all sensors' readings of that span in one observeMany call
// (received at the span's end; every sensor of the zone in it, as the trust stream passes them), then a sweep of the fleet at that time. A reading's flag is the
// sensor's status right after the engine has taken it in (DEGRADED or FAULTY), with the kinds of
// its active, non-advisory reasons.
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from '../../config.js';
import { observeMany } from '../../observe-many.js';
import { initialTrustState, RF_ADVISORY, S_DEGRADED, S_FAULTY, type TrustState } from '../../state.js';
import { sweepFleet } from '../../sweep.js';
import type { ReadingSample, SensorProfile } from '../../types.js';
import type { BenchCase, BenchSeries } from './santander.js';
import { kindBits, type CaseFlags, type SeriesFlags } from './score.js';

/** What a user would register for these outdoor sensors (plausible range for the site's climate). */
export const SANTANDER_PROFILE = {
  kind: 'temperature',
  unit: '°C',
  zoneId: 'santander',
  minValue: -10,
  maxValue: 45,
  expectedIntervalSeconds: 300,
} as const;

export function benchProfile(sensor: string): SensorProfile {
  return { id: sensor, ...SANTANDER_PROFILE };
}

export interface ReplayOptions {
  config?: TrustConfig;
  /** event time per upload (default 15 min) */
  uploadMs?: number;
  /** received this long after the upload's span ends (default 5 s) */
  delayMs?: number;
}

export function replayEngine(c: BenchCase, options: ReplayOptions = {}): CaseFlags {
  const config = options.config ?? DEFAULT_TRUST_CONFIG;
  const uploadMs = options.uploadMs ?? 15 * 60_000;
  const delay = options.delayMs ?? 5_000;
  const series = [c.faulty, ...c.peers];
  const sensors = series.map((s: BenchSeries) => ({
    s,
    profile: benchProfile(s.sensor),
    state: initialTrustState(),
    pos: 0,
    flags: { flagged: new Uint8Array(s.ts.length), reasons: new Uint16Array(s.ts.length) } satisfies SeriesFlags,
    k: 0,
  }));
  let t0 = Infinity;
  let tEnd = -Infinity;
  for (const s of series) {
    t0 = Math.min(t0, s.ts[0] ?? Infinity);
    tEnd = Math.max(tEnd, s.ts[s.ts.length - 1] ?? -Infinity);
  }
  for (let from = Math.floor(t0 / uploadMs) * uploadMs; from <= tEnd; from += uploadMs) {
    const until = from + uploadMs;
    const now = until + delay;
    const batches = sensors.flatMap((x) => {
      const samples: ReadingSample[] = [];
      while (x.pos < x.s.ts.length && (x.s.ts[x.pos] ?? 0) < until) {
        samples.push({ ts: x.s.ts[x.pos] ?? 0, value: x.s.value[x.pos] ?? 0, receivedAt: now });
        x.pos++;
      }
      // A sensor with nothing in this upload is still its zone's peer (as the trust stream
      // passes whole zones): DRIFT windows are judged with the same members.
      return [
        {
          profile: x.profile,
          state: x.state,
          samples,
          now,
          onStep: (st: TrustState) => {
            const i = x.k++;
            x.flags.flagged[i] = st.st === S_DEGRADED || st.st === S_FAULTY ? 1 : 0;
            let m = 0;
            for (let k = 0; k < st.ra.length; k++)
              if ((st.ra[k] ?? 0) > 0 && ((st.rf[k] ?? 0) & RF_ADVISORY) === 0) m |= 1 << k;
            x.flags.reasons[i] = m;
          },
        },
      ];
    });
    observeMany(batches, config).forEach((out, b) => {
      if ('error' in out) throw out.error;
      // A zone's DRIFT judgement after a slice stamps its point at the sensor's last reading
      // then: that reading's verdict is the newest point at its time, as its history says.
      const x = sensors[b];
      if (!x) return;
      for (const p of out.points) {
        let j = x.k - 1;
        while (j >= 0 && (x.s.ts[j] ?? 0) > p.at) j--;
        if (j < 0 || x.s.ts[j] !== p.at) continue;
        x.flags.flagged[j] = p.status === 'DEGRADED' || p.status === 'FAULTY' ? 1 : 0;
        x.flags.reasons[j] = kindBits(...p.reasons.filter((r) => !r.advisory).map((r) => r.kind));
      }
    });
    sweepFleet(sensors, now, config);
  }
  for (const x of sensors)
    if (x.k !== x.s.ts.length) throw new Error(`${x.s.sensor}: ${x.k} steps for ${x.s.ts.length} readings`);
  return { faulty: sensors[0]?.flags ?? { flagged: new Uint8Array() }, peers: sensors.slice(1).map((x) => x.flags) };
}
