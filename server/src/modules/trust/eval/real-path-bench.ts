// The Santander benchmark through the REAL path: every case's sensors registered in a zone of
// their own (so a case's peers are its sensors), the readings uploaded over HTTP GraphQL as a
// gateway uploads a backlog (every `uploadMs` of event time, all sensors' readings of that span
// in one ingestReadings call, the server clock at the span's end plus `delayMs`, then
// evaluateTrust at that time), as the pure replay (replay-engine.ts) feeds the engine. After
// awaitTrust, each sensor's trust history is read back and every reading is scored with the
// status and reasons of the newest point at or before its time.
import { buildApp } from '../../../app.js';
import { loadConfig } from '../../../config.js';
import { SANTANDER_PROFILE } from '../../../trust/eval/faultbench/replay-engine.js';
import type { BenchCase, BenchSeries } from '../../../trust/eval/faultbench/santander.js';
import { kindBits, type CaseFlags, type SeriesFlags } from '../../../trust/eval/faultbench/score.js';
import type { FaultKind, TrustStatus } from '../../../trust/types.js';
import { graphqlClient, readTrustHistory } from './real-path-eval.js';

export interface RealBenchOptions {
  /** event time per upload (default 15 min, as the pure replay) */
  uploadMs?: number;
  /** the server clock this long after the upload's span ends (default 5 s, as the pure replay) */
  delayMs?: number;
  /** PostgreSQL instead of in-memory PGlite. */
  databaseUrl?: string | null;
  progress?: (line: string) => void;
  /** Extra server settings (environment variable names). */
  settings?: Record<string, string>;
}

export interface RealBenchRun {
  /** per case, in the order given */
  flags: CaseFlags[];
  sensors: number;
  readings: { sent: number; accepted: number; duplicates: number; rejected: number };
  points: number;
  requests: number;
  seconds: number;
}

interface PointRow {
  at: string;
  status: TrustStatus;
  reasons: { kind: FaultKind; advisory: boolean }[];
}

