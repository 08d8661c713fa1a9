// Drives generator → observe/sweepFleet in-process (no HTTP, no database) and scores the result.
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from '../config.js';
import type { TrustOutcome } from '../observe.js';
import { initialTrustState } from '../state.js';
import { observe, sweepFleet } from '../index.js';
import { isTicketReason, type ReadingSample, type SensorProfile } from '../types.js';
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
  const index = new Map(fleet.profiles.map((p, i) => [p.id, i]));
  const entries = fleet.profiles.map((profile) => ({ profile, state: initialTrustState() }));
  const delivered = new Array<number>(entries.length).fill(0);
  const observations = new Map<string, Observation[]>(fleet.profiles.map((p) => [p.id, []]));
  let readings = 0;

  const record = (i: number, at: number, out: TrustOutcome): void => {
    const log = observations.get(fleet.profiles[i].id)!;
    if (!out.changed && log.length > 0) return;
    log.push({
      at,
      readings: delivered[i],
      status: out.verdict.status,
      // what counts against a sensor: active, non-advisory reasons
      reasons: out.verdict.reasons.filter(isTicketReason).map((r) => r.kind),
    });
  };

  for (const chunk of fleet.chunks(sweepMs)) {
    // Deliver each sensor's readings of this chunk as one batch, sorted by event time like the shell does.
    const batches = new Map<number, { now: number; rs: ReadingSample[] }>();
    for (const r of chunk.readings) {
      const i = index.get(r.sensorId)!;
      let b = batches.get(i);
      if (!b) batches.set(i, (b = { now: r.arrivedAt, rs: [] }));
      b.now = Math.max(b.now, r.arrivedAt);
      b.rs.push({ ts: r.ts, value: r.value });
    }
    for (const [i, b] of batches) {
      b.rs.sort((x, y) => x.ts - y.ts);
      delivered[i] += b.rs.length;
      readings += b.rs.length;
      record(i, b.now, observe(entries[i].state, entries[i].profile, b.rs, b.now, config));
    }
    const outs = sweepFleet(entries, chunk.until, config);
    for (let i = 0; i < outs.length; i++) record(i, chunk.until, outs[i]);
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
