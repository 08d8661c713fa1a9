// `BENCH_SECTION=history npm run bench`: long history on PostgreSQL (docs/history.md). A fresh
// database; the app in this process listening on a real port (client and server share the
// machine's cores); BENCH_HISTORY_READINGS readings of 10 s sensors over 30 days loaded by SQL
// into the day partitions, their rollups filled the way the migration fills them and the trust
// stream's positions moved past them (as if the stream had rolled them up). Prints bytes a
// reading on disk, ingest rate with 0 and with N stored, series p50 over HTTP, export rows/s
// and the time to drop one day's partition.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';
import { createReadingPartitionsRepository } from '../server/src/modules/readings/reading-partitions-repository.js';
import { createGraphqlClient } from './http-client.js';
import { createScratchDatabase, probePostgres, withClient } from './postgres-admin.js';
import { log, settings } from './settings.js';
import { percentile, round } from './stats.js';

const STEP_S = 10;
const PER_SENSOR = (30 * 86_400) / STEP_S; // 30 days at 10 s
const INGEST_SENSORS = 1000;
const INGEST_BATCHES = Number(process.env.BENCH_HISTORY_INGEST_BATCHES ?? 100);

async function startApp(url: string) {
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    GRAPHIQL: 'false',
    MAX_BATCH_SIZE: '10000',
    SWEEP_INTERVAL_SECONDS: '0',
    TREND_SAMPLE_SECONDS: '0',
  });
  const app = await buildApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, base: `http://127.0.0.1:${port}`, partitions: config.trustStream.partitions };
}

function get(url: string): Promise<{ status: number; bytes: number; lines: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, ms: performance.now() - started }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function ingestRate(base: string, startMs: number): Promise<number> {
  const client = createGraphqlClient(base, settings.clients);
  const bodies: string[] = [];
  for (let b = 0; b < INGEST_BATCHES; b++) {
    const ts = new Date(startMs + b * STEP_S * 1000).toISOString();
    const readings = Array.from({ length: INGEST_SENSORS }, (_, i) => ({
      sensorId: `hi-${i}`,
      timestamp: ts,
      value: 20 + ((i + b) % 7) * 0.1,
    }));
    bodies.push(
      JSON.stringify({
        query: 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }',
        variables: { r: readings },
      }),
    );
  }
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      while (next < bodies.length) {
        const res = await client.postRaw(bodies[next++]!);
        const out = res.data?.ingestReadings as { accepted: number } | undefined;
        if (!out || out.accepted !== INGEST_SENSORS)
          throw new Error(`ingest failed: ${JSON.stringify(res).slice(0, 300)}`);
      }
    }),
  );
  const rate = (INGEST_BATCHES * INGEST_SENSORS) / ((performance.now() - started) / 1000);
  client.close();
  return rate;
}

