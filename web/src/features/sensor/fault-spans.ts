// Turns a trust history into shaded periods where the sensor was not healthy.
import type { TrustStatus } from '../../gql/graphql';

export interface StatusSpan {
  from: number; // epoch seconds
  to: number;
  status: TrustStatus;
}

const MARKED: ReadonlySet<TrustStatus> = new Set(['DEGRADED', 'FAULTY', 'OFFLINE']);

export const SPAN_COLOURS: Partial<Record<TrustStatus, string>> = {
  DEGRADED: 'rgba(217, 119, 6, 0.16)',
  FAULTY: 'rgba(220, 38, 38, 0.18)',
  OFFLINE: 'rgba(107, 114, 128, 0.20)',
};

/** `points` ascending by time; the last span runs until `now` (epoch seconds). */
export function statusSpans(points: readonly { at: string; status: TrustStatus }[], now: number): StatusSpan[] {
  const spans: StatusSpan[] = [];
  let open: StatusSpan | null = null;
  for (const p of points) {
    const t = Date.parse(p.at) / 1000;
    if (open && open.status !== p.status) {
      open.to = t;
      spans.push(open);
      open = null;
    }
    if (!open && MARKED.has(p.status)) open = { from: t, to: t, status: p.status };
  }
  if (open) {
    open.to = Math.max(open.from, now);
    spans.push(open);
  }
  return spans;
}
