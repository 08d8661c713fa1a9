// Seeded generator of realistic labelled sensor fleets for evaluating the trust engine.
// Independent of how readings are delivered: it yields plain (sensorId, ts, value) items in
// arrival order, chunk by chunk, so a fleet can be far larger than memory.
import type { FaultKind, SensorProfile } from '../types.js';
import { createRng, subSeed } from './prng.js';

export interface KindModel {
  unit: string;
  min: number;
  max: number;
  base: [number, number];
  /** amplitude of the shared daily pattern */
  daily: [number, number];
  dailyShape: 'sine' | 'occupancy' | 'semidiurnal';
  offsetSd: number;
  noise: [number, number];
  quanta: [number, ...number[]];
  intervals: [number, ...number[]];
  /** DRIFT fault rate in unit per day */
  driftPerDay: number;
  spike: [number, number];
  outOfRange: [number, ...number[]];
}

export const KIND_MODELS: Record<string, KindModel> = {
  temperature: {
    unit: '°C',
    min: -40,
    max: 85,
    base: [19, 23],
    daily: [1, 3],
    dailyShape: 'sine',
    offsetSd: 0.4,
    noise: [0.03, 0.12],
    quanta: [0.01, 0.05, 0.1],
    intervals: [60],
    driftPerDay: 4,
    spike: [2, 6],
    outOfRange: [-127, 127.5, 850],
  },
  humidity: {
    unit: '%',
    min: 0,
    max: 100,
    base: [35, 55],
    daily: [3, 8],
    dailyShape: 'sine',
    offsetSd: 2,
    noise: [0.3, 0.8],
    quanta: [0.1, 0.5],
    intervals: [60, 120],
    driftPerDay: 12,
    spike: [8, 20],
    outOfRange: [-1, 110, 255],
  },
  co2: {
    unit: 'ppm',
    min: 0,
    max: 10000,
    base: [420, 520],
    daily: [150, 500],
    dailyShape: 'occupancy',
    offsetSd: 25,
    noise: [5, 15],
    quanta: [1],
    intervals: [60, 120],
    driftPerDay: 300,
    spike: [300, 900],
    outOfRange: [65535, -1, 20000],
  },
  pressure: {
    unit: 'hPa',
    min: 300,
    max: 1100,
    base: [995, 1025],
    daily: [0.5, 1.5],
    dailyShape: 'semidiurnal',
    offsetSd: 0.8,
    noise: [0.03, 0.08],
    quanta: [0.01],
    intervals: [60, 300],
    driftPerDay: 4,
    spike: [5, 15],
    outOfRange: [0, 1500],
  },
};

export interface FleetSpec {
  seed: number;
  zones: number;
  kinds: string[];
  /** sensors per zone and kind, inclusive range */
  sensorsPerGroup: [number, number];
  /** how many sensors get each fault kind */
  faultsPerKind: number;
  faultKinds: FaultKind[];
  start: number;
  durationMs: number;
  /** faults begin uniformly in [from, to] ms after start */
  onsetWindow: [number, number];
  /**
   * Real-world healthy behaviour (default true): per-sensor arrival jitter up to 15 % of the
   * interval, bursty packet loss (a Gilbert–Elliott channel; a fifth of the sensors lose
   * 10–35 % of their readings), weather-like slow variation per zone, a local daily bump per
   * sensor (sun on a window, a radiator) and coarse quantisation on some sensors (0.5 °C
   * thermostats, 1 % humidity). false: the earlier, cleaner fleet.
   */
  realistic?: boolean;
  /**
   * Share of CLOCK faults that are a clock running ahead (90–240 s; the rest jitter by up to
   * ±2.5 intervals). Default 0.5. A clock ahead shows only against arrival time, never in an
   * import of history.
   */
  clockAheadShare?: number;
}

export interface FaultLabel {
  sensorId: string;
  kind: FaultKind | null;
  onset: number | null;
  /** Readings of this sensor emitted before onset; filled in while the stream is generated. */
  readingsBeforeOnset: number;
}

export interface StreamReading {
  sensorId: string;
  /** event time the sensor stamped (may be wrong for CLOCK faults) */
  ts: number;
  value: number;
  /** true time the reading reached the server: use it as `now` */
  arrivedAt: number;
}

export interface GeneratedFleet {
  spec: FleetSpec;
  profiles: SensorProfile[];
  labels: FaultLabel[];
  /** Readings in arrival order, in chunks of `chunkMs` of arrival time. Each call restarts the stream. */
  chunks(chunkMs: number): Generator<{ until: number; readings: StreamReading[] }>;
}

const DAY = 86_400_000;

