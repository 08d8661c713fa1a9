// Trust score over time (0–100, stepped), with unhealthy periods shaded and, below,
// each period in words: when, which status, and the fault kinds active in it.
import { useMemo } from 'react';
import { SeverityBadge } from '../../components/SeverityBadge';
import { Empty } from '../../components/StatePanel';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { formatDateTime, formatTime, sameDay } from '../../components/time-format';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { FAULT_EXPLANATIONS } from './fault-explanations';
import { SPAN_COLOURS, statusSpans } from './fault-spans';

export const TrustHistoryFragment = graphql(`
  fragment TrustHistoryChart_sensor on Sensor {
    trustHistory(from: $from, to: $to, includePrevious: true) {
      at
      score
      status
      reasons {
        kind
        severity
        advisory
      }
    }
  }
`);

const Y_RANGE: [number, number] = [0, 100];
/** The newest periods listed in words (the chart shows all). */
const PERIODS_LISTED = 8;

export function TrustHistoryChart(props: {
  sensor: FragmentType<typeof TrustHistoryFragment>;
  from: number;
  to: number;
  onSelectRange?: (from: number, to: number) => void;
}) {
  const { trustHistory } = useFragment(TrustHistoryFragment, props.sensor);
  const { from, to } = props;
  const chart = useMemo(() => {
    const timestamps = trustHistory.map((p) => Date.parse(p.at) / 1000);
    const end = to / 1000;
    const periods = statusSpans(trustHistory, end);
    return {
      timestamps: [...timestamps, end],
      series: [
        {
          label: 'Trust',
          values: [...trustHistory.map((p) => p.score), trustHistory.at(-1)?.score ?? null],
          color: '#7c3aed',
          stepped: true,
        },
      ],
      spans: periods.map((s) => ({ ...s, color: SPAN_COLOURS[s.status]! })),
      periods: periods.slice(-PERIODS_LISTED).reverse(),
      xRange: [from / 1000, end] as [number, number],
    };
  }, [trustHistory, from, to]);
  if (trustHistory.length === 0)
    return <Empty>No change of trust in this range (a point is kept when the score or status changes).</Empty>;
  return (
    <>
      <TimeSeriesChart
        ariaLabel="Trust history"
        testId="trust-history-chart"
        timestamps={chart.timestamps}
        series={chart.series}
        spans={chart.spans}
        yRange={Y_RANGE}
        xRange={chart.xRange}
        onSelectRange={props.onSelectRange && ((a, b) => props.onSelectRange!(a * 1000, b * 1000))}
        height={180}
      />
      {chart.periods.length > 0 && (
        <ul className="history-periods" aria-label="Unhealthy periods" data-testid="history-periods">
          {chart.periods.map((p) => (
            <li key={`${p.from}-${p.status}`}>
              <strong>{p.status.toLowerCase()}</strong>{' '}
              <span className="muted small">
                {formatDateTime(p.from * 1000)} –{' '}
                {p.to >= to / 1000
                  ? 'now'
                  : sameDay(p.from * 1000, p.to * 1000)
                    ? formatTime(p.to * 1000)
                    : formatDateTime(p.to * 1000)}
              </span>
              {p.reasons.length > 0 ? (
                <span className="reason-kinds">
                  {' · '}
                  {p.reasons.map((r, i) => (
                    <span key={r.kind}>
                      {i > 0 && ', '}
                      {FAULT_EXPLANATIONS[r.kind].title} <SeverityBadge severity={r.severity} />
                    </span>
                  ))}
                </span>
              ) : (
                <span className="muted small">
                  {' '}
                  · no active fault recorded (recovering, or before reasons were kept)
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
