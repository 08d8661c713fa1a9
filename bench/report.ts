// Turns the measurements into budget verdicts and one plain-text table.
import type { CeilingRun } from './ceiling.js';
import type { IngestRun } from './ingest.js';
import type { Machine } from './machine.js';
import type { TopUp } from './postgres-admin.js';
import type { LagResult, ShapeResult } from './shapes.js';
import { round } from './stats.js';

export interface RssSummary {
  beforeMb: number;
  peakMb: number;
  afterMb: number;
  /**
   * Median over the first and the second half of the ingestion: V8's heap
   * makes RSS a sawtooth of several hundred MB between major collections, so
   * peaks say when the last GC ran; medians follow the level, and a leak
   * shows as a rising level.
   */
  firstHalfMedianMb: number;
  secondHalfMedianMb: number;
  samples: { atMs: number; rssMb: number }[];
}

export type ExtraFigures = { status: 'ran'; figures: Record<string, number> } | { status: string; reason?: string };

export interface ModeResult {
  mode: 'postgres' | 'pglite';
  status: 'ran' | 'skipped' | 'failed';
  reason?: string;
  database?: string;
  registration?: { zones: number; sensors: number; seconds: number };
  ingest?: IngestRun;
  storedRows?: number;
  rss?: RssSummary;
  ceiling?: CeilingRun;
  ratio?: number;
  topUp?: TopUp;
  dashboard?: ExtraFigures;
  subscribers?: ExtraFigures;
  /** Arrival shapes on their own fleets, each against its bare insert. */
  shapes?: ShapeResult[];
  verdictLag?: LagResult | { error: string };
  /** Seconds the trust stream still needed after the last shape's last response. */
  streamDrainSeconds?: number;
  /** Server RSS right after it started and at the end of the mode (after the verdict lag). */
  rssStartMb?: number | null;
  rssEndMb?: number | null;
}

export interface Budget {
  line: string;
  target: string;
  actual: string;
  verdict: 'PASS' | 'MISS' | 'n/a';
}

/** Memory counts as flat when the second half's median RSS is at most this much above the first half's. */
export const FLAT_RSS_TOLERANCE_MB = 128;

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '–' : round(n, digits).toLocaleString('en-US');

function verdict(ok: boolean | null): Budget['verdict'] {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'MISS';
}