const BATCH = 10_000;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected errors { code message } } }`;

/** Per reading of `s`: the status and non-advisory reasons of the newest point at or before its time. */
export function flagsFromHistory(s: BenchSeries, points: readonly PointRow[]): SeriesFlags {
  const flags: SeriesFlags = { flagged: new Uint8Array(s.ts.length), reasons: new Uint16Array(s.ts.length) };
  const at = points.map((p) => Date.parse(p.at));
  let k = -1;
  for (let i = 0; i < s.ts.length; i++) {
    const ts = s.ts[i] ?? 0;
    while (k + 1 < points.length && (at[k + 1] ?? Infinity) <= ts) k++;
    const p = points[k];
    if (!p) continue;
    flags.flagged[i] = p.status === 'DEGRADED' || p.status === 'FAULTY' ? 1 : 0;
    (flags.reasons as Uint16Array)[i] = kindBits(...p.reasons.filter((r) => !r.advisory).map((r) => r.kind));
  }
  return flags;
}

export async function replayRealPath(
  cases: readonly BenchCase[],
  options: RealBenchOptions = {},
): Promise<RealBenchRun> {
  const started = performance.now();
  const uploadMs = options.uploadMs ?? 15 * 60_000;
  const delay = options.delayMs ?? 5_000;
  let now = 0;
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_SECONDS: '0',
    MAX_BATCH_SIZE: String(BATCH),
    // One uploader, one request at a time: no batches commit out of order to hold for.
    TRUST_REORDER_MS: '0',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, DB_POOL_SIZE: '4' } : {}),
    ...options.settings,
  });
  const app = await buildApp(config, { logger: false, inMemoryDatabase: true, now: () => new Date(now) });
  try {
    const { gql, requests } = await graphqlClient(app);
    const sensors = cases.flatMap((c, i) =>
      [c.faulty, ...c.peers].map((s) => ({ id: `c${i}-${s.sensor}`, zone: `case-${i}`, s, pos: 0 })),
    );
    let t0 = Infinity;
    let tEnd = -Infinity;
    for (const { s } of sensors) {
      t0 = Math.min(t0, s.ts[0] ?? Infinity);
      tEnd = Math.max(tEnd, s.ts[s.ts.length - 1] ?? -Infinity);
    }
    // registered when the backlog starts
    now = Math.floor(t0 / uploadMs) * uploadMs;
    const zones = cases.map((_, i) => ({ id: `case-${i}`, name: `case ${i}` }));
    for (let i = 0; i < zones.length; i += BATCH) {
      const r = await gql<{ upsertZones: { rejected: number } }>(
        `mutation($i: [ZoneInput!]!) { upsertZones(inputs: $i) { rejected } }`,
        { i: zones.slice(i, i + BATCH) },
      );
      if (r.upsertZones.rejected) throw new Error(`${r.upsertZones.rejected} zones refused`);
    }
    const { zoneId: _zone, ...profile } = SANTANDER_PROFILE;
    for (let i = 0; i < sensors.length; i += BATCH) {
      const r = await gql<{ upsertSensors: { rejected: number; errors: { code: string }[] } }>(
        `mutation($i: [SensorInput!]!) { upsertSensors(inputs: $i) { rejected errors { code } } }`,
        { i: sensors.slice(i, i + BATCH).map((x) => ({ ...profile, id: x.id, name: x.id, zoneId: x.zone })) },
      );
      if (r.upsertSensors.rejected) throw new Error(`sensors refused: ${JSON.stringify(r.upsertSensors.errors[0])}`);
    }
    options.progress?.(`registered ${zones.length} zones, ${sensors.length} sensors`);

    const stats = { sent: 0, accepted: 0, duplicates: 0, rejected: 0 };
    let spans = 0;
    for (let from = Math.floor(t0 / uploadMs) * uploadMs; from <= tEnd; from += uploadMs) {
      const until = from + uploadMs;
      now = until + delay;
      const batch: { sensorId: string; timestamp: string; value: number }[] = [];
      for (const x of sensors)
        while (x.pos < x.s.ts.length && (x.s.ts[x.pos] ?? 0) < until) {
          batch.push({
            sensorId: x.id,
            timestamp: new Date(x.s.ts[x.pos] ?? 0).toISOString(),
            value: x.s.value[x.pos] ?? 0,
          });
          x.pos++;
        }
      for (let i = 0; i < batch.length; i += BATCH) {
        const part = batch.slice(i, i + BATCH);
        const r = await gql<{
          ingestReadings: {
            accepted: number;
            duplicates: number;
            rejected: number;
            errors: { code: string; message: string }[];
          };
        }>(INGEST, { r: part });
        const res = r.ingestReadings;
        if (res.rejected) throw new Error(`readings refused: ${JSON.stringify(res.errors[0])}`);
        stats.sent += part.length;
        stats.accepted += res.accepted;
        stats.duplicates += res.duplicates;
      }
      await gql(`mutation { evaluateTrust }`);
      if (++spans % 200 === 0) options.progress?.(`${new Date(now).toISOString()}: ${stats.sent} readings sent`);
    }
    await gql(`{ awaitTrust(timeoutMs: 60000) { oldestUnprocessedMs } }`);

    let points = 0;
    const bySensor = new Map<string, SeriesFlags>();
    for (const x of sensors) {
      const history = await readTrustHistory(gql, x.id);
      points += history.length;
      bySensor.set(x.id, flagsFromHistory(x.s, history));
    }
    const flagsOf = (i: number, s: BenchSeries): SeriesFlags => {
      const f = bySensor.get(`c${i}-${s.sensor}`);
      if (!f) throw new Error(`no history for ${s.sensor}`);
      return f;
    };
    return {
      flags: cases.map((c, i) => ({ faulty: flagsOf(i, c.faulty), peers: c.peers.map((p) => flagsOf(i, p)) })),
      sensors: sensors.length,
      readings: stats,
      points,
      requests: requests(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await app.close();
  }
}
