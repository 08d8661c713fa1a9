// Pure scoring of detections against labels. Knows nothing about how readings were delivered:
// it only needs, per sensor, the verdict observations (at least every time something changed).
import { FAULT_KINDS, type FaultKind, type TrustStatus } from '../types.js';
import type { FaultLabel } from './fleet-generator.js';

export interface Observation {
  /** server time of the evaluation that produced the verdict (epoch ms) */
  at: number;
  /** readings of this sensor delivered so far, including the ones just evaluated */
  readings: number;
  status: TrustStatus;
  reasons: FaultKind[];
}

export interface KindReport {
  kind: FaultKind;
  /** sensors labelled with this fault */
  labelled: number;
  /** … that were noticed at all after onset (a reason, or DEGRADED/FAULTY/OFFLINE) */
  detected: number;
  recall: number;
  /** … whose reasons after onset included the injected kind */
  attributed: number;
  attribution: number;
  /** sensors on which this kind was ever reported, and the share of them labelled with it */
  reportedOn: number;
  precision: number;
  /** from onset to the first report of the injected kind, over attributed sensors */
  medianDelayReadings: number | null;
  maxDelayReadings: number | null;
  medianDelayMinutes: number | null;
  maxDelayMinutes: number | null;
}

export interface EvalReport {
  kinds: KindReport[];
  healthy: number;
  /**
   * Healthy-labelled sensors that at ANY time got a reason or were DEGRADED, FAULTY or OFFLINE
   * (UNKNOWN during warm-up does not count).
   */
  falsePositives: number;
  falsePositiveRate: number;
  falsePositiveIds: string[];
  /**
   * Share of healthy sensors' time (from their first judged verdict to the end of the run)
   * spent noticed: DEGRADED, FAULTY, OFFLINE or with a reason (advisories are not recorded as
   * reasons). null when the run's end was not given.
   */
  healthyTimeFlagged: number | null;
  recall: number;
  attribution: number;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const hi = s[m];
  const lo = s.length % 2 ? hi : s[m - 1];
  return hi === undefined || lo === undefined ? null : (lo + hi) / 2;
};

const noticed = (o: Observation): boolean =>
  o.reasons.length > 0 || o.status === 'DEGRADED' || o.status === 'FAULTY' || o.status === 'OFFLINE';

/** Time share of `obs` (a change log) from the first non-UNKNOWN verdict to `end` that is noticed. */
export function flaggedTime(obs: readonly Observation[], end: number): { flagged: number; total: number } {
  let flagged = 0;
  let total = 0;
  const first = obs.findIndex((o) => o.status !== 'UNKNOWN' || o.reasons.length > 0);
  if (first < 0) return { flagged, total };
  for (const [i, o] of obs.entries()) {
    if (i < first) continue;
    const until = obs[i + 1]?.at ?? end;
    const dt = Math.max(0, until - o.at);
    total += dt;
    if (noticed(o)) flagged += dt;
  }
  return { flagged, total };
}

export function evaluate(
  labels: FaultLabel[],
  observations: ReadonlyMap<string, Observation[]>,
  expectedIntervalSeconds: ReadonlyMap<string, number>,
  end?: number,
): EvalReport {
  const reportedBy = new Map<FaultKind, { total: number; right: number }>();
  const rows = new Map<
    FaultKind,
    { labelled: number; detected: number; attributed: number; delaysR: number[]; delaysM: number[] }
  >();
  for (const k of FAULT_KINDS) {
    reportedBy.set(k, { total: 0, right: 0 });
    rows.set(k, { labelled: 0, detected: 0, attributed: 0, delaysR: [], delaysM: [] });
  }
  const fpIds: string[] = [];
  let healthy = 0;
  let healthyFlagged = 0;
  let healthyTotal = 0;
  for (const label of labels) {
    const obs = observations.get(label.sensorId) ?? [];
    const ever = new Set<FaultKind>();
    for (const o of obs) for (const r of o.reasons) ever.add(r);
    for (const k of ever) {
      const c = reportedBy.get(k)!;
      c.total++;
      if (label.kind === k) c.right++;
    }
    if (label.kind === null || label.onset === null) {
      healthy++;
      if (obs.some(noticed)) fpIds.push(label.sensorId);
      if (end !== undefined) {
        const t = flaggedTime(obs, end);
        healthyFlagged += t.flagged;
        healthyTotal += t.total;
      }
      continue;
    }
    const row = rows.get(label.kind)!;
    row.labelled++;
    const after = obs.filter((o) => o.at >= label.onset!);
    if (after.some(noticed)) row.detected++;
    const first = after.find((o) => o.reasons.includes(label.kind!));
    if (first) {
      row.attributed++;
      row.delaysM.push((first.at - label.onset) / 60_000);
      const iv = expectedIntervalSeconds.get(label.sensorId) ?? 60;
      // Time-driven kinds (OFFLINE) see no readings after onset: count expected intervals instead.
      row.delaysR.push(
        label.kind === 'OFFLINE' ? (first.at - label.onset) / (iv * 1000) : first.readings - label.readingsBeforeOnset,
      );
    }
  }
  const kinds: KindReport[] = [];
  let labelled = 0,
    detected = 0,
    attributed = 0;
  for (const [kind, r] of rows) {
    if (r.labelled === 0) continue;
    labelled += r.labelled;
    detected += r.detected;
    attributed += r.attributed;
    const rep = reportedBy.get(kind)!;
    kinds.push({
      kind,
      labelled: r.labelled,
      detected: r.detected,
      recall: r.detected / r.labelled,
      attributed: r.attributed,
      attribution: r.attributed / r.labelled,
      reportedOn: rep.total,
      precision: rep.total === 0 ? 1 : rep.right / rep.total,
      medianDelayReadings: median(r.delaysR),
      maxDelayReadings: r.delaysR.length ? Math.max(...r.delaysR) : null,
      medianDelayMinutes: median(r.delaysM),
      maxDelayMinutes: r.delaysM.length ? Math.max(...r.delaysM) : null,
    });
  }
  return {
    kinds,
    healthy,
    falsePositives: fpIds.length,
    falsePositiveRate: healthy === 0 ? 0 : fpIds.length / healthy,
    falsePositiveIds: fpIds,
    healthyTimeFlagged: end === undefined ? null : healthyTotal === 0 ? 0 : healthyFlagged / healthyTotal,
    recall: labelled === 0 ? 1 : detected / labelled,
    attribution: labelled === 0 ? 1 : attributed / labelled,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const opt = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

export function formatReport(report: EvalReport): string {
  const head = ['fault', 'n', 'recall', 'attrib', 'precision', 'delay med (rd / min)', 'delay max (rd / min)'];
  const rows = report.kinds.map((k) => [
    k.kind,
    String(k.labelled),
    pct(k.recall),
    pct(k.attribution),
    `${pct(k.precision)} of ${k.reportedOn}`,
    `${opt(k.medianDelayReadings)} / ${opt(k.medianDelayMinutes)}`,
    `${opt(k.maxDelayReadings)} / ${opt(k.maxDelayMinutes)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `overall recall ${pct(report.recall)}, attribution ${pct(report.attribution)}`,
    `false positives on healthy sensors: ${report.falsePositives} of ${report.healthy} (${pct(report.falsePositiveRate)})` +
      (report.falsePositiveIds.length ? ` — ${report.falsePositiveIds.slice(0, 10).join(', ')}` : ''),
    ...(report.healthyTimeFlagged === null
      ? []
      : [`healthy sensor-time flagged: ${(100 * report.healthyTimeFlagged).toFixed(2)}%`]),
  ].join('\n');
}
