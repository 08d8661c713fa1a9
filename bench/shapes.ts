// Arrival shapes (issue 12): the same 1,000-sensor fleet's readings delivered
// three ways, each against a bare single-connection insert of the same rows in
// the same run, plus the verdict lag (ingest response → new trust visible).
//   live:     every batch = one timestamp of all the fleet's sensors;
//   gateway:  one zone's 100 sensors × 10 consecutive timestamps;
//   backfill: 10 sensors × 100 consecutive timestamps.
// Each shape has its own sensors (prefix bench-<shape>), so its rows never
// collide with another shape's or with the main run's.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { pgCeiling, pgCopyCeiling, pgliteCeiling, type CeilingRun } from './ceiling.js';
import { EXPECTED_INTERVAL_SECONDS, createFleet, type Fleet, type ReadingSet } from './fleet.js';
import type { GraphqlClient } from './http-client.js';
import { buildBodies, checkIngestResponse, INGEST_MUTATION, runIngest, type IngestRun } from './ingest.js';
import { createRng } from '../server/src/trust/eval/prng.js';
import { readCpuSeconds, sampleRss, type ServerHandle } from './server-process.js';
import { log, settings } from './settings.js';
import { percentile } from './stats.js';

export type ShapeName = 'live' | 'gateway' | 'backfill';

/** Fleet of every shape: 10 zones × 100 sensors. */
const ZONES = 10;
const PER_ZONE = 100;

export function shapeSensorsPerBatch(shape: ShapeName, batch: number): number {
  if (shape === 'live') return batch; // 1,000 sensors × 1 timestamp at the default batch size
  if (shape === 'gateway') return Math.max(1, Math.floor(batch / 10));
  return Math.max(1, Math.floor(batch / 100));
}

export interface ShapeResult {
  shape: ShapeName;
  description: string;
  ceiling?: CeilingRun;
  /** The same rows by a bare COPY per batch (text; binary on PostgreSQL), measured right after the unnest ceiling. */
  copy?: { text?: CeilingRun; binary?: CeilingRun };
  ingest?: IngestRun;
  ratio?: number;
  /** Ingestion rate ÷ the bare COPY's rate. */
  copyRatio?: { text?: number; binary?: number };
  rssMb?: { firstHalfMedian: number; secondHalfMedian: number; peak: number };
  /**
   * The server's CPU (user + system) from the first batch until the trust stream has applied
   * the last, per reading: what a reading costs, far less sensitive to other work on the
   * machine than the rate.
   */
  serverCpuUsPerReading?: number;
  error?: string;
}

