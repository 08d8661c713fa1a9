// Drives generator → observe/sweepFleet in-process (no HTTP, no database) and scores the result.
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from '../config.js';
import type { TrustOutcome } from '../observe.js';
import { initialTrustState } from '../state.js';
import { observe, sweepFleet } from '../index.js';
import { isReportedReason, type ReadingSample, type SensorProfile } from '../types.js';
import { evaluate, type EvalReport, type Observation } from './evaluate.js';
import { DEFAULT_FLEET_SPEC, generateFleet, type FaultLabel, type FleetSpec } from './fleet-generator.js';

export interface EngineEvalOptions {
  spec?: Partial<FleetSpec>;
  config?: TrustConfig;
  /** event time between fleet sweeps (and the delivery chunk size). Default 60 s. */
  sweepEveryMs?: number;
}

export interface EngineEvalResult {
  report: EvalReport;
  sensors: number;
  readings: number;
  observations: Map<string, Observation[]>;
  profiles: SensorProfile[];
  labels: FaultLabel[];
}

export function runEngineEval(options: EngineEvalOptions = {}): EngineEvalResult {
  const spec: FleetSpec = { ...DEFAULT_FLEET_SPEC, ...options.spec };
  const config = options.config ?? DEFAULT_TRUST_CONFIG;
  const sweepMs = options.sweepEveryMs ?? 60_000;
  const fleet = generateFleet(spec);
  const entries = fleet.profiles.map((profile) => ({
    profile,
    state: initialTrustState(),
    delivered: 0,
    log: [] as Observation[],
  }));
  type Entry = (typeof entries)[number];
  const index = new Map(entries.map((e) => [e.profile.id, e]));
  const observations = new Map<string, Observation[]>(entries.map((e) => [e.profile.id, e.log]));
  let readings = 0;

  const record = (e: Entry, at: number, out: TrustOutcome): void => {
    const log = e.log;
    if (!out.changed && log.length > 0) return;
    log.push({
      at,
      readings: e.delivered,
      status: out.verdict.status,
      // what counts against a sensor: active, non-advisory reasons, and completeness episodes
      reasons: out.verdict.reasons.filter(isReportedReason).map((r) => r.kind),
    });
  };

  for (const chunk of fleet.chunks(sweepMs)) {
    // Deliver each sensor's readings of this chunk as one batch, sorted by event time like the shell does.
    const batches = new Map<Entry, { now: number; rs: ReadingSample[] }>();
    for (const r of chunk.readings) {
      const e = index.get(r.sensorId);
      if (!e) throw new Error(`reading for unknown sensor ${r.sensorId}`);
      let b = batches.get(e);
      if (!b) batches.set(e, (b = { now: r.arrivedAt, rs: [] }));
      b.now = Math.max(b.now, r.arrivedAt);
      b.rs.push({ ts: r.ts, value: r.value });
    }
    for (const [e, b] of batches) {
      b.rs.sort((x, y) => x.ts - y.ts);
      e.delivered += b.rs.length;
      readings += b.rs.length;
      record(e, b.now, observe(e.state, e.profile, b.rs, b.now, config));
    }
    // sweepFleet returns one outcome per entry, in entry order.
    const outs = sweepFleet(entries, chunk.until, config);
    entries.forEach((e, i) => record(e, chunk.until, outs[i]!));
  }
  const intervals = new Map(fleet.profiles.map((p) => [p.id, p.expectedIntervalSeconds]));
  return {
    report: evaluate(fleet.labels, observations, intervals, spec.start + spec.durationMs),
    sensors: entries.length,
    readings,
    observations,
    profiles: fleet.profiles,
    labels: fleet.labels,
  };
}
