// Pushes a ReadingSet through the ingestReadings mutation from several
// concurrent keep-alive clients and checks every response adds up.
import { batchCount, batchRange, readingAt, type Fleet, type ReadingSet } from './fleet.js';
import type { GraphqlClient } from './http-client.js';
import { percentile } from './stats.js';

export const INGEST_MUTATION =
  'mutation Ingest($readings: [ReadingInput!]!) { ingestReadings(readings: $readings) { accepted duplicates rejected errors { index sensorId code message } } }';

interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: { index: number; sensorId: string | null; code: string; message: string }[];
}

export interface IngestRun {
  readings: number;
  batches: number;
  clients: number;
  seconds: number;
  readingsPerSecond: number;
  batchMs: { p50: number; p99: number; max: number };
  accepted: number;
  duplicates: number;
  rejected: number;
  /** CPU used during the ingestion by the server process and by this (client) process. */
  cpuSeconds?: { server: number; benchClient: number };
}

/**
 * One JSON request body per batch, built before the clock starts. `shiftMs`
 * moves every timestamp by the same amount, so the server gets the ceiling's
 * rows ending just before now (a replay of the last minutes of a live fleet)
 * rather than minutes-old data that the offline sweep would flag meanwhile.
 */
export function buildBodies(fleet: Fleet, set: ReadingSet, shiftMs = 0): Buffer[] {
  const prefix = `{"query":${JSON.stringify(INGEST_MUTATION)},"variables":{"readings":[`;
  const bodies: Buffer[] = [];
  for (let b = 0; b < batchCount(set); b++) {
    const [from, to] = batchRange(set, b);
    const parts = new Array<string>(to - from);
    for (let i = from; i < to; i++) {
      const r = readingAt(fleet, set, i);
      parts[i - from] =
        `{"sensorId":"${r.sensorId}","timestamp":"${new Date(r.tsMs + shiftMs).toISOString()}","value":${r.value}}`;
    }
    bodies.push(Buffer.from(`${prefix}${parts.join(',')}]}}`));
  }
  return bodies;
}

export function checkIngestResponse(
  res: Awaited<ReturnType<GraphqlClient['postRaw']>>,
  expected: number,
  label: string,
) {
  if (res.errors?.length) {
    throw new Error(`${label}: GraphQL errors: ${JSON.stringify(res.errors.slice(0, 3))}`);
  }
  const result = res.data?.ingestReadings as IngestResult | undefined;
  if (!result) throw new Error(`${label}: HTTP ${res.status} without ingestReadings data`);
  if (result.accepted + result.duplicates + result.rejected !== expected) {
    throw new Error(
      `${label}: accepted ${result.accepted} + duplicates ${result.duplicates} + rejected ${result.rejected} ≠ ${expected} sent`,
    );
  }
  return result;
}

export async function runIngest(
  client: GraphqlClient,
  bodies: Buffer[],
  set: ReadingSet,
  clients: number,
): Promise<IngestRun> {
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  const firstErrors: IngestResult['errors'] = [];

  const worker = async () => {
    while (next < bodies.length) {
      const b = next++;
      const [from, to] = batchRange(set, b);
      const t0 = performance.now();
      const res = await client.postRaw(bodies[b]!);
      latencies[b] = performance.now() - t0;
      const result = checkIngestResponse(res, to - from, `batch ${b}`);
      accepted += result.accepted;
      duplicates += result.duplicates;
      rejected += result.rejected;
      if (firstErrors.length < 5) firstErrors.push(...result.errors.slice(0, 5 - firstErrors.length));
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;

  // A fresh database and distinct (sensor, timestamp) pairs: anything but
  // "all accepted" means the server lost or refused readings.
  if (accepted !== set.count || duplicates !== 0 || rejected !== 0) {
    throw new Error(
      `ingestion did not add up: sent ${set.count}, accepted ${accepted}, duplicates ${duplicates}, rejected ${rejected}; first errors: ${JSON.stringify(firstErrors)}`,
    );
  }
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    readings: set.count,
    batches: bodies.length,
    clients,
    seconds,
    readingsPerSecond: set.count / seconds,
    batchMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 },
    accepted,
    duplicates,
    rejected,
  };
}
