// Labelled fault-injection evaluation through the REAL ingestion path: the pure
// engineer's generated fleet is registered and streamed into a running app over
// HTTP GraphQL (ingestReadings in batches, evaluateTrust at the simulated sweep
// times), and verdicts are read back over GraphQL and scored by the pure evaluator.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../app.js';
import { loadConfig } from '../../../config.js';
import { evaluate, type EvalReport, type Observation } from '../../../trust/eval/evaluate.js';
import {
  DEFAULT_FLEET_SPEC,
  generateFleet,
  type FleetSpec,
  type StreamReading,
} from '../../../trust/eval/fleet-generator.js';
import { isReportedReason, type FaultKind, type Severity, type TrustStatus } from '../../../trust/types.js';

export interface RealPathEvalOptions {
  spec?: Partial<FleetSpec>;
  /** Simulated time between sweeps (evaluateTrust). Default 60 s. */
  sweepEveryMs?: number;
  /** Readings are sent in arrival windows of this length, with the server clock at the window's end. Default 15 s. */
  deliveryWindowMs?: number;
  /** PostgreSQL instead of in-memory PGlite. */
  databaseUrl?: string | null;
  /**
   * 'live' (default): readings arrive in arrival windows with sweeps at the simulated times.
   * 'import': the same readings as history — time-ordered 1,000-reading batches sent after the
   * fact, then one evaluateTrust; the final verdicts are read at the end, and the report scores
   * each sensor's trust history (event time: when the history says each verdict began).
   */
  mode?: 'live' | 'import';
  progress?: (line: string) => void;
  /** Extra server settings (environment variable names), e.g. { TRUST_REORDER_MS: '0' }. */
  settings?: Record<string, string>;
}

/** A sensor's verdict at the end of the run: its status and the kinds of its active reasons. */
export interface FinalVerdict {
  sensorId: string;
  status: TrustStatus;
  /** active reasons, advisory ones included (an import's OFFLINE is one), sorted by kind */
  reasons: FaultKind[];
}

export interface RealPathEvalResult {
  report: EvalReport;
  /** every sensor's verdict at the end, sorted by sensor id */
  verdicts: FinalVerdict[];
  sensors: number;
  readings: {
    sent: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    rejectedByCode: Record<string, number>;
  };
  requests: number;
  seconds: number;
}