export function budgets(pg: ModeResult | undefined, lite: ModeResult | undefined): Budget[] {
  const out: Budget[] = [];
  const pgRate = pg?.ingest?.readingsPerSecond;
  out.push({
    line: 'PostgreSQL ingestion, end to end',
    target: '≥ 50,000 readings/s',
    actual: pgRate === undefined ? (pg?.reason ?? 'not run') : `${fmt(pgRate)} readings/s`,
    verdict: verdict(pgRate === undefined ? null : pgRate >= 50_000),
  });
  out.push({
    line: 'PostgreSQL ingestion vs bare pg unnest (same rows, same run)',
    target: '≥ 0.25',
    actual:
      pg?.ratio === undefined
        ? 'not run'
        : `${fmt(pg.ratio, 2)} (${fmt(pgRate)} / ${fmt(pg.ceiling?.readingsPerSecond)})`,
    verdict: verdict(pg?.ratio === undefined ? null : pg.ratio >= 0.25),
  });
  const reg = pg?.registration;
  const regRate = reg ? reg.sensors / reg.seconds : undefined;
  out.push({
    line: 'PostgreSQL registration (upsertSensors, 1,000 a request)',
    target: '≥ 10,000 sensors/s',
    actual: regRate === undefined ? 'not run' : `${fmt(regRate)} sensors/s`,
    verdict: verdict(regRate === undefined ? null : regRate >= 10_000),
  });
  const liteRate = lite?.ingest?.readingsPerSecond;
  out.push({
    line: 'PGlite ingestion, end to end',
    target: '≥ 30,000 readings/s',
    actual: liteRate === undefined ? (lite?.reason ?? 'not run') : `${fmt(liteRate)} readings/s`,
    verdict: verdict(liteRate === undefined ? null : liteRate >= 30_000),
  });
  for (const m of [pg, lite]) {
    if (!m?.rss) continue;
    const growth = m.rss.secondHalfMedianMb - m.rss.firstHalfMedianMb;
    out.push({
      line: `${label(m.mode)} server memory flat while ingesting`,
      target: `median RSS, 2nd half ≤ 1st half + ${FLAT_RSS_TOLERANCE_MB} MB`,
      actual: `${fmt(m.rss.firstHalfMedianMb)} → ${fmt(m.rss.secondHalfMedianMb)} MB (${growth >= 0 ? '+' : ''}${fmt(growth)})`,
      verdict: verdict(growth <= FLAT_RSS_TOLERANCE_MB),
    });
  }
  for (const m of [pg, lite]) {
    for (const sh of m?.shapes ?? []) {
      out.push({
        line: `${label(m!.mode)} ${sh.shape} shape vs bare insert (same rows, same run)`,
        target: '≥ 0.5',
        actual:
          sh.ratio === undefined
            ? (sh.error ?? 'not run')
            : `${fmt(sh.ratio, 2)} (${fmt(sh.ingest?.readingsPerSecond)} / ${fmt(sh.ceiling?.readingsPerSecond)})`,
        verdict: verdict(sh.ratio === undefined ? null : sh.ratio >= 0.5),
      });
    }
    const lag = m?.verdictLag;
    if (lag) {
      out.push({
        line: `${label(m.mode)} verdict lag at half the live capacity, ingest response → sensorUpdated (graphql-ws)`,
        target: 'p99 ≤ 1,000 ms',
        actual:
          'error' in lag
            ? lag.error
            : `p50 ${fmt(lag.p50Ms)} ms, p99 ${fmt(lag.p99Ms)} ms (${lag.probes} probes${lag.missing ? `, ${lag.missing} never came` : ''}, ${fmt(lag.offeredPerSecond)} readings/s offered)`,
        verdict: verdict('error' in lag ? null : lag.p99Ms <= 1000),
      });
    }
  }
  out.push(...figureBudgets(pg?.dashboard, 'dashboard'), ...figureBudgets(pg?.subscribers, 'subscribers'));
  return out;
}

/**
 * The dashboard and subscriber benches return named figures; budgets are
 * matched by name: a p50 or median figure named "uncached" < 10 ms, "cached"
 * < 1 ms, and the subscribers' p99 figures < 250 ms.
 */
function figureBudgets(extra: ExtraFigures | undefined, kind: 'dashboard' | 'subscribers'): Budget[] {
  if (!extra || extra.status !== 'ran' || !('figures' in extra)) {
    const why = extra ? `${extra.status}${'reason' in extra && extra.reason ? `: ${extra.reason}` : ''}` : 'not run';
    return kind === 'dashboard'
      ? [
          {
            line: 'dashboardSummary / zoneStats median (10k sensors, 10M readings)',
            target: '< 10 ms uncached, < 1 ms cached',
            actual: why,
            verdict: 'n/a',
          },
        ]
      : [{ line: '1,000 subscribers get dashboardUpdated', target: 'p99 < 250 ms', actual: why, verdict: 'n/a' }];
  }
  const out: Budget[] = [];
  for (const [key, value] of Object.entries(extra.figures)) {
    const k = key.toLowerCase();
    if (kind === 'dashboard' && /(p50|median)/.test(k)) {
      const limit = /uncached/.test(k) ? 10 : /cached/.test(k) ? 1 : null;
      if (limit !== null)
        out.push({
          line: `dashboard ${key}`,
          target: `< ${limit} ms`,
          actual: `${fmt(value, 2)} ms`,
          verdict: verdict(value < limit),
        });
    }
    // From the ingest call (the upper bound); "after ack" figures are the lower bound, shown above.
    if (kind === 'subscribers' && /p99/.test(k) && !/connect|afterack/.test(k)) {
      out.push({
        line: `subscribers ${key} (from the ingest call)`,
        target: '< 250 ms',
        actual: `${fmt(value, 1)} ms`,
        verdict: verdict(value < 250),
      });
    }
  }
  const { received, expected } = extra.figures;
  if (kind === 'subscribers' && received !== undefined && expected !== undefined) {
    out.push({
      line: 'subscribers: every push arrived',
      target: `${fmt(expected)} pushes`,
      actual: `${fmt(received)} received`,
      verdict: verdict(received >= expected),
    });
  }
  return out;
}