export interface LagResult {
  probes: number;
  /** probes whose sensorUpdated never came (within 30 s) */
  missing: number;
  /** readings/s sent meanwhile (the load: half the live capacity) */
  offeredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function shapeFleet(shape: ShapeName): Fleet {
  return createFleet(ZONES, PER_ZONE, `bench-${shape}`);
}

/**
 * `total` readings of `fleet` in batches of `batch`: `sensorsPerBatch` consecutive
 * sensors × (batch / sensorsPerBatch) consecutive timestamps, time-major (every
 * group for one window, then the next), so each sensor's readings come in time order.
 */
export function generateShape(fleet: Fleet, shape: ShapeName, total: number, batch: number, endMs: number): ReadingSet {
  const n = fleet.sensorIds.length;
  const perBatch = Math.min(n, shapeSensorsPerBatch(shape, batch));
  const steps = Math.max(1, Math.floor(batch / perBatch));
  const groups = Math.ceil(n / perBatch);
  const windows = Math.ceil(Math.ceil(total / batch) / groups);
  const intervalMs = EXPECTED_INTERVAL_SECONDS * 1000;
  const startMs = endMs - (windows * steps - 1) * intervalMs;
  const sensorIndex = new Uint32Array(total);
  const tsMs = new Float64Array(total);
  const value = new Float64Array(total);
  const random = createRng(0x5a9e + shape.length).next;
  let k = 0;
  outer: for (let w = 0; w < windows; w++) {
    for (let g = 0; g < groups; g++) {
      const first = g * perBatch;
      const last = Math.min(n, first + perBatch);
      for (let step = 0; step < steps; step++) {
        const t = startMs + (w * steps + step) * intervalMs;
        for (let s = first; s < last; s++) {
          if (k >= total) break outer;
          const kind = fleet.kindOf(s);
          const v = kind.mean + kind.amplitude * Math.sin(t / 13_751_000 + s) + (random() - 0.5) * kind.noise;
          sensorIndex[k] = s;
          tsMs[k] = t;
          value[k] = Math.round(Math.min(kind.max, Math.max(kind.min, v)) * 1000) / 1000;
          k++;
        }
      }
    }
  }
  return {
    count: total,
    batchSize: batch,
    sensorIndex,
    tsMs,
    value,
    shape: `${perBatch} sensors × ${steps} timestamps`,
    firstTsMs: startMs,
    lastTsMs: startMs + (windows * steps - 1) * intervalMs,
  };
}

/** Runs every configured shape on a running server: ceiling (bare insert, same rows), then ingestion. */
export async function runShapes(
  mode: 'postgres' | 'pglite',
  opts: { server: ServerHandle; client: GraphqlClient; databaseUrl?: string },
): Promise<ShapeResult[]> {
  const out: ShapeResult[] = [];
  for (const shape of settings.shapes) {
    const fleet = shapeFleet(shape);
    const end = Date.now();
    const set = generateShape(fleet, shape, settings.shapeReadings, settings.batch, end);
    const result: ShapeResult = { shape, description: set.shape };
    out.push(result);
    try {
      if (mode === 'postgres') {
        result.ceiling = await pgCeiling(opts.databaseUrl!, fleet, set, settings.batch);
        result.copy = {
          text: await pgCopyCeiling(opts.databaseUrl!, fleet, set, settings.batch, 'text'),
          binary: await pgCopyCeiling(opts.databaseUrl!, fleet, set, settings.batch, 'binary'),
        };
      } else {
        const bare = await pgliteCeiling(fleet, set, settings.batch, true);
        result.ceiling = bare;
        result.copy = { text: bare.copyText };
      }
      const bodies = buildBodies(fleet, set, Date.now() - 1000 - set.lastTsMs);
      const sampler = sampleRss(opts.server.pid, 250);
      const cpu0 = readCpuSeconds(opts.server.pid);
      result.ingest = await runIngest(opts.client, bodies, set, settings.clients);
      sampler.stop();
      // evaluateTrust of no sensor returns once the trust stream has applied everything stored.
      await opts.client.request('mutation { evaluateTrust(sensorIds: []) }', {});
      const cpu1 = readCpuSeconds(opts.server.pid);
      if (cpu0 !== null && cpu1 !== null) result.serverCpuUsPerReading = ((cpu1 - cpu0) * 1e6) / result.ingest.readings;
      const rss = sampler.samples.map((s) => s.rssMb);
      const half = rss.length >> 1;
      const med = (xs: number[]) =>
        percentile(
          [...xs].sort((a, b) => a - b),
          0.5,
        );
      result.rssMb = {
        firstHalfMedian: med(rss.slice(0, Math.max(1, half))),
        secondHalfMedian: med(rss.slice(half)),
        peak: Math.max(...rss),
      };
      const rate = result.ingest.readingsPerSecond;
      result.ratio = rate / result.ceiling.readingsPerSecond;
      const { text, binary } = result.copy;
      result.copyRatio = {
        text: text && rate / text.readingsPerSecond,
        binary: binary && rate / binary.readingsPerSecond,
      };
      const copyNote = [
        text && `text COPY ${Math.round(text.readingsPerSecond)}/s`,
        binary && `binary COPY ${Math.round(binary.readingsPerSecond)}/s`,
      ]
        .filter(Boolean)
        .join(', ');
      log(
        `${mode} ${shape} (${set.shape}): ${Math.round(rate)} readings/s, bare unnest ${Math.round(result.ceiling.readingsPerSecond)}/s (ratio ${result.ratio.toFixed(2)}), ${copyNote}`,
      );
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      log(`${mode} ${shape} FAILED: ${result.error}`);
    }
  }
  return out;
}

const SENSOR_UPDATED = 'subscription { sensorUpdated { id trust { status } } }';

/**
 * Verdict lag under load: live batches (every sensor of the live fleet, stamped now) at
 * `readingsPerSecond` (half the measured live capacity) for `seconds`; in every other
 * batch one sensor not probed before gets an out-of-range value, which changes its
 * verdict. Lag = from that batch's ingest response to its `sensorUpdated` arriving over
 * graphql-ws (one subscriber, no filter).
 */
export async function measureVerdictLag(
  client: GraphqlClient,
  baseUrl: string,
  readingsPerSecond: number,
  seconds: number,
): Promise<LagResult> {
  const fleet = shapeFleet('live');
  const n = fleet.sensorIds.length;
  const url = baseUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/graphql';
  const ws = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const status: { failed: Error | null } = { failed: null };
  const subscribed = new Promise<void>((resolve) => {
    ws.on('connected', () => setTimeout(resolve, 200)); // the subscribe message follows the ack
  });
  const unsubscribe = ws.subscribe<{ sensorUpdated: { id: string } }>(
    { query: SENSOR_UPDATED },
    {
      next: (msg) => {
        const id = msg.data?.sensorUpdated.id;
        if (!id || seen.has(id)) return;
        seen.set(id, performance.now());
        waiters.get(id)?.();
      },
      error: (err) => {
        status.failed = err instanceof Error ? err : new Error(JSON.stringify(err));
      },
      complete: () => undefined,
    },
  );
  try {
    await subscribed;
    const batches = Math.max(4, Math.round((readingsPerSecond * seconds) / n));
    const gapMs = (seconds * 1000) / batches;
    const lags: Promise<number | null>[] = [];
    let probe = 0;
    let lastTs = 0;
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let b = 0; b < batches; b++) {
      const due = started + b * gapMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (status.failed) throw status.failed;
      const ts = Math.max(Date.now() - 1000, lastTs + 1);
      lastTs = ts;
      const watched = b % 2 === 0 && probe < n ? fleet.sensorIds[(probe++ * 37) % n]! : null;
      const readings = fleet.sensorIds.map((sensorId, i) => ({
        sensorId,
        timestamp: new Date(ts).toISOString(),
        value: sensorId === watched ? fleet.kindOf(i).max * 10 + 1000 : fleet.kindOf(i).mean,
      }));
      const body = JSON.stringify({ query: INGEST_MUTATION, variables: { readings } });
      inFlight.push(
        client.postRaw(body).then((res) => {
          checkIngestResponse(res, readings.length, `lag batch ${b}`);
          if (!watched) return;
          const acked = performance.now();
          lags.push(
            new Promise<number | null>((resolve) => {
              const done = () => {
                clearTimeout(timer);
                waiters.delete(watched);
                resolve(seen.get(watched)! - acked);
              };
              const timer = setTimeout(() => {
                waiters.delete(watched);
                resolve(null);
              }, 30_000);
              if (seen.has(watched)) done();
              else waiters.set(watched, done);
            }),
          );
        }),
      );
    }
    await Promise.all(inFlight);
    const sentSeconds = (performance.now() - started) / 1000;
    const all = await Promise.all(lags);
    const missing = all.filter((l) => l === null).length;
    const values = all.filter((l): l is number => l !== null).map((l) => Math.max(0, l));
    values.sort((a, b) => a - b);
    return {
      probes: values.length,
      missing,
      offeredPerSecond: Math.round((batches * n) / sentSeconds),
      p50Ms: percentile(values, 0.5),
      p99Ms: missing > 0 ? 30_000 : percentile(values, 0.99),
      maxMs: missing > 0 ? 30_000 : (values.at(-1) ?? 0),
    };
  } finally {
    unsubscribe();
    await ws.dispose();
  }
}

export async function registerShapeFleets(
  register: (fleet: Fleet) => Promise<unknown>,
  shapes: readonly ShapeName[],
): Promise<void> {
  const names = new Set<ShapeName>(shapes);
  names.add('live'); // the lag probes use the live fleet
  for (const shape of names) await register(shapeFleet(shape));
}

/**
 * Warm-up before a timed run on a fresh server: `readings` live-shaped readings of a fleet of
 * its own (registered here), so the first timed batch meets compiled queries, warm pools and a
 * running stream.
 */
export async function warmUp(
  client: GraphqlClient,
  register: (fleet: Fleet) => Promise<unknown>,
  readings: number,
): Promise<void> {
  const fleet = createFleet(ZONES, PER_ZONE, 'bench-warm');
  await register(fleet);
  const set = generateShape(fleet, 'live', readings, settings.batch, Date.now() - 1000);
  await runIngest(client, buildBodies(fleet, set), set, settings.clients);
}
