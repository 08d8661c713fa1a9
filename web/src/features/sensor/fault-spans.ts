// Turns a trust history into shaded periods where the sensor was not healthy, with the
// fault kinds seen during each (highest severity each reached).
import type { FaultKind, Severity, TrustStatus } from '../../gql/graphql';

export interface SpanReason {
  kind: FaultKind;
  severity: Severity;
}

export interface StatusSpan {
  from: number; // epoch seconds
  to: number;
  status: TrustStatus;
  /** the kinds active at any point of the period, highest severity first */
  reasons: SpanReason[];
}

const MARKED: ReadonlySet<TrustStatus> = new Set(['DEGRADED', 'FAULTY', 'OFFLINE']);
const RANK: Record<Severity, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export const SPAN_COLOURS: Partial<Record<TrustStatus, string>> = {
  DEGRADED: 'rgba(217, 119, 6, 0.16)',
  FAULTY: 'rgba(220, 38, 38, 0.18)',
  OFFLINE: 'rgba(107, 114, 128, 0.20)',
};

interface Point {
  at: string;
  status: TrustStatus;
  reasons?: readonly { kind: FaultKind; severity: Severity; advisory?: boolean }[];
}

function merge(into: SpanReason[], reasons: Point['reasons']) {
  for (const r of reasons ?? []) {
    if (r.advisory) continue;
    const seen = into.find((x) => x.kind === r.kind);
    if (!seen) into.push({ kind: r.kind, severity: r.severity });
    else if (RANK[r.severity] > RANK[seen.severity]) seen.severity = r.severity;
  }
  into.sort((a, b) => RANK[b.severity] - RANK[a.severity]);
}

/** `points` ascending by time; the last span runs until `now` (epoch seconds). */
export function statusSpans(points: readonly Point[], now: number): StatusSpan[] {
  const spans: StatusSpan[] = [];
  let open: StatusSpan | null = null;
  for (const p of points) {
    const t = Date.parse(p.at) / 1000;
    if (open && open.status !== p.status) {
      open.to = t;
      spans.push(open);
      open = null;
    }
    if (!open && MARKED.has(p.status)) open = { from: t, to: t, status: p.status, reasons: [] };
    if (open) merge(open.reasons, p.reasons);
  }
  if (open) {
    open.to = Math.max(open.from, now);
    spans.push(open);
  }
  return spans;
}
