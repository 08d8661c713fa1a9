// A dense time-series chart on uPlot (canvas). Plain UI: data in, no fetching.
// Shaded vertical spans mark periods (e.g. faults); a horizontal band marks the
// plausible value range; a fill between two series shows a min–max envelope. Times on
// the axis and in the legend are in the browser's locale and zone (time-format.ts).
// uPlot is loaded lazily so it stays out of the main bundle.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisLabels, formatDateTimeSeconds } from './time-format';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Draw points only (no line), e.g. for flagged readings. */
  pointsOnly?: boolean;
  stepped?: boolean;
  /** Not drawn as a line (only as the edge of a band), still in the legend. */
  hidden?: boolean;
}

export interface ChartSpan {
  from: number; // epoch seconds
  to: number;
  color: string;
  /** Drawn as a strip along the bottom of the plot instead of its full height. */
  strip?: boolean;
}

/** Height (CSS px) of a bottom strip span. */
const STRIP_PX = 10;

export interface TimeSeriesChartProps {
  /** epoch seconds, ascending */
  timestamps: number[];
  series: ChartSeries[];
  spans?: ChartSpan[];
  valueBand?: { min: number | null; max: number | null; color: string };
  yRange?: [number, number];
  /** The x axis shows this range (epoch seconds), data or not: gaps at the edges stay visible. */
  xRange?: [number, number];
  /** Fill between two series (indexes into `series`), e.g. a min–max envelope. */
  bands?: { upper: number; lower: number; color: string }[];
  /**
   * A drag across the chart selects a time range (epoch seconds) and calls this instead of
   * zooming the drawn data: the caller loads the range in finer detail.
   */
  onSelectRange?: (from: number, to: number) => void;
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
  zoomedRef: { current: boolean },
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
    cursor: { drag: { x: true, y: false, setScale: !props.onSelectRange } },
    bands: props.bands?.map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: b.color })),
    // Read at draw time, so a new range applies without rebuilding the chart (and losing the zoom).
    scales: {
      x: {
        time: true,
        range: (_u, min, max) => {
          const fixed = current.current.xRange;
          return fixed && !zoomedRef.current ? fixed : [min, max];
        },
      },
      y: { range: (_u, min, max) => current.current.yRange ?? U.rangeNum(min, max, 0.1, true) },
    },
    axes: [
      {
        stroke: AXIS,
        grid: { stroke: '#8883', width: 1 },
        // Browser locale and zone, not uPlot's US defaults ("9:20am 12/7/26").
        values: (_u, ticks, _space, _incr, foundIncr) =>
          axisLabels(
            ticks.map((t) => t * 1000),
            foundIncr * 1000,
          ),
        size: 50,
        // Room for a localised label ("24. Nov.", "12:00") between ticks, also at 390 px.
        space: 72,
      },
      {
        stroke: AXIS,
        grid: { stroke: '#8883', width: 1 },
        values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)}${unit ? ` ${unit}` : ''}`),
        size: 80,
      },
    ],
    series: [
      { value: (_u, v) => (v == null ? '–' : formatDateTimeSeconds(v * 1000)) },
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.pointsOnly || s.hidden ? 0 : 1.5,
        paths: s.pointsOnly ? () => null : s.stepped ? U.paths.stepped!({ align: 1 }) : undefined,
        points: s.pointsOnly ? { show: true, size: 7, fill: s.color, stroke: s.color } : { show: false },
        spanGaps: false,
      })),
    ],
    hooks: {
      // A drag selects a time range and zooms to it: from then on new data keeps that range.
      setSelect: [
        (u) => {
          if (u.select.width <= 2) return;
          const pick = current.current.onSelectRange;
          if (!pick) return onZoom();
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          pick(from, to);
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
            const h = span.strip ? Math.min(bbox.height, STRIP_PX * devicePixelRatio) : bbox.height;
            ctx.fillRect(x0, bbox.top + bbox.height - h, Math.max(2, x1 - x0), h);
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

  const shape =
    props.series.map((s) => `${s.label}:${s.color}:${s.pointsOnly}:${s.hidden}`).join('|') +
    JSON.stringify(props.bands ?? []) +
    String(!props.onSelectRange);

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
        plot.current = new U(buildOptions(propsRef, zoomed, el.clientWidth || 600, U, onZoom), data, el);
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
  }, [props.timestamps, props.series, props.spans, props.valueBand, props.xRange]);

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