const label = (mode: ModeResult['mode']) => (mode === 'postgres' ? 'PostgreSQL' : 'PGlite');

/** Plain-text table; `left` columns are left-aligned, the others (numbers) right-aligned. */
export function table(header: string[], rows: string[][], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderReport(opts: {
  machine: Machine;
  databaseVersions: string[];
  shape: string;
  clientNote: string;
  modes: ModeResult[];
  budgetLines: Budget[];
  loadAfter: number;
}): string {
  const { machine, modes } = opts;
  const out: string[] = [];
  out.push('', '=== Sensor Trust ingestion benchmark ===');
  out.push(
    `machine   ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
  );
  out.push(`databases ${opts.databaseVersions.join('; ')}`);
  out.push(
    `load      1-min load average ${machine.loadAverage1m} at start, ${opts.loadAfter} at end (other work on the machine skews the figures)`,
  );
  out.push(`batches   ${opts.shape}`);
  out.push(`clients   ${opts.clientNote}`);
  out.push('');
  const rows = modes
    .filter((m) => m.ingest)
    .map((m) => {
      const i = m.ingest!;
      return [
        label(m.mode),
        fmt(i.readings),
        String(i.clients),
        fmt(i.readingsPerSecond),
        fmt(i.batchMs.p50, 1),
        fmt(i.batchMs.p99, 1),
        m.rss ? `${fmt(m.rss.beforeMb)}/${fmt(m.rss.peakMb)}/${fmt(m.rss.afterMb)}` : '–',
        m.ceiling ? `${fmt(m.ceiling.readingsPerSecond)} (${m.ceiling.driver})` : '–',
        m.ratio === undefined ? '–' : fmt(m.ratio, 2),
      ];
    });
  out.push(
    table(
      [
        'mode',
        'readings',
        'clients',
        'readings/s',
        'p50 ms',
        'p99 ms',
        'RSS MB before/peak/after',
        'bare unnest readings/s',
        'ratio',
      ],
      rows,
    ),
  );
  const shapeRows = modes.flatMap((m) =>
    (m.shapes ?? []).map((sh) => [
      label(m.mode),
      sh.shape,
      sh.description,
      fmt(sh.ingest?.readings),
      fmt(sh.ingest?.readingsPerSecond),
      fmt(sh.ingest?.batchMs.p50, 1),
      fmt(sh.ingest?.batchMs.p99, 1),
      sh.rssMb ? `${fmt(sh.rssMb.firstHalfMedian)} → ${fmt(sh.rssMb.secondHalfMedian)}` : '–',
      fmt(sh.ceiling?.readingsPerSecond),
      sh.ratio === undefined ? (sh.error ? 'FAILED' : '–') : fmt(sh.ratio, 2),
      fmt(sh.copy?.text?.readingsPerSecond),
      fmt(sh.copyRatio?.text, 2),
      fmt(sh.copy?.binary?.readingsPerSecond),
      fmt(sh.copyRatio?.binary, 2),
    ]),
  );
  if (shapeRows.length) {
    out.push(
      '',
      'Arrival shapes (1,000 sensors each; bare single-connection unnest insert and COPY of the same rows just before, server idle meanwhile):',
    );
    out.push(
      table(
        [
          'mode',
          'shape',
          'batch',
          'readings',
          'readings/s',
          'p50 ms',
          'p99 ms',
          'RSS MB median',
          'unnest/s',
          'ratio',
          'text COPY/s',
          'ratio',
          'binary COPY/s',
          'ratio',
        ],
        shapeRows,
        3,
      ),
    );
  }
  for (const m of modes) {
    if (m.rssStartMb != null && m.rssEndMb != null)
      out.push(
        `${label(m.mode)} server RSS: ${fmt(m.rssStartMb)} MB after start, ${fmt(m.rssEndMb)} MB at the end (after every ingestion, shape and the lag run)`,
      );
    if (m.streamDrainSeconds !== undefined)
      out.push(
        `${label(m.mode)} trust stream caught up ${fmt(m.streamDrainSeconds, 1)} s after the last shape's last response`,
      );
  }
  for (const m of modes) {
    if (m.status !== 'ran') out.push(`${label(m.mode)} ${m.status === 'skipped' ? 'SKIPPED' : 'FAILED'}: ${m.reason}`);
    if (!m.database) continue;
    const notes = [`${label(m.mode)}: ${m.database ?? ''}`];
    if (m.registration)
      notes.push(
        `registered ${fmt(m.registration.sensors)} sensors in ${m.registration.zones} zones in ${fmt(m.registration.seconds, 1)} s (${fmt(m.registration.sensors / m.registration.seconds)} sensors/s through upsertSensors)`,
      );
    if (m.ingest) {
      const cpu = m.ingest.cpuSeconds;
      notes.push(
        `${fmt(m.ingest.batches)} batches in ${fmt(m.ingest.seconds, 1)} s, max batch ${fmt(m.ingest.batchMs.max)} ms` +
          (cpu
            ? `, CPU used meanwhile: server process ${fmt(cpu.server, 1)} s, bench client ${fmt(cpu.benchClient, 1)} s`
            : ''),
      );
    }
    if (m.storedRows !== undefined) notes.push(`${fmt(m.storedRows)} rows in reading after ingestion`);
    if (m.topUp) notes.push(`topped up to ${fmt(m.topUp.after)} rows in ${fmt(m.topUp.seconds, 1)} s`);
    out.push(...notes.map((n, i) => (i === 0 ? `  ${n}` : `    ${n}`)));
  }
  for (const m of modes) {
    for (const [name, extra] of [
      ['dashboard', m.dashboard],
      ['subscribers', m.subscribers],
    ] as const) {
      if (!extra) continue;
      if (extra.status === 'ran' && 'figures' in extra) {
        out.push('', `${label(m.mode)} ${name}:`);
        out.push(
          table(
            ['figure', 'value'],
            Object.entries(extra.figures).map(([k, v]) => [k, fmt(v, 2)]),
          ),
        );
      } else {
        out.push(
          '',
          `${label(m.mode)} ${name}: ${extra.status}${'reason' in extra && extra.reason ? ` (${extra.reason})` : ''}`,
        );
      }
    }
  }
  out.push('', 'Budgets:');
  out.push(
    table(
      ['budget', 'target', 'measured', 'verdict'],
      opts.budgetLines.map((b) => [b.line, b.target, b.actual, b.verdict]),
      4,
    ),
  );
  const missed = opts.budgetLines.filter((b) => b.verdict === 'MISS');
  const measured = opts.budgetLines.filter((b) => b.verdict !== 'n/a').length;
  out.push(
    '',
    missed.length
      ? `MISS: ${missed.length} of ${measured} measured budget lines missed: ${missed.map((b) => b.line).join('; ')}`
      : measured
        ? `PASS: all ${measured} measured budget lines met (${opts.budgetLines.length - measured} not measured).`
        : 'No budget line was measured.',
  );
  return out.join('\n');
}
