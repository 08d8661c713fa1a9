// The last 24 h of fleet trust and open tickets, from the server's samples
// (fleetTrend, one every few minutes) plus the live figures as the newest point.
// Two small line charts drawn as SVG; each says in words what it shows.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { formatTime } from '../../components/time-format';
import { graphql } from '../../gql';

export const FleetTrendQuery = graphql(`
  query FleetTrend($hours: Int) {
    fleetTrend(hours: $hours) {
      at
      averageTrust
      openTickets
    }
  }
`);

const HOURS = 24;
/** Samples further apart than this are drawn with a gap between them. */
const GAP_MS = 20 * 60_000;
const REFRESH_MS = 5 * 60_000;

export interface TrendPoint {
  at: number;
  value: number | null;
}

/** SVG path of points in [from, to] × [lo, hi], broken at gaps and nulls. */
export function trendPath(points: TrendPoint[], from: number, to: number, lo: number, hi: number): string {
  const w = 100;
  const h = 30;
  const span = hi - lo || 1;
  let d = '';
  let previous: TrendPoint | null = null;
  for (const p of points) {
    if (p.value === null) {
      previous = null;
      continue;
    }
    const x = ((p.at - from) / (to - from)) * w;
    const y = h - ((p.value - lo) / span) * (h - 2) - 1;
    const move = !previous || p.at - previous.at > GAP_MS;
    // A point that starts a segment is drawn as a dot (a zero-length line with round caps)
    // until the next point continues it.
    d += move ? `M${x.toFixed(2)},${y.toFixed(2)}l0.01,0` : `L${x.toFixed(2)},${y.toFixed(2)}`;
    previous = p;
  }
  return d;
}

function Sparkline(props: {
  title: string;
  points: TrendPoint[];
  from: number;
  to: number;
  format: (v: number) => string;
  fixedRange?: [number, number];
  testId: string;
}) {
  const values = props.points.map((p) => p.value).filter((v): v is number => v !== null);
  const first = values[0];
  const last = values.at(-1);
  const lo = props.fixedRange ? props.fixedRange[0] : Math.min(...values, 0);
  const hi = props.fixedRange ? props.fixedRange[1] : Math.max(...values, 1);
  const min = values.length ? Math.min(...values) : null;
  const max = values.length ? Math.max(...values) : null;
  const oldest = props.points.find((p) => p.value !== null)?.at;
  const collecting = oldest !== undefined && oldest > props.from + 3600_000;
  const words =
    first === undefined || last === undefined
      ? `${props.title}: no samples yet`
      : `${props.title}: ${props.format(first)} at the start, ${props.format(last)} now (lowest ${props.format(min!)}, highest ${props.format(max!)})`;
  return (
    <figure className="trend" data-testid={props.testId}>
      <figcaption className="kpi-label">{props.title}</figcaption>
      <svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label={words} className="trend-svg">
        <path
          d={trendPath(props.points, props.from, props.to, lo, hi)}
          className="trend-line"
          vectorEffect="non-scaling-stroke"
        />
      </svg>
      <div className="trend-scale muted small" aria-hidden="true">
        <span>
          {min === null ? '–' : `${props.format(min)}–${props.format(max!)}`}
          {collecting && ` · since ${formatTime(oldest)}`}
        </span>
        <span>now {last === undefined ? '–' : props.format(last)}</span>
      </div>
    </figure>
  );
}

/** `now`: the live fleet figures, drawn as the newest point; the chart ends at their time. */
export function FleetTrend({ now }: { now: { at: string; averageTrust: number | null; openTickets: number } }) {
  const [result, refetch] = useQuery({ query: FleetTrendQuery, variables: { hours: HOURS } });
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refetch]);
  const samples = result.data?.fleetTrend ?? [];
  const to = Date.parse(now.at);
  const from = to - HOURS * 3600_000;
  const points = samples.map((s) => ({ at: Date.parse(s.at), trust: s.averageTrust, tickets: s.openTickets }));
  points.push({ at: to, trust: now.averageTrust, tickets: now.openTickets });
  return (
    <section className="fleet-trend" aria-label="Last 24 hours">
      <Sparkline
        title="Fleet trust, 24 h"
        testId="trend-trust"
        points={points.map((p) => ({ at: p.at, value: p.trust }))}
        from={from}
        to={to}
        fixedRange={[0, 100]}
        format={(v) => String(Math.round(v))}
      />
      <Sparkline
        title="Open tickets, 24 h"
        testId="trend-tickets"
        points={points.map((p) => ({ at: p.at, value: p.tickets }))}
        from={from}
        to={to}
        format={(v) => String(Math.round(v))}
      />
    </section>
  );
}