export async function runHistoryBench(): Promise<number> {
  const probe = await probePostgres(settings.postgresUrl);
  if (!probe.ok) {
    log(`history: PostgreSQL not reachable (${probe.reason})`);
    return 1;
  }
  const target = Number(process.env.BENCH_HISTORY_READINGS ?? 10_000_000);
  const sensors = Math.max(1, Math.ceil(target / PER_SENSOR));
  const db = await createScratchDatabase(settings.postgresUrl, `bench_history_${Date.now()}`);
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // the last loaded reading
  try {
    // 1. Fresh database: register, ingest with nothing stored.
    let { app, base } = await startApp(db.url);
    const gql = createGraphqlClient(base, 2);
    const inputs = [
      ...Array.from({ length: sensors }, (_, i) => ({
        id: `h-${i}`,
        name: `h-${i}`,
        kind: 'temperature',
        expectedIntervalSeconds: STEP_S,
      })),
      ...Array.from({ length: INGEST_SENSORS }, (_, i) => ({
        id: `hi-${i}`,
        name: `hi-${i}`,
        kind: 'temperature',
        expectedIntervalSeconds: STEP_S,
      })),
    ];
    await gql.request('mutation($i: [SensorInput!]!) { upsertSensors(inputs: $i) { outcomes { status } } }', {
      i: inputs,
    });
    const ingestStart = Date.now() - 2 * INGEST_BATCHES * STEP_S * 1000;
    const rate0 = await ingestRate(base, ingestStart);
    log(`history: ingest with ~0 stored: ${Math.round(rate0)} readings/s`);
    await app.services.trustStream.waitProcessed();
    await app.close();

    // 2. Load the history by SQL in arrival order: every sensor's readings of a few 10 s ticks a
    // statement (about 1,000 readings, one transaction, as a live batch), oldest first. Step g
    // counts back from the newest reading; sensor s holds its newest min(PER_SENSOR, target - s·PER_SENSOR).
    const loadStarted = performance.now();
    await withClient(db.url, async (c) => {
      const firstDay = Math.floor((end - (PER_SENSOR - 1) * STEP_S * 1000) / 86_400_000);
      const days = [];
      for (let d = firstDay; d <= Math.floor(end / 86_400_000); d++)
        days.push(new Date(d * 86_400_000).toISOString().slice(0, 10));
      await c.query('SELECT reading_ensure_partitions($1::date[])', [days]);
      const ticks = Math.max(1, Math.ceil(1000 / sensors));
      let loaded = 0;
      for (let hi = PER_SENSOR - 1; hi >= 0; hi -= ticks) {
        const res = await c.query(
          `INSERT INTO reading (sensor_id, ts, value)
           SELECT 'h-' || s, t, CASE WHEN $6 OR s < $5::int - 1 THEN round(v::numeric, 2)::float8 ELSE v END
             FROM generate_series($1::int, $2::int, -1) g
             CROSS JOIN generate_series(0, $5::int - 1) s,
                  LATERAL (SELECT to_timestamp($3::float8 / 1000 - g * ${STEP_S}) AS t,
                                  20 + 5 * sin(g / 360.0) + (g % 7) * 0.01 + (g % 11) * 0.003 AS v) x
            WHERE g < LEAST(${PER_SENSOR}, $4::int - s * ${PER_SENSOR})
            ORDER BY g DESC, s`,
          // Sensors report at a resolution of 0.01 (as real ones do); the last keeps full-precision doubles.
          [hi, Math.max(0, hi - ticks + 1), end, target, sensors, sensors === 1],
        );
        const before = loaded;
        loaded += res.rowCount ?? 0;
        if (Math.floor(loaded / 1_000_000) > Math.floor(before / 1_000_000))
          log(`history: loaded ${loaded.toLocaleString('en-US')} readings`);
      }
      // Rollups as the migration fills them, then the stream's positions past the loaded rows.
      await c.query(`INSERT INTO reading_rollup_minute (sensor_id, bucket, count, min, max, sum)
        SELECT sensor_id, date_trunc('minute', ts, 'UTC'), count(*), min(value), max(value), sum(value)
          FROM reading WHERE sensor_id LIKE 'h-%' GROUP BY 1, 2
        ON CONFLICT (sensor_id, bucket) DO NOTHING`);
      await c.query(`INSERT INTO reading_rollup_hour (sensor_id, bucket, count, min, max, sum)
        SELECT sensor_id, date_trunc('hour', bucket, 'UTC'), sum(count), min(min), max(max), sum(sum)
          FROM reading_rollup_minute WHERE sensor_id LIKE 'h-%' GROUP BY 1, 2
        ON CONFLICT (sensor_id, bucket) DO NOTHING`);
      await c.query(`UPDATE trust_stream SET position = pg_current_xact_id(), rollup_position = NULL`);
      await c.query(`UPDATE trust_stream_origin SET position = pg_current_xact_id()`);
      await c.query('VACUUM ANALYZE');
    });
    const loadS = (performance.now() - loadStarted) / 1000;

    // 3. With the history stored.
    const started = await startApp(db.url);
    ({ app, base } = started);
    const repo = createReadingPartitionsRepository(started.partitions);
    const hot = await app.db.autocommit((tx) => repo.hotSize(tx));
    // Where the hot bytes go: the partitions' heaps, primary keys and xid indexes, the receipts.
    const [hotParts] = await app.db.autocommit((tx) =>
      tx.$queryRawUnsafe<{ heap: number; pkey: number; xid: number; receipts: number }[]>(
        `SELECT (SELECT sum(pg_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'reading'::regclass)::float8 AS heap,
                (SELECT sum(pg_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'reading_pkey'::regclass)::float8 AS pkey,
                (SELECT sum(pg_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'reading_xid_idx'::regclass)::float8 AS xid,
                pg_total_relation_size('reading_receipt')::float8 AS receipts`,
      ),
    );
    log(
      `history: ${hot.rows.toLocaleString('en-US')} stored, loaded in ${round(loadS)} s; ${round(hot.bytes / hot.rows)} bytes a reading`,
    );
    const rateN = await ingestRate(base, ingestStart + INGEST_BATCHES * STEP_S * 1000);
    await app.services.trustStream.waitProcessed();

    const client = createGraphqlClient(base, 1);
    const SERIES =
      'query($id: ID!, $from: DateTime!, $to: DateTime!) { sensor(id: $id) { series(from: $from, to: $to) { count } } }';
    const series: Record<string, { p50: number; points: number; readings: number }> = {};
    for (const [name, span] of [
      ['1 h', 3_600_000],
      ['1 day', 86_400_000],
      ['30 days', 30 * 86_400_000],
    ] as const) {
      const times: number[] = [];
      let points = 0;
      let readings = 0;
      for (let i = 0; i < 21; i++) {
        const started = performance.now();
        const res = await client.request<{ sensor: { series: { count: number }[] } }>(SERIES, {
          id: 'h-0',
          from: new Date(end - span + 1).toISOString(),
          to: new Date(end).toISOString(),
        });
        times.push(performance.now() - started);
        points = res.sensor.series.length;
        readings = res.sensor.series.reduce((a, p) => a + p.count, 0);
      }
      times.sort((a, b) => a - b);
      series[name] = { p50: round(percentile(times, 50), 2), points, readings };
    }
    client.close();

    const exports: Record<string, { rows: number; rowsPerSecond: number; mb: number }> = {};
    let rssBefore = 0;
    let rssPeak = 0;
    for (const format of ['csv', 'ndjson']) {
      rssBefore = Math.max(rssBefore, process.memoryUsage().rss);
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
      const res = await get(`${base}/export/readings?sensorId=h-0&format=${format}`);
      clearInterval(sampler);
      if (res.status !== 200) throw new Error(`export ${format}: HTTP ${res.status}`);
      const rows = format === 'csv' ? res.lines - 1 : res.lines;
      exports[format] = { rows, rowsPerSecond: Math.round(rows / (res.ms / 1000)), mb: round(res.bytes / 1e6) };
    }

    const parts = await app.db.autocommit((tx) => repo.list(tx));
    const oldest = parts[0]!;
    const [inOldest] = await app.db.autocommit((tx) =>
      tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${oldest.name}"`),
    );
    const dropStarted = performance.now();
    await app.db.autocommit((tx) => repo.drop(tx, oldest.name));
    const dropMs = performance.now() - dropStarted;
    // Compaction of the next oldest days (the stream's positions are past them).
    const toCompact = parts.slice(1, 8);
    const compactStarted = performance.now();
    let compactedRows = 0;
    for (const p of toCompact) compactedRows += await app.db.autocommit((tx) => repo.compact(tx, p.name));
    const compactS = (performance.now() - compactStarted) / 1000;
    const packed = await app.db.autocommit((tx) => repo.compactedSize(tx));
    // By encoding: the rows' own bytes (pg_column_size, TOAST compressed) over their readings.
    const byEncoding = await app.db.autocommit((tx) =>
      tx.$queryRawUnsafe<{ encoding: string; blocks: number; perReading: number }[]>(
        `SELECT CASE WHEN scale IS NULL THEN 'float8' ELSE 'steps' END AS encoding, count(*)::int AS blocks,
                (sum(pg_column_size(b.*)) / sum(cardinality(deltas)))::float8 AS "perReading"
           FROM reading_block b GROUP BY 1 ORDER BY 1`,
      ),
    );
    const mixed = await get(`${base}/export/readings?sensorId=h-0&format=csv`);
    await app.close();

    const lines = [
      `History (PostgreSQL ${probe.version}, ${hot.rows.toLocaleString('en-US')} readings stored: ${sensors} sensors × 30 days at 10 s, app and client in one process)`,
      `  bytes a reading, hot (heap + pkey + xid index, pg_total_relation_size of every partition, and receipts): ${round(hot.bytes / hot.rows)} (heap ${round(hotParts!.heap / hot.rows, 1)}, pkey ${round(hotParts!.pkey / hot.rows, 1)}, xid index ${round(hotParts!.xid / hot.rows, 1)}, receipts ${round(hotParts!.receipts / hot.rows, 2)}; stored in batches of about 1,000)`,
      `  bytes a reading, compacted (reading_block with its pkey and TOAST, pg_total_relation_size): ${round(packed.bytes / packed.rows, 2)} (${toCompact.length} days, ${compactedRows.toLocaleString('en-US')} readings compacted in ${round(compactS)} s)`,
      `  compacted by encoding (pg_column_size of the rows): ${byEncoding.map((e) => `${e.encoding} ${round(e.perReading, 2)} B a reading (${e.blocks} blocks)`).join(', ')}`,
      `  export csv spanning hot and compacted days: ${(mixed.lines - 1).toLocaleString('en-US')} rows at ${Math.round((mixed.lines - 1) / (mixed.ms / 1000)).toLocaleString('en-US')} rows/s`,
      `  history load by SQL: ${round(loadS)} s`,
      `  ingest (live shape, ${INGEST_SENSORS} a batch, ${settings.clients} clients): ${Math.round(rate0)}/s with ~0 stored, ${Math.round(rateN)}/s with ${hot.rows.toLocaleString('en-US')} stored (${round((rateN / rate0 - 1) * 100)} %)`,
      ...Object.entries(series).map(
        ([name, s]) =>
          `  series ${name}: p50 ${s.p50} ms over HTTP (${s.points} points, ${s.readings.toLocaleString('en-US')} readings)`,
      ),
      ...Object.entries(exports).map(
        ([format, e]) =>
          `  export ${format}: ${e.rows.toLocaleString('en-US')} rows at ${e.rowsPerSecond.toLocaleString('en-US')} rows/s (${e.mb} MB)`,
      ),
      `  export memory (server and client in this process): RSS ${round(rssBefore / 1e6)} MB before, peak ${round(rssPeak / 1e6)} MB during`,
      `  retention: dropping ${oldest.name} (${inOldest!.n.toLocaleString('en-US')} readings) took ${round(dropMs, 1)} ms`,
    ];
    console.log(lines.join('\n'));
    return 0;
  } finally {
    if (settings.keepDatabase) db.keep();
    else await db.drop();
  }
}
