// The dashboard and subscriber benches live in files owned by the dashboard
// work; they are imported when present and their numeric figures reported.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Fleet } from './fleet.js';
import type { GraphqlClient } from './http-client.js';
import { checkIngestResponse, INGEST_MUTATION } from './ingest.js';
import type { ExtraFigures } from './report.js';
import { log } from './settings.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** One small ingestReadings batch with fresh timestamps (the subscriber bench's trigger). */
export function smallIngest(client: GraphqlClient, fleet: Fleet) {
  let lastTs = 0;
  return async () => {
    const ts = Math.max(Date.now(), lastTs + 1);
    lastTs = ts;
    const readings = fleet.sensorIds.slice(0, 10).map((sensorId, i) => {
      const k = fleet.kindOf(i);
      return { sensorId, timestamp: new Date(ts).toISOString(), value: k.mean };
    });
    const res = await client.postRaw(JSON.stringify({ query: INGEST_MUTATION, variables: { readings } }));
    const result = checkIngestResponse(res, readings.length, 'subscriber-bench ingest');
    if (result.accepted !== readings.length)
      throw new Error(`subscriber-bench ingest accepted ${result.accepted} of ${readings.length}`);
  };
}

export async function optionalBench(
  file: string,
  run: (mod: Record<string, unknown>) => Promise<unknown>,
): Promise<ExtraFigures> {
  const path = join(BENCH_DIR, file);
  if (!existsSync(path)) return { status: 'not available yet', reason: `bench/${file} does not exist` };
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const result = await run(mod);
    const figures: Record<string, number> = {};
    for (const [k, v] of Object.entries((result ?? {}) as Record<string, unknown>))
      if (typeof v === 'number') figures[k] = v;
    return { status: 'ran', figures };
  } catch (err) {
    log(`${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
  }
}