interface SensorModel {
  profile: SensorProfile;
  label: FaultLabel;
  zone: number;
  model: KindModel;
  base: number;
  amp: number;
  gain: number;
  offset: number;
  noise: number;
  quantum: number;
  wanderAmp: number;
  wanderPeriod: number;
  wanderPhase: number;
  /** real-world healthy behaviour: timestamp jitter (fraction of the interval), loss channel, local daily bump */
  jitter: number;
  lossGood: number;
  lossBurst: number;
  burstStay: number;
  bumpAmp: number;
  bumpHour: number;
  /** fault parameters */
  faultScale: number;
  faultSign: number;
  clockSkew: number;
}

/**
 * Slow shared variation of one zone and kind, in units of the daily amplitude: two waves plus
 * events — HVAC setpoint steps approached with a 5–20 min time constant (temperature,
 * humidity, pressure) or occupancy bursts that rise in minutes and decay over an hour (CO2).
 */
function zoneWave(seed: number, zone: number, kind: string, durationMs: number): (t: number) => number {
  const r = createRng(subSeed(seed, 7919 * zone + kind.length * 31 + kind.charCodeAt(0)));
  const periods: [number, number] = [r.range(2, 7) * 3_600_000, r.range(0.7, 2) * 3_600_000];
  const phases: [number, number] = [r.range(0, 6.283), r.range(0, 6.283)];
  const weights: [number, number] = [r.range(0.1, 0.2), r.range(0.03, 0.08)];
  const burst = kind === 'co2';
  const events = Array.from({ length: Math.round((3 * durationMs) / DAY) }, () => ({
    at: r.range(0, durationMs),
    size: burst ? r.range(0.3, 0.8) : r.range(-0.5, 0.5),
    tau: r.range(5, 20) * 60_000,
  }));
  return (t) => {
    let v =
      weights[0] * Math.sin((2 * Math.PI * t) / periods[0] + phases[0]) +
      weights[1] * Math.sin((2 * Math.PI * t) / periods[1] + phases[1]);
    for (const e of events) {
      const dt = t - e.at;
      if (dt <= 0) continue;
      v += burst
        ? e.size * (1 - Math.exp(-dt / e.tau)) * Math.exp(-dt / 3_600_000)
        : e.size * (1 - Math.exp(-dt / e.tau));
    }
    return v;
  };
}

/** Coarse steps some real sensors report in (a thermostat's 0.5 °C, a 1 % humidity sensor). */
const COARSE_QUANTA: Record<string, number> = { temperature: 0.5, humidity: 1, co2: 10, pressure: 0.1 };

/**
 * Weather-like variation of one zone and kind, in units of the daily amplitude: a sum of slow
 * random-phase waves (6 h – 3 days) with a red spectrum, so days differ from each other.
 */
function weatherWave(seed: number, zone: number, kind: string): (t: number) => number {
  const r = createRng(subSeed(seed ^ 0x3ea7, 7919 * zone + kind.length * 31 + kind.charCodeAt(0)));
  const waves = Array.from({ length: 5 }, (_, i) => ({
    period: r.range(6, 72) * 3_600_000,
    phase: r.range(0, 6.283),
    amp: r.range(0.1, 0.35) / (1 + i * 0.5),
  }));
  return (t) => waves.reduce((v, w) => v + w.amp * Math.sin((2 * Math.PI * t) / w.period + w.phase), 0);
}

function dailyPattern(shape: KindModel['dailyShape'], t: number): number {
  const h = (((t % DAY) + DAY) % DAY) / 3_600_000;
  if (shape === 'sine') return Math.sin((2 * Math.PI * (h - 9)) / 24);
  if (shape === 'semidiurnal') return Math.sin((4 * Math.PI * (h - 4)) / 24);
  // occupancy: 0 at night, smooth rise 8–10 h, plateau, fall 17–19 h
  if (h < 8 || h > 19) return 0;
  if (h < 10) return Math.sin(((h - 8) / 2) * (Math.PI / 2)) ** 2;
  if (h > 17) return Math.cos(((h - 17) / 2) * (Math.PI / 2)) ** 2;
  return 1;
}

