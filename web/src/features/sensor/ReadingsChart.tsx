// Readings over time with the plausible range as a band, out-of-range points
// in red and unhealthy periods shaded. Live readings are appended as they arrive.
import { useMemo } from 'react';
import { TimeSeriesChart, type ChartSeries } from '../../components/TimeSeriesChart';
import { Empty } from '../../components/StatePanel';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { SPAN_COLOURS, statusSpans } from './fault-spans';
import { readingsView } from './readings-view';

export const ReadingsChartFragment = graphql(`
  fragment ReadingsChart_sensor on Sensor {
    unit
    minValue
    maxValue
    expectedIntervalSeconds
    readings(from: $since, last: $readingCount) {
      timestamp
      value
    }
    trustHistory(from: $since) {
      at
      status
    }
  }
`);

export interface LivePoint {
  timestamp: string;
  value: number;
}

export function ReadingsChart(props: {
  sensor: FragmentType<typeof ReadingsChartFragment>;
  live?: readonly LivePoint[];
}) {
  const sensor = useFragment(ReadingsChartFragment, props.sensor);
  const { live } = props;

  const chart = useMemo(() => {
    const stored = sensor.readings;
    const newest = stored.at(-1)?.timestamp ?? '';
    const merged = [...stored, ...(live ?? []).filter((r) => r.timestamp > newest)];
    const view = readingsView(merged, { min: sensor.minValue, max: sensor.maxValue }, sensor.expectedIntervalSeconds);
    const { timestamps } = view;
    const series: ChartSeries[] = [
      { label: 'Value', values: view.values, color: '#2563eb' },
      { label: 'Out of range', values: view.outside, color: '#dc2626', pointsOnly: true },
    ];
    // The right edge is "now" as of the data it is drawn with, recomputed when that data changes.

    const now = Math.max(timestamps.at(-1) ?? 0, Date.now() / 1000);
    const spans = statusSpans(sensor.trustHistory, now).map((s) => ({ ...s, color: SPAN_COLOURS[s.status]! }));
    return { timestamps, series, spans, count: merged.length, yRange: view.yRange };
  }, [sensor, live]);

  const valueBand = useMemo(
    () => ({ min: sensor.minValue ?? null, max: sensor.maxValue ?? null, color: 'rgba(22, 163, 74, 0.08)' }),
    [sensor.minValue, sensor.maxValue],
  );

  if (chart.count === 0) return <Empty>No readings yet.</Empty>;
  return (
    <>
      <TimeSeriesChart
        ariaLabel="Readings over time"
        testId="readings-chart"
        timestamps={chart.timestamps}
        series={chart.series}
        spans={chart.spans}
        valueBand={valueBand}
        yRange={chart.yRange}
        unit={sensor.unit}
        height={280}
      />
      <p className="chart-legend muted small">
        <span className="legend-swatch band" /> plausible range
        {sensor.minValue != null &&
          sensor.maxValue != null &&
          ` (${sensor.minValue} – ${sensor.maxValue}${sensor.unit ? ` ${sensor.unit}` : ''})`}
        <span className="legend-swatch degraded" /> degraded period
        <span className="legend-swatch faulty" /> faulty period
        <span className="legend-swatch offline" /> offline period
        <span className="legend-dot" /> out-of-range reading (drawn at the edge when beyond it)
        {' · drag across the chart to zoom; gaps are times with no readings'}
      </p>
    </>
  );
}