/** Listens on a free port and posts GraphQL to it, counting requests; GraphQL errors throw. */
export async function graphqlClient(app: FastifyInstance) {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  let requests = 0;
  async function gql<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T> {
    requests++;
    const res = await fetch(`${address}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
    return body.data;
  }
  return { gql, requests: () => requests };
}

interface TrustScoreRow {
  sensorId: string;
  status: TrustStatus;
  reasons: { kind: FaultKind; active: boolean; advisory: boolean; severity: Severity }[];
}

const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected errors { code } } }`;
const SCORES = `{ trustScores { sensorId status reasons { kind active advisory severity } } }`;
const HISTORY = `query($id: ID!, $from: DateTime) { sensor(id: $id) { trustHistory(from: $from) { at status reasons { kind advisory severity } } } }`;
/** trustHistory's page (MAX_TRUST_POINTS_PER_SENSOR) */
const HISTORY_PAGE = 5000;

/** A point of a sensor's trust history as the API returns it. */
export interface TrustPointRow {
  at: string;
  status: TrustStatus;
  reasons: { kind: FaultKind; advisory: boolean; severity: Severity }[];
}

/** A sensor's whole trust history, oldest first, read page by page. */
export async function readTrustHistory(
  gql: Awaited<ReturnType<typeof graphqlClient>>['gql'],
  sensorId: string,
): Promise<TrustPointRow[]> {
  const history: TrustPointRow[] = [];
  let from: string | null = null;
  for (;;) {
    const r: { sensor: { trustHistory: TrustPointRow[] } | null } = await gql(HISTORY, { id: sensorId, from });
    const page = r.sensor?.trustHistory ?? [];
    history.push(...page);
    const last = page[page.length - 1];
    if (page.length < HISTORY_PAGE || !last) return history;
    from = new Date(Date.parse(last.at) + 1).toISOString();
  }
}

export async function runRealPathEval(options: RealPathEvalOptions = {}): Promise<RealPathEvalResult> {
  const started = performance.now();
  const spec: FleetSpec = { ...DEFAULT_FLEET_SPEC, ...options.spec };
  const sweepMs = options.sweepEveryMs ?? 60_000;
  const windowMs = options.deliveryWindowMs ?? 15_000;
  const fleet = generateFleet(spec);
  let now = spec.start;
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_SECONDS: '0',
    MAX_BATCH_SIZE: '10000',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, DB_POOL_SIZE: '4' } : {}),
    ...options.settings,
  });
  const app = await buildApp(config, { logger: false, inMemoryDatabase: true, now: () => new Date(now) });
  try {
    const { gql, requests } = await graphqlClient(app);

    const zones = [...new Set(fleet.profiles.map((p) => p.zoneId).filter((z): z is string => z !== null))];
    for (const id of zones)
      await gql(`mutation($i: ZoneInput!) { upsertZone(input: $i) { id } }`, { i: { id, name: id } });
    for (const p of fleet.profiles) {
      await gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: {
          id: p.id,
          name: p.id,
          kind: p.kind,
          unit: p.unit,
          zoneId: p.zoneId,
          minValue: p.minValue,
          maxValue: p.maxValue,
          expectedIntervalSeconds: p.expectedIntervalSeconds,
        },
      });
    }
    options.progress?.(`registered ${zones.length} zones, ${fleet.profiles.length} sensors`);

    const delivered = new Map<string, number>(fleet.profiles.map((p) => [p.id, 0]));
    const observations = new Map<string, Observation[]>(fleet.profiles.map((p) => [p.id, []]));
    const last = new Map<string, string>();
    const stats = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedByCode: {} as Record<string, number> };

    let latest: TrustScoreRow[] = [];
    const observe = async () => {
      const data = await gql<{ trustScores: TrustScoreRow[] }>(SCORES);
      latest = data.trustScores;
      for (const s of data.trustScores) {
        const reasons = s.reasons.filter(isReportedReason).map((r) => r.kind);
        const key = `${s.status}:${reasons.join(',')}`;
        if (last.get(s.sensorId) === key) continue;
        last.set(s.sensorId, key);
        observations
          .get(s.sensorId)
          ?.push({ at: now, readings: delivered.get(s.sensorId) ?? 0, status: s.status, reasons });
      }
    };

    const send = async (batch: StreamReading[], windowEnd: number) => {
      if (batch.length === 0) return;
      now = windowEnd;
      const res = await gql<{
        ingestReadings: { accepted: number; duplicates: number; rejected: number; errors: { code: string }[] };
      }>(INGEST, {
        r: batch.map((r) => ({ sensorId: r.sensorId, timestamp: new Date(r.ts).toISOString(), value: r.value })),
      });
      stats.sent += batch.length;
      stats.accepted += res.ingestReadings.accepted;
      stats.duplicates += res.ingestReadings.duplicates;
      stats.rejected += res.ingestReadings.rejected;
      for (const e of res.ingestReadings.errors) stats.rejectedByCode[e.code] = (stats.rejectedByCode[e.code] ?? 0) + 1;
      for (const r of batch) delivered.set(r.sensorId, (delivered.get(r.sensorId) ?? 0) + 1);
    };

    let chunks = 0;
    if (options.mode === 'import') {
      const all: StreamReading[] = [];
      for (const chunk of fleet.chunks(3_600_000)) all.push(...chunk.readings);
      all.sort((a, b) => a.ts - b.ts);
      const end = spec.start + spec.durationMs;
      for (let i = 0; i < all.length; i += 1000) {
        await send(all.slice(i, i + 1000), end);
        if (++chunks % 50 === 0) options.progress?.(`import: ${stats.sent} readings sent`);
      }
      now = end;
      await gql(`mutation { evaluateTrust }`);
      await gql(`{ awaitTrust(timeoutMs: 60000) { oldestUnprocessedMs } }`);
      await observe();
      // An import is judged by what its history says, point by point at event time, as an
      // operator reading the sensor page would (the final verdict alone hides every episode
      // that ended before the import did).
      const times = new Map<string, number[]>();
      for (const r of all) (times.get(r.sensorId) ?? times.set(r.sensorId, []).get(r.sensorId)!).push(r.ts);
      for (const p of fleet.profiles) {
        const ts = times.get(p.id) ?? [];
        const log = observations.get(p.id)!;
        log.length = 0;
        let n = 0;
        for (const point of await readTrustHistory(gql, p.id)) {
          const at = Date.parse(point.at);
          while (n < ts.length && (ts[n] ?? Infinity) <= at) n++;
          log.push({
            at,
            readings: n,
            status: point.status,
            reasons: point.reasons.filter((r) => isReportedReason({ ...r, active: true })).map((r) => r.kind),
          });
        }
      }
    }
    for (const chunk of options.mode === 'import' ? [] : fleet.chunks(sweepMs)) {
      // Arrival windows: the server clock at a window's end is never before a reading's arrival.
      const sorted = chunk.readings.slice().sort((a, b) => a.arrivedAt - b.arrivedAt);
      let batch: StreamReading[] = [];
      let windowEnd = -Infinity;
      for (const r of sorted) {
        if (r.arrivedAt > windowEnd) {
          await send(batch, windowEnd);
          batch = [];
          windowEnd = Math.min(r.arrivedAt + windowMs, chunk.until);
        }
        batch.push(r);
      }
      await send(batch, Math.min(windowEnd, chunk.until));
      await observe();
      now = chunk.until;
      await gql(`mutation { evaluateTrust }`);
      await observe();
      if (++chunks % 120 === 0) options.progress?.(`${new Date(now).toISOString()}: ${stats.sent} readings sent`);
    }

    const intervals = new Map(fleet.profiles.map((p) => [p.id, p.expectedIntervalSeconds]));
    return {
      report: evaluate(fleet.labels, observations, intervals, spec.start + spec.durationMs),
      verdicts: latest
        .map((s) => ({
          sensorId: s.sensorId,
          status: s.status,
          reasons: s.reasons
            .filter((r) => r.active)
            .map((r) => r.kind)
            .sort(),
        }))
        .sort((a, b) => a.sensorId.localeCompare(b.sensorId)),
      sensors: fleet.profiles.length,
      readings: stats,
      requests: requests(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await app.close();
  }
}
