// Trust score over time (0–100, stepped), with unhealthy periods shaded.
import { useMemo } from 'react';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { Empty } from '../../components/StatePanel';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { SPAN_COLOURS, statusSpans } from './fault-spans';

export const TrustHistoryFragment = graphql(`
  fragment TrustHistoryChart_sensor on Sensor {
    trustHistory(from: $since) {
      at
      score
      status
    }
  }
`);

const Y_RANGE: [number, number] = [0, 100];

export function TrustHistoryChart(props: { sensor: FragmentType<typeof TrustHistoryFragment> }) {
  const { trustHistory } = useFragment(TrustHistoryFragment, props.sensor);
  const chart = useMemo(() => {
    const timestamps = trustHistory.map((p) => Date.parse(p.at) / 1000);
    // The right edge is "now" as of the data it is drawn with, recomputed when that data changes.
    // eslint-disable-next-line react-hooks/purity
    const now = Date.now() / 1000;
    return {
      timestamps: [...timestamps, now],
      series: [
        {
          label: 'Trust',
          values: [...trustHistory.map((p) => p.score), trustHistory.at(-1)?.score ?? null],
          color: '#7c3aed',
          stepped: true,
        },
      ],
      spans: statusSpans(trustHistory, now).map((s) => ({ ...s, color: SPAN_COLOURS[s.status]! })),
    };
  }, [trustHistory]);
  if (trustHistory.length === 0) return <Empty>No trust history yet.</Empty>;
  return (
    <TimeSeriesChart
      ariaLabel="Trust history"
      timestamps={chart.timestamps}
      series={chart.series}
      spans={chart.spans}
      yRange={Y_RANGE}
      height={180}
    />
  );
}
