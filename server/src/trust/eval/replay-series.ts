// Replays one real series through the pure engine as if it streamed live (each reading arriving
// `latencyMs` after its timestamp, a sweep every `sweepMs` of time) and measures the share of
// its time spent flagged. For real data without fault labels: a healthy sensor should stay quiet.
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from '../config.js';
import { observe, sweepFleet } from '../index.js';
import { initialTrustState } from '../state.js';
import { isTicketReason, type FaultKind, type ReadingSample, type SensorProfile } from '../types.js';
import { flaggedTime, type Observation } from './evaluate.js';

export interface ReplayResult {
  readings: number;
  /** share of time (first judged verdict → end) DEGRADED, FAULTY, OFFLINE or with a reason */
  flaggedShare: number;
  /** the same, leaving out the time it was OFFLINE (real outages in the data) */
  flaggedWhileReporting: number;
  /** flagged time per reason kind (a time with two reasons counts for both), as a share of all time */
  byKind: Partial<Record<FaultKind, number>>;
  observations: Observation[];
}

export function replaySeries(
  profile: SensorProfile,
  readings: ReadingSample[],
  options: { config?: TrustConfig; sweepMs?: number; latencyMs?: number; until?: number } = {},
): ReplayResult {
  const config = options.config ?? DEFAULT_TRUST_CONFIG;
  const sweepMs = options.sweepMs ?? profile.expectedIntervalSeconds * 1000;
  const latency = options.latencyMs ?? 2000;
  const state = initialTrustState();
  const obs: Observation[] = [];
  let delivered = 0;
  const record = (at: number, v: ReturnType<typeof observe>['verdict']) => {
    const reasons = v.reasons.filter(isTicketReason).map((r) => r.kind);
    const last = obs[obs.length - 1];
    if (last && last.status === v.status && last.reasons.join() === reasons.join()) return;
    obs.push({ at, readings: delivered, status: v.status, reasons });
  };
  const sorted = readings.slice().sort((a, b) => a.ts - b.ts);
  const [oldest, newest] = [sorted.at(0), sorted.at(-1)];
  if (oldest === undefined || newest === undefined)
    return { readings: 0, flaggedShare: 0, flaggedWhileReporting: 0, byKind: {}, observations: obs };
  // sweeps go on until `until` (a sensor that dies at the end is seen going OFFLINE)
  const end = Math.max(newest.ts + latency, options.until ?? 0);
  let next = oldest.ts + sweepMs;
  for (const r of sorted) {
    const at = r.ts + latency;
    while (next < at) {
      const [swept] = sweepFleet([{ profile, state }], next, config);
      if (swept) record(next, swept.verdict);
      next += sweepMs;
    }
    delivered++;
    record(at, observe(state, profile, [r], at, config).verdict);
  }
  for (; next <= end; next += sweepMs) {
    const [swept] = sweepFleet([{ profile, state }], next, config);
    if (swept) record(next, swept.verdict);
  }
  const total = flaggedTime(obs, end);
  const byKind: Partial<Record<FaultKind, number>> = {};
  let offline = 0;
  for (const [i, o] of obs.entries()) {
    const dt = (obs[i + 1]?.at ?? end) - o.at;
    if (o.status === 'OFFLINE') offline += dt;
    for (const k of o.reasons) byKind[k] = (byKind[k] ?? 0) + dt / Math.max(1, total.total);
  }
  const reporting = total.total - offline;
  return {
    readings: sorted.length,
    flaggedShare: total.total === 0 ? 0 : total.flagged / total.total,
    flaggedWhileReporting: reporting <= 0 ? 0 : (total.flagged - offline) / reporting,
    byKind,
    observations: obs,
  };
}
