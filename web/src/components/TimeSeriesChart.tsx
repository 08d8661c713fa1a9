// A dense time-series chart on uPlot (canvas). Plain UI: data in, no fetching.
// Shaded vertical spans mark periods (e.g. faults); a horizontal band marks the
// plausible value range. uPlot is loaded lazily so it stays out of the main bundle.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Draw points only (no line), e.g. for flagged readings. */
  pointsOnly?: boolean;
  stepped?: boolean;
}

export interface ChartSpan {
  from: number; // epoch seconds
  to: number;
  color: string;
}

export interface TimeSeriesChartProps {
  /** epoch seconds, ascending */
  timestamps: number[];
  series: ChartSeries[];
  spans?: ChartSpan[];
  valueBand?: { min: number | null; max: number | null; color: string };
  yRange?: [number, number];
  height?: number;
  unit?: string | null;
  ariaLabel: string;
  testId?: string;
}

// Mid grey reads on both the light and the dark theme.
const AXIS = '#7b8494';

// Hooks read the latest props through `current`, so new spans draw without rebuilding the chart.
function buildOptions(
  current: { current: TimeSeriesChartProps },
  width: number,
  U: typeof uPlot,
  onZoom: () => void,
): uPlot.Options {
  const props = current.current;
  const { unit } = props;
  return {
    width,
    height: props.height ?? 260,
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    // Read at draw time, so a new range applies without rebuilding the chart (and losing the zoom).
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => current.current.yRange ?? U.rangeNum(min, max, 0.1, true) },
    },
    axes: [
      { stroke: AXIS, grid: { stroke: '#8883', width: 1 } },
      {
        stroke: AXIS,
        grid: { stroke: '#8883', width: 1 },
        values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)}${unit ? ` ${unit}` : ''}`),
        size: 80,
      },
    ],
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.pointsOnly ? 0 : 1.5,
        paths: s.pointsOnly ? () => null : s.stepped ? U.paths.stepped!({ align: 1 }) : undefined,
        points: s.pointsOnly ? { show: true, size: 7, fill: s.color, stroke: s.color } : { show: false },
        spanGaps: false,
      })),
    ],
    hooks: {
      // A drag selects a time range and zooms to it: from then on new data keeps that range.
      setSelect: [
        (u) => {
          if (u.select.width > 2) onZoom();
        },
      ],
      drawClear: [
        (u) => {
          const { ctx, bbox } = u;
          const { spans = [], valueBand } = current.current;
          ctx.save();
          if (valueBand && (valueBand.min != null || valueBand.max != null)) {
            const top = valueBand.max != null ? u.valToPos(valueBand.max, 'y', true) : bbox.top;
            const bottom = valueBand.min != null ? u.valToPos(valueBand.min, 'y', true) : bbox.top + bbox.height;
            const y0 = Math.max(bbox.top, Math.min(top, bottom));
            const y1 = Math.min(bbox.top + bbox.height, Math.max(top, bottom));
            ctx.fillStyle = valueBand.color;
            if (y1 > y0) ctx.fillRect(bbox.left, y0, bbox.width, y1 - y0);
          }
          for (const span of spans) {
            const x0 = Math.max(bbox.left, u.valToPos(span.from, 'x', true));
            const x1 = Math.min(bbox.left + bbox.width, u.valToPos(span.to, 'x', true));
            if (x1 <= x0) continue;
            ctx.fillStyle = span.color;
            ctx.fillRect(x0, bbox.top, Math.max(2, x1 - x0), bbox.height);
          }
          ctx.restore();
        },
      ],
    },
  };
}

export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [failed, setFailed] = useState(false);
  const zoomed = useRef(false);
  const [showReset, setShowReset] = useState(false);
  const propsRef = useRef(props);
  useLayoutEffect(() => {
    propsRef.current = props;
  });

  const shape = props.series.map((s) => `${s.label}:${s.color}:${s.pointsOnly}`).join('|');

  // Create the chart once per series layout; data updates go through setData below.
  useEffect(() => {
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    import('uplot')
      .then(({ default: U }) => {
        const el = container.current;
        if (cancelled || !el) return;
        const p = propsRef.current;
        const data = [p.timestamps, ...p.series.map((s) => s.values)] as uPlot.AlignedData;
        plot.current?.destroy();
        zoomed.current = false;
        setShowReset(false);
        const onZoom = () => {
          zoomed.current = true;
          setShowReset(true);
        };
        plot.current = new U(buildOptions(propsRef, el.clientWidth || 600, U, onZoom), data, el);
        observer = new ResizeObserver(() => {
          if (el.clientWidth > 0) plot.current?.setSize({ width: el.clientWidth, height: p.height ?? 260 });
        });
        observer.observe(el);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, props.height, props.unit]);

  useEffect(() => {
    const data = [props.timestamps, ...props.series.map((s) => s.values)] as uPlot.AlignedData;
    // Keep the user's zoom: new readings must not reset it (only the button does).
    plot.current?.setData(data, !zoomed.current);
  }, [props.timestamps, props.series, props.spans, props.valueBand]);

  const resetZoom = () => {
    zoomed.current = false;
    setShowReset(false);
    const p = propsRef.current;
    plot.current?.setData([p.timestamps, ...p.series.map((s) => s.values)] as uPlot.AlignedData, true);
  };

  return (
    <figure className="chart" aria-label={props.ariaLabel} data-testid={props.testId}>
      {showReset && (
        <button type="button" className="chart-reset" onClick={resetZoom}>
          Reset zoom
        </button>
      )}
      <div ref={container} className="chart-canvas" />
      {failed && <p className="muted">The chart could not be drawn in this browser.</p>}
    </figure>
  );
}