export function generateFleet(spec: FleetSpec): GeneratedFleet {
  const rng = createRng(spec.seed);
  const sensors: SensorModel[] = [];
  const groups: number[][] = [];
  const zoneBase = new Map<string, { base: number; amp: number; wave: (t: number) => number }>();
  for (let z = 0; z < spec.zones; z++) {
    for (const kind of spec.kinds) {
      const m = KIND_MODELS[kind];
      if (!m) throw new Error(`no model for sensor kind ${kind}`);
      const zb = {
        base: rng.range(m.base[0], m.base[1]),
        amp: rng.range(m.daily[0], m.daily[1]),
        wave: zoneWave(spec.seed, z, kind, spec.durationMs),
      };
      zoneBase.set(`${z}/${kind}`, zb);
      const count = rng.int(spec.sensorsPerGroup[0], spec.sensorsPerGroup[1]);
      const realistic = spec.realistic !== false;
      const group: number[] = [];
      const interval = rng.pick(m.intervals);
      for (let i = 0; i < count; i++) {
        const id = `z${z}-${kind}-${i}`;
        const noise = rng.range(m.noise[0], m.noise[1]);
        const quanta = m.quanta.filter((q) => q <= noise);
        // Real-world draws come from their own stream, so the clean fleet stays as it was.
        const rr = createRng(subSeed(spec.seed ^ 0x7ea1, sensors.length));
        const lossy = realistic && rr.next() < 0.2;
        const coarse = realistic && rr.next() < 0.15 ? (COARSE_QUANTA[kind] ?? null) : null;
        group.push(sensors.length);
        sensors.push({
          profile: {
            id,
            kind,
            unit: m.unit,
            zoneId: `zone-${z}`,
            minValue: m.min,
            maxValue: m.max,
            expectedIntervalSeconds: interval,
          },
          label: { sensorId: id, kind: null, onset: null, readingsBeforeOnset: 0 },
          zone: z,
          model: m,
          base: zb.base,
          amp: zb.amp,
          gain: rng.range(0.94, 1.06),
          offset: rng.gauss() * m.offsetSd,
          noise,
          quantum: coarse ?? (quanta.length ? rng.pick(quanta) : m.quanta[0]),
          wanderAmp: rng.range(0, 0.15) * m.offsetSd,
          wanderPeriod: rng.range(1, 4) * 3_600_000,
          wanderPhase: rng.range(0, 6.283),
          jitter: realistic ? (rr.next() < 0.25 ? rr.range(0.05, 0.15) : rr.range(0.005, 0.05)) : 0.02,
          // loss while the channel is good; a burst loses 80 %; bursts last 1 / (1 - burstStay) readings
          lossGood: realistic ? (lossy ? rr.range(0.03, 0.15) : rr.range(0, 0.01)) : 0.002,
          lossBurst: realistic ? (lossy ? rr.range(0.02, 0.08) : rr.range(0, 0.005)) : 0,
          burstStay: realistic ? rr.range(0.5, 0.85) : 0,
          bumpAmp: realistic && rr.next() < 0.3 ? rr.range(0.1, 0.3) * m.daily[0] : 0,
          bumpHour: rr.range(8, 16),
          faultScale: 1,
          faultSign: rng.next() < 0.5 ? -1 : 1,
          clockSkew: 0,
        });
      }
      groups.push(group);
    }
  }
  // One fault per zone/kind group at most, so every faulty sensor keeps healthy peers.
  const order = groups.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    // Fisher–Yates: 0 <= j <= i < order.length
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let g = 0;
  for (const kind of spec.faultKinds) {
    for (let f = 0; f < spec.faultsPerKind && g < order.length; f++, g++) {
      const group = groups[order[g] ?? -1];
      const s = sensors[rng.pick(group ?? [])];
      if (!s) throw new Error(`no sensor to give a ${kind} fault`);
      s.label.kind = kind;
      s.label.onset = Math.round(spec.start + rng.range(spec.onsetWindow[0], spec.onsetWindow[1]));
      if (kind === 'NOISE') s.faultScale = rng.range(4, 10);
      if (kind === 'SPIKE') s.faultScale = rng.range(0.02, 0.06);
      if (kind === 'OUT_OF_RANGE') s.faultScale = rng.next() < 0.5 ? 1 : rng.range(0.1, 0.4);
      if (kind === 'GAP') s.faultScale = rng.range(0.5, 0.65);
      if (kind === 'DRIFT') s.faultScale = rng.range(0.8, 1.5);
      if (kind === 'CLOCK') s.clockSkew = rng.next() < (spec.clockAheadShare ?? 0.5) ? rng.range(90, 240) * 1000 : 0;
    }
  }
  const weathers = new Map<string, (t: number) => number>();
  const truth = (s: SensorModel, t: number): number => {
    const key = `${s.zone}/${s.profile.kind}`;
    const zb = zoneBase.get(key)!;
    let weather = weathers.get(key);
    if (!weather)
      weathers.set(
        key,
        (weather = spec.realistic === false ? () => 0 : weatherWave(spec.seed, s.zone, s.profile.kind)),
      );
    const shared = zb.amp * (dailyPattern(s.model.dailyShape, t) + zb.wave(t - spec.start) + weather(t - spec.start));
    const h = (((t % DAY) + DAY) % DAY) / 3_600_000;
    const bump = s.bumpAmp * Math.exp(-(((h - s.bumpHour) / 1.5) ** 2));
    return (
      s.base +
      s.gain * shared +
      s.offset +
      bump +
      s.wanderAmp * Math.sin((2 * Math.PI * t) / s.wanderPeriod + s.wanderPhase)
    );
  };

  function* chunks(chunkMs: number): Generator<{ until: number; readings: StreamReading[] }> {
    const end = spec.start + spec.durationMs;
    const cursors = sensors.map((s, i) => {
      const r = createRng(subSeed(spec.seed ^ 0x5eed, i));
      s.label.readingsBeforeOnset = 0;
      return {
        s,
        r,
        k: 0,
        phase: r.range(0, s.profile.expectedIntervalSeconds * 1000),
        frozen: null as number | null,
        burst: false,
        oorSeen: false,
        next: null as StreamReading | null,
        trueTs: 0,
      };
    });
    type Cursor = (typeof cursors)[number];
    const emit = (c: Cursor): StreamReading | null => {
      const { s, r } = c;
      const iv = s.profile.expectedIntervalSeconds * 1000;
      for (;;) {
        const j = s.jitter;
        const trueTs = Math.round(
          spec.start + c.phase + c.k * iv + Math.max(-5 * j, Math.min(5 * j, j * r.gauss())) * iv,
        );
        c.k++;
        if (trueTs >= end) return null;
        const onset = s.label.onset;
        const faulty = onset !== null && trueTs >= onset ? s.label.kind : null;
        if (faulty === 'OFFLINE') return null;
        // Bursty loss (Gilbert–Elliott): enter a burst with lossBurst, stay with burstStay.
        const bursting = c.burst ? r.next() < s.burstStay : r.next() < s.lossBurst;
        c.burst = bursting;
        const dropP = faulty === 'GAP' ? s.faultScale : bursting ? 0.8 : s.lossGood;
        const noise = r.gauss();
        const u = r.next();
        const latency = r.range(200, 4000);
        if (r.next() < dropP) continue;
        let v = truth(s, trueTs) + noise * s.noise * (faulty === 'NOISE' ? s.faultScale : 1);
        if (faulty === 'DRIFT') v += (s.faultSign * s.faultScale * s.model.driftPerDay * (trueTs - onset!)) / DAY;
        if (faulty === 'SPIKE' && u < s.faultScale) {
          const mag = s.model.spike[0] + (s.model.spike[1] - s.model.spike[0]) * r.next();
          v += v + mag < s.model.max ? mag : -mag;
        }
        v = Math.round(v / s.quantum) * s.quantum;
        v = Number(v.toFixed(6));
        if (faulty === 'STUCK') v = c.frozen ?? v;
        else c.frozen = v;
        // OUT_OF_RANGE: a failed sensor reporting a sentinel every time, or an intermittent one
        // (the first out-of-range reading after onset is the one that must be flagged).
        if (faulty === 'OUT_OF_RANGE' && (s.faultScale === 1 || r.next() < s.faultScale || !c.oorSeen)) {
          v = s.model.outOfRange[s.profile.id.length % s.model.outOfRange.length] ?? s.model.outOfRange[0];
          c.oorSeen = true;
        }
        let ts = trueTs;
        if (faulty === 'CLOCK')
          ts = s.clockSkew > 0 ? trueTs + Math.round(s.clockSkew) : Math.round(trueTs + r.range(-2.5, 2.5) * iv);
        if (onset !== null && trueTs < onset) s.label.readingsBeforeOnset++;
        c.trueTs = trueTs;
        return { sensorId: s.profile.id, ts, value: v, arrivedAt: Math.round(trueTs + latency) };
      }
    };
    for (const c of cursors) c.next = emit(c);
    for (let t = spec.start; t < end; t += chunkMs) {
      const until = t + chunkMs;
      const out: StreamReading[] = [];
      for (const c of cursors) {
        while (c.next !== null && c.next.arrivedAt < until) {
          out.push(c.next);
          c.next = emit(c);
        }
      }
      out.sort((a, b) => a.arrivedAt - b.arrivedAt);
      yield { until, readings: out };
    }
  }

  return { spec, profiles: sensors.map((s) => s.profile), labels: sensors.map((s) => s.label), chunks };
}

export const DEFAULT_FLEET_SPEC: FleetSpec = {
  seed: 1,
  zones: 12,
  kinds: ['temperature', 'humidity', 'co2', 'pressure'],
  sensorsPerGroup: [4, 6],
  faultsPerKind: 5,
  faultKinds: ['OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'DRIFT', 'OFFLINE', 'GAP', 'CLOCK'],
  start: Date.UTC(2026, 0, 5, 0, 0, 0),
  durationMs: 36 * 3_600_000,
  onsetWindow: [8 * 3_600_000, 24 * 3_600_000],
};
