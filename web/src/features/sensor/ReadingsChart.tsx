// Readings over the chosen range from Sensor.series: the mean per bucket as a line with
// the bucket's min–max as a band, the plausible range shaded, out-of-range buckets in
// red and unhealthy periods shaded. Gaps (no reading) stay gaps. Live readings are
// appended while the range ends now. A drag across the chart zooms in (finer data).
import { useMemo } from 'react';
import { TimeSeriesChart, type ChartSeries, type ChartSpan } from '../../components/TimeSeriesChart';
import { Empty } from '../../components/StatePanel';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { SPAN_COLOURS, statusSpans } from './fault-spans';
import { bucketMs, flaggedSpans, seriesView, type SeriesBucket } from './series-view';

export const ReadingsChartFragment = graphql(`
  fragment ReadingsChart_sensor on Sensor {
    unit
    minValue
    maxValue
    expectedIntervalSeconds
    series(from: $from, to: $to, points: $points) {
      at
      min
      max
      avg
      count
      flagged
    }
    trustHistory(from: $from, to: $to, includePrevious: true) {
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
  /** the range asked for (epoch ms) and the bucket count */
  from: number;
  to: number;
  points: number;
  /** a new range is being fetched: what is drawn is still the previous one */
  loading?: boolean;
  onSelectRange?: (from: number, to: number) => void;
}) {
  const sensor = useFragment(ReadingsChartFragment, props.sensor);
  const { live, from, to, points } = props;

  const chart = useMemo(() => {
    const stored: SeriesBucket[] = sensor.series;
    const fresh = (live ?? [])
      .filter((r) => Date.parse(r.timestamp) > to)
      .map((r) => ({ at: r.timestamp, min: r.value, max: r.value, avg: r.value, count: 1, flagged: 0 }));
    const merged = [...stored, ...fresh];
    const width = bucketMs(from, to, points);
    const view = seriesView(
      merged,
      { min: sensor.minValue, max: sensor.maxValue },
      sensor.expectedIntervalSeconds,
      width,
    );
    const series: ChartSeries[] = [
      { label: 'Mean', values: view.avg, color: '#2563eb' },
      { label: 'Min', values: view.min, color: '#60a5fa', hidden: true },
      { label: 'Max', values: view.max, color: '#60a5fa', hidden: true },
      { label: 'Out of range', values: view.outside, color: '#dc2626', pointsOnly: true },
    ];
    const right = Math.max(to, Date.parse(fresh.at(-1)?.at ?? '') || 0) / 1000;
    const spans: ChartSpan[] = statusSpans(sensor.trustHistory, right).map((s) => ({
      ...s,
      color: SPAN_COLOURS[s.status]!,
    }));
    // Flagged readings: a strip along the bottom, darker the larger the bucket's flagged share.
    const flagged = flaggedSpans(stored, width);
    for (const f of flagged)
      spans.push({ from: f.from, to: f.to, color: `rgba(192, 38, 211, ${0.3 + 0.6 * f.share})`, strip: true });
    const readings = merged.reduce((n, b) => n + b.count, 0);
    return {
      timestamps: view.timestamps,
      series,
      spans,
      readings,
      flagged: flagged.length > 0,
      yRange: view.yRange,
      xRange: [from / 1000, right] as [number, number],
      width,
    };
  }, [sensor, live, from, to, points]);

  const valueBand = useMemo(
    () => ({ min: sensor.minValue ?? null, max: sensor.maxValue ?? null, color: 'rgba(22, 163, 74, 0.08)' }),
    [sensor.minValue, sensor.maxValue],
  );
  const bands = useMemo(() => [{ upper: 2, lower: 1, color: 'rgba(37, 99, 235, 0.18)' }], []);

  if (chart.readings === 0) return <Empty>No readings in this range.</Empty>;
  return (
    <>
      <TimeSeriesChart
        ariaLabel="Readings over time"
        testId="readings-chart"
        timestamps={chart.timestamps}
        series={chart.series}
        spans={chart.spans}
        valueBand={valueBand}
        bands={bands}
        yRange={chart.yRange}
        xRange={chart.xRange}
        onSelectRange={props.onSelectRange && ((a, b) => props.onSelectRange!(a * 1000, b * 1000))}
        unit={sensor.unit}
        height={280}
      />
      <p className="chart-legend muted small" data-testid="readings-summary" aria-busy={props.loading ?? false}>
        {props.loading && 'Loading the new range… '}
        {chart.readings.toLocaleString()} readings
        {chart.width > 1000 ? ` in buckets of ${describeWidth(chart.width)} (mean line, min–max band)` : ''}
        {' · '}
        <span className="legend-swatch band" /> plausible range
        {sensor.minValue != null &&
          sensor.maxValue != null &&
          ` (${sensor.minValue} – ${sensor.maxValue}${sensor.unit ? ` ${sensor.unit}` : ''})`}
        <span className="legend-swatch degraded" /> degraded period
        <span className="legend-swatch faulty" /> faulty period
        <span className="legend-swatch offline" /> offline period
        <span className="legend-swatch flagged" /> flagged readings (strip at the bottom, darker when more of a bucket)
        <span className="legend-dot" /> out-of-range reading (drawn at the edge when beyond it)
        {' · drag across the chart to zoom in; gaps are times with no readings'}
      </p>
    </>
  );
}

function describeWidth(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
