// The trust stream beside ingestion (docs/trust-stream.md): commit-correct
// consumption under concurrent writers, kill -9 and resume, and two server
// processes on one PostgreSQL with one of them killed.
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, TARGETS, postgresReachable, type TestDatabase } from './support/databases.js';
import { gqlHttp, startServerProcess, type ServerProcess } from './support/server-process.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTrustStreamRepository } from '../src/modules/trust/trust-stream-repository.js';
import { Topic } from '../src/events/topics.js';

const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;

/** Fields of one upsertSensor per id (temperature, range -20 – 60), for one mutation. */
function sensorUpserts(ids: readonly string[], opts: { interval?: number; zoneId?: string } = {}): string {
  const zone = opts.zoneId ? `, zoneId: "${opts.zoneId}"` : '';
  return ids
    .map(
      (id, i) =>
        `s${i}: upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature"${zone}, minValue: -20, maxValue: 60, expectedIntervalSeconds: ${opts.interval ?? 60} }) { id }`,
    )
    .join(' ');
}

/** Sends a step every `gapMs` for `ms`; returns how long it ran and how many stream ticks read readings. */
async function streamFor(t: TestApp, ms: number, gapMs: number, sendStep: () => Promise<void>) {
  const ticks = t.app.services.trustStream.stats.ticks;
  const began = performance.now();
  while (performance.now() - began < ms) {
    await sendStep();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return { seconds: (performance.now() - began) / 1000, readTicks: t.app.services.trustStream.stats.ticks - ticks };
}

describe.each(TARGETS)('trust stream on %s', (kind) => {
  it('concurrent writers with slow commits: every reading is applied exactly once', async () => {
    const t = await startTestApp(kind);
    try {
      const sensors = Array.from({ length: 40 }, (_, i) => `cw-${String(i).padStart(2, '0')}`);
      for (let from = 0; from < sensors.length; from += 20) {
        const reg = await t.gql(`mutation { ${sensorUpserts(sensors.slice(from, from + 20))} }`);
        expect(reg.errors).toBeUndefined();
      }
      const base = Date.now() - 200 * 60_000;
      // 8 uploaders; every third batch is written by a raw transaction that holds its
      // commit a while, so transactions commit in another order than they started.
      const uploaders = Array.from({ length: 8 }, async (_, u) => {
        for (let b = 0; b < 12; b++) {
          const step = u * 12 + b;
          const readings = sensors.map((sensorId, i) => ({
            sensorId,
            timestamp: new Date(base + step * 60_000).toISOString(),
            value: 20 + Math.sin(step + i),
          }));
          if (b % 3 === 0) {
            await t.app.db.transaction(async (tx) => {
              await tx.$executeRaw`
                INSERT INTO reading (sensor_id, ts, value)
                SELECT s, to_timestamp(${Date.parse(readings[0]!.timestamp)}::float8 / 1000.0), v
                  FROM unnest(${sensors}::text[], ${readings.map((r) => r.value)}::float8[]) AS u(s, v)`;
              await new Promise((r) => setTimeout(r, 30 + ((u * 7) % 40)));
            });
            t.app.services.trustStream.notify();
          } else {
            const res = await t.gqlNow(INGEST, { r: readings });
            expect(res.data?.ingestReadings.accepted).toBe(sensors.length);
          }
        }
      });
      await Promise.all(uploaders);
      console.log('uploaded', t.app.services.trustStream.stats);
      await t.processed();
      const total = 8 * 12 * sensors.length;
      const [counts] = await t.app.db.transaction(
        (tx) =>
          tx.$queryRaw<{ rows: number; rollup: number }[]>`
          SELECT (SELECT count(*)::int FROM reading) AS rows,
                 (SELECT coalesce(sum(count), 0)::int FROM reading_minute) AS rollup`,
      );
      expect(counts).toEqual({ rows: total, rollup: total });
      const scores = await t.gql<{ trustScores: { sensorId: string; status: string }[] }>(
        `{ trustScores { sensorId status } }`,
      );
      expect(scores.data!.trustScores).toHaveLength(sensors.length);
      const newest = new Date(base + (8 * 12 - 1) * 60_000).toISOString();
      const last = await t.gql<{ sensor: { lastReading: { timestamp: string } | null } }>(
        `{ sensor(id: "cw-07") { lastReading { timestamp } } }`,
      );
      expect(last.data!.sensor.lastReading?.timestamp).toBe(newest);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('ingests hand their rows to the stream in memory; a row written around the ingest path is read from the database', async () => {
    const t = await startTestApp(kind, { env: { TRUST_STREAM_INTERVAL_MS: '20' } });
    try {
      const reg = await t.gql(`mutation { ${sensorUpserts(['ll-1', 'll-2'])} }`);
      expect(reg.errors).toBeUndefined();
      const base = Date.now() - 60 * 60_000;
      const at = (step: number) => new Date(base + step * 60_000).toISOString();
      const ingest = async (step: number, ids = ['ll-1', 'll-2']) => {
        const r = ids.map((sensorId) => ({ sensorId, timestamp: at(step), value: 21 + (step % 3) * 0.1 }));
        expect((await t.gqlNow(INGEST, { r })).data?.ingestReadings.accepted).toBe(ids.length);
      };
      await ingest(0);
      await t.processed();
      const stats = t.app.services.trustStream.stats;
      const before = { memory: stats.rangesFromMemory, read: stats.rangesRead };
      for (let step = 1; step <= 5; step++) {
        await ingest(step);
        await t.processed();
      }
      // On both databases (PostgreSQL too: the stream runs on the main thread here).
      expect(before.memory).toBeGreaterThanOrEqual(1); // the first one too: new sensors' partitions asked for
      expect(stats.rangesFromMemory - before.memory).toBeGreaterThanOrEqual(5);
      // A reading stored around the ingest path (its own transaction): the range holding it
      // does not match what was handed over, so it is read from the database, and applied.
      const read = stats.rangesRead;
      await t.app.db.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO reading (sensor_id, ts, value) VALUES ('ll-2', ${new Date(at(6))}, 99)`;
        await tx.$executeRaw`INSERT INTO reading_receipt (received_at) VALUES (now())`;
      });
      await ingest(6, ['ll-1']);
      await t.processed();
      expect(stats.rangesRead).toBeGreaterThan(read);
      const res = await t.gql<{ sensor: { lastReading: { timestamp: string; value: number } } }>(
        `{ sensor(id: "ll-2") { lastReading { timestamp value } } }`,
      );
      expect(res.data!.sensor.lastReading).toEqual({ timestamp: at(6), value: 99 });
      const [counts] = await t.app.db.transaction(
        (tx) => tx.$queryRaw<{ rollup: number }[]>`SELECT coalesce(sum(count), 0)::int AS rollup FROM reading_minute`,
      );
      expect(counts!.rollup).toBe(14);
      // One stored around it just after an ingest (after the last handed-over transaction).
      await ingest(7, ['ll-1']);
      await t.app.db.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO reading (sensor_id, ts, value) VALUES ('ll-2', ${new Date(at(7))}, 98)`;
        await tx.$executeRaw`INSERT INTO reading_receipt (received_at) VALUES (now())`;
      });
      await t.processed();
      const after = await t.gql<{ sensor: { lastReading: { timestamp: string; value: number } } }>(
        `{ sensor(id: "ll-2") { lastReading { timestamp value } } }`,
      );
      expect(after.data!.sensor.lastReading).toEqual({ timestamp: at(7), value: 98 });
      const es = await t.app.db.transaction(
        (tx) =>
          tx.$queryRaw<
            { n: number }[]
          >`SELECT (engine_state #>> '{}')::json->>'n' AS n FROM trust_state WHERE sensor_id = 'll-2'`,
      );
      expect(Number(es[0]!.n)).toBe(8); // steps 0-7: every reading reached the engine once
    } finally {
      await t.close();
    }
  });

  it('reorder before the engine: readings committed out of order within TRUST_REORDER_MS reach the engine in timestamp order; held rows hold the checkpoint back', async () => {
    const t = await startTestApp(kind, {
      env: { TRUST_REORDER_MS: '3000', TRUST_STREAM_INTERVAL_MS: '20', TRUST_CHECKPOINT_MS: '200' },
    });
    try {
      const reg = await t.gql(`mutation { ${sensorUpserts(['ro-1', 'ro-history'])} }`);
      expect(reg.errors).toBeUndefined();
      // Live readings: within the engine's lateness bound (10 min) of now.
      const base = Date.now() - 5 * 60_000;
      const at = (step: number) => new Date(base + step * 60_000).toISOString();
      const send = async (step: number) =>
        expect(
          (await t.gqlNow(INGEST, { r: [{ sensorId: 'ro-1', timestamp: at(step), value: 21 + step * 0.01 }] })).data
            ?.ingestReadings.accepted,
        ).toBe(1);
      const stats = t.app.services.trustStream.stats;
      const engine = async (id = 'ro-1') => {
        const [row] = await t.app.db.transaction(
          (tx) =>
            tx.$queryRaw<
              { es: string | null }[]
            >`SELECT engine_state #>> '{}' AS es FROM trust_state WHERE sensor_id = ${id}`,
        );
        return row?.es ? (JSON.parse(row.es) as { n: number; late: number }) : null;
      };
      // The newer reading commits first and is read by the stream; the older one follows.
      const read = stats.readings;
      await send(2);
      await vi.waitFor(() => expect(stats.readings).toBeGreaterThan(read), { timeout: 5000, interval: 10 });
      // While it is held, checkpoints (every 200 ms here) do not move the partition past it.
      await new Promise((r) => setTimeout(r, 1000));
      const [held] = await t.app.db.transaction(
        (tx) =>
          tx.$queryRaw<{ behind: boolean }[]>`
          SELECT (SELECT position FROM trust_stream
                   WHERE partition = (hashtext('ro-1') & ${t.config.trustStream.partitions - 1}::int))
                 <= (SELECT xid FROM reading WHERE sensor_id = 'ro-1') AS behind`,
      );
      expect(held?.behind).toBe(true);
      await send(1);
      await t.processed();
      // Both reached the engine in timestamp order: none out of order.
      expect(await engine()).toMatchObject({ n: 2, late: 0 });
      // A reading older than one already applied, arriving after the hold, is out of order.
      await send(4);
      await t.processed();
      await send(3);
      await t.processed();
      expect(await engine()).toMatchObject({ n: 3, late: 1 });
      // History (received more than the lateness bound after its timestamp) is not held: an
      // import's sensor must not wait while its peers run ahead in event time.
      const historic = await t.gqlNow(INGEST, {
        r: [{ sensorId: 'ro-history', timestamp: new Date(Date.now() - 2 * 3_600_000).toISOString(), value: 20 }],
      });
      expect(historic.data?.ingestReadings.accepted).toBe(1);
      await vi.waitFor(async () => expect(await engine('ro-history')).toMatchObject({ n: 1 }), {
        timeout: 1500, // the hold here is 3,000 ms
        interval: 20,
      });
    } finally {
      await t.close();
    }
  });

  it('a score that only moves (a new sensor earning trust) is written with its history points once per checkpoint, not every tick', async () => {
    const t = await startTestApp(kind, { env: { TRUST_CHECKPOINT_MS: '1000', TRUST_STREAM_INTERVAL_MS: '50' } });
    try {
      const ids = Array.from({ length: 10 }, (_, i) => `earn-${i}`);
      const reg = await t.gql(`mutation { ${sensorUpserts(ids)} }`);
      expect(reg.errors).toBeUndefined();
      const start = Date.now() - 3 * 3600_000;
      let step = 0;
      const sendStep = async () => {
        const ts = new Date(start + step * 60_000).toISOString();
        const r = ids.map((sensorId, i) => ({ sensorId, timestamp: ts, value: 21 + 0.2 * Math.sin(step / 3 + i) }));
        step++;
        expect((await t.gqlNow(INGEST, { r })).data?.ingestReadings.accepted).toBe(ids.length);
      };
      await sendStep();
      await t.processed();
      const versions = async () =>
        new Map(
          (await t.app.db.prisma.trustState.findMany({ select: { sensorId: true, version: true } })).map((r) => [
            r.sensorId,
            r.version,
          ]),
        );
      const before = await versions();
      const { seconds, readTicks } = await streamFor(t, 2500, 50, sendStep);
      const after = await versions();
      await t.processed();
      const history = await t.gql<{ sensor: { trust: { score: number }; trustHistory: { score: number }[] } }>(
        `{ sensor(id: "earn-3") { trust { score } trustHistory { score } } }`,
      );
      const points = history.data!.sensor.trustHistory.map((p) => p.score);
      const writes = ids.map((id) => after.get(id)! - before.get(id)!);
      // The score climbed in many small steps, each a history point...
      expect(points.length).toBeGreaterThanOrEqual(5);
      expect(points.at(-1)!).toBeGreaterThan(points[0]!);
      expect(Math.abs(points.at(-1)! - history.data!.sensor.trust.score)).toBeLessThan(2);
      // ...but rows were written about once a second, not at every tick that moved the score.
      expect(readTicks).toBeGreaterThanOrEqual(10);
      expect(Math.max(...writes)).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(Math.max(...writes)).toBeLessThan(points.length);
    } finally {
      await t.close();
    }
  });

  it('a steady stream writes a sensor state row about once per checkpoint interval while its verdict holds', async () => {
    const t = await startTestApp(kind, { env: { TRUST_CHECKPOINT_MS: '1000', TRUST_STREAM_INTERVAL_MS: '50' } });
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `st-${String(i).padStart(2, '0')}`);
      const reg = await t.gql(`mutation { ${sensorUpserts(ids, { interval: 1 })} }`);
      expect(reg.errors).toBeUndefined();
      const start = Date.now() - 60_000;
      let step = 0;
      const sendStep = async () => {
        const ts = new Date(start + step * 1000).toISOString();
        const r = ids.map((sensorId, i) => ({ sensorId, timestamp: ts, value: 21 + 0.2 * Math.sin(step / 3 + i) }));
        step++;
        const res = await t.gqlNow(INGEST, { r });
        expect(res.data?.ingestReadings.accepted).toBe(ids.length);
      };
      // Past the first verdicts (UNKNOWN → HEALTHY), then a steady minute of readings.
      for (let i = 0; i < 20; i++) await sendStep();
      await t.processed();
      const versions = async () => {
        const rows = await t.app.db.prisma.trustState.findMany({
          select: { sensorId: true, version: true, status: true },
        });
        return new Map(rows.map((r) => [r.sensorId, r]));
      };
      const before = await versions();
      expect([...before.values()].every((r) => r.status === 'HEALTHY')).toBe(true);
      const { seconds, readTicks } = await streamFor(t, 3000, 60, sendStep);
      const lag = await t.gqlNow<{ trustLag: { position: string; oldestUnprocessedMs: number } }>(
        `{ trustLag { position oldestUnprocessedMs } }`,
      );
      expect(lag.data!.trustLag.position).toMatch(/^\d+$/);
      expect(lag.data!.trustLag.oldestUnprocessedMs).toBeGreaterThanOrEqual(0);
      const after = await versions();
      const writes = ids.map((id) => after.get(id)!.version - before.get(id)!.version);
      // Many ticks read every sensor's readings; each row was written about once a second.
      expect(readTicks).toBeGreaterThanOrEqual(10);
      expect(Math.max(...writes)).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(Math.max(...writes)).toBeLessThan(readTicks / 2);
      expect([...after.values()].every((r) => r.status === 'HEALTHY')).toBe(true);
      // The barrier writes what is in memory: rows then include every reading.
      await t.processed();
      const res = await t.gql<{ sensor: { lastReading: { timestamp: string } } }>(
        `{ sensor(id: "st-07") { lastReading { timestamp } } }`,
      );
      expect(res.data!.sensor.lastReading.timestamp).toBe(new Date(start + (step - 1) * 1000).toISOString());
      const [unwritten] = await t.app.db.transaction(
        (tx) => tx.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM trust_state t
           WHERE EXISTS (SELECT 1 FROM reading r WHERE r.sensor_id = t.sensor_id AND r.xid >= t.stream_position)`,
      );
      expect(unwritten!.n).toBe(0);
      const caughtUp = await t.gql<{ trustLag: { oldestUnprocessedMs: number } }>(
        `{ trustLag { oldestUnprocessedMs } }`,
      );
      expect(caughtUp.data!.trustLag.oldestUnprocessedMs).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);

  it.skipIf(kind !== 'postgres')(
    'a long transaction holding an xid stalls the stream; trustLag shows it and the watch names its pid',
    async () => {
      const t = await startTestApp(kind);
      const holder = new pg.Client({ connectionString: t.database.url! });
      await holder.connect();
      try {
        const reg = await t.gql(
          `mutation { upsertSensor(input: { id: "xm-1", name: "xm-1", kind: "temperature", expectedIntervalSeconds: 60 }) { id } }`,
        );
        expect(reg.errors).toBeUndefined();
        await holder.query('BEGIN');
        const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_current_xact_id()');
        const res = await t.gqlNow(INGEST, {
          r: [{ sensorId: 'xm-1', timestamp: new Date().toISOString(), value: 20 }],
        });
        expect(res.data?.ingestReadings.accepted).toBe(1);
        await new Promise((r) => setTimeout(r, 1200));
        const lag = await t.gqlNow<{ trustLag: { oldestUnprocessedMs: number } }>(
          `{ trustLag { oldestUnprocessedMs } }`,
        );
        expect(lag.data!.trustLag.oldestUnprocessedMs).toBeGreaterThanOrEqual(1000);
        const holders = await t.app.db.transaction((tx) => createTrustStreamRepository().snapshotHolders(tx, 1000));
        expect(holders.find((h) => h.pid === rows[0]!.pid)).toMatchObject({ state: 'idle in transaction' });
        await holder.query('COMMIT');
        await t.processed();
        const after = await t.gql<{ sensor: { trust: { lastEvaluated: string | null } } }>(
          `{ sensor(id: "xm-1") { trust { lastEvaluated } } }`,
        );
        expect(after.data!.sensor.trust.lastEvaluated).not.toBeNull();
      } finally {
        await holder.end();
        await t.close();
      }
    },
    60_000,
  );

  it('the same readings in one stream tick or in one tick per timestamp give the same trust and tickets', async () => {
    // Stored with the same arrival times both ways; only how the stream groups them differs.
    async function run(grouping: 'one tick' | 'per timestamp') {
      const t = await startTestApp(kind);
      try {
        const reg = await t.gql(
          `mutation { z: upsertZone(input: { id: "gz", name: "G" }) { id } ${sensorUpserts(GROUPING_SENSORS, { zoneId: 'gz' })} }`,
        );
        expect(reg.errors).toBeUndefined();
        const store = (steps: number[]) =>
          t.app.db.transaction(async (tx) => {
            const rows = steps.flatMap((step) => groupingBatch(step));
            await tx.$executeRaw`
              INSERT INTO reading (sensor_id, ts, value)
              SELECT s, to_timestamp(ts / 1000.0), v
                FROM unnest(${rows.map((r) => r.sensorId)}::text[], ${rows.map((r) => r.ts)}::float8[],
                            ${rows.map((r) => r.value)}::float8[]) AS u(s, ts, v)`;
            // Received 5 s after the transaction's newest reading (one receipt a transaction).
            await tx.$executeRaw`
              INSERT INTO reading_receipt (received_at) VALUES (to_timestamp(${Math.max(...rows.map((r) => r.ts))} / 1000.0 + 5))`;
          });
        if (grouping === 'one tick') {
          await store(Array.from({ length: GROUPING_STEPS }, (_, i) => i));
          await t.processed();
          expect(t.app.services.trustStream.stats.ticks).toBe(1);
        } else {
          for (let step = 0; step < GROUPING_STEPS; step++) {
            await store([step]);
            await t.processed();
          }
          expect(t.app.services.trustStream.stats.ticks).toBe(GROUPING_STEPS);
        }
        const res = await t.gql(`{ sensors(first: 25) { nodes { id ${OUTCOME_FIELDS} } } }`);
        expect(res.errors).toBeUndefined();
        return res.data!.sensors.nodes as {
          id: string;
          tickets: { kind: string }[];
          trustHistory: { at: string; status: string }[];
        }[];
      } finally {
        await t.close();
      }
    }
    const one = await run('one tick');
    const many = await run('per timestamp');
    expect(one).toEqual(many);
    // Ten minutes out of range opened its ticket in one tick too. Two readings out of range,
    // once, are a reason on those readings (cleared at the next good one), not a ticket.
    const sensor = (id: string) => one.find((n) => n.id === id)!;
    expect(sensor('g-0').tickets.map((k) => k.kind)).toContain('OUT_OF_RANGE');
    expect(sensor('g-2').tickets).toEqual([]);
    // its history: DEGRADED at the two readings, HEALTHY again at the next one
    const g2 = sensor('g-2').trustHistory;
    const out = GROUPING_BASE + 30 * 60_000;
    const at = (ms: number) => g2.filter((p) => Date.parse(p.at) <= ms).at(-1)?.status;
    expect([at(out - 60_000), at(out), at(out + 60_000), at(out + 2 * 60_000)]).toEqual([
      'HEALTHY',
      'DEGRADED',
      'DEGRADED',
      'HEALTHY',
    ]);
  }, 120_000);
});

// ---- one tick or many (both targets) ----

const GROUPING_SENSORS = Array.from({ length: 6 }, (_, i) => `g-${i}`);
const GROUPING_STEPS = 40;
const GROUPING_BASE = Math.floor(Date.now() / 60_000) * 60_000 - GROUPING_STEPS * 60_000;

function groupingBatch(step: number) {
  return GROUPING_SENSORS.map((sensorId, i) => {
    let value = 21 + 0.3 * Math.sin(step / 5 + i) + 0.01 * ((step * 7 + i * 3) % 5);
    if (i === 0 && step >= 15 && step < 25) value = 140; // out of range for ten minutes
    if (i === 1 && step >= 10) value = 18.5; // flat from here on
    if (i === 2 && (step === 30 || step === 31)) value = -80; // out of range, briefly
    if (i === 3 && step % 9 === 4) value += 12; // spikes
    return { sensorId, ts: GROUPING_BASE + step * 60_000, value };
  });
}

/** What a replay or another grouping must reproduce: trust, history and tickets (not wall-clock times). */
const OUTCOME_FIELDS = `trust { status score severity reasons { kind severity message since active clearedAt } }
  trustHistory { at score status }
  tickets { kind severity status title openedAt resolvedAt lastSeenAt occurrences events { at type actor note } }`;

// ---- kill -9 and two processes (PostgreSQL) ----

const pgUp = await postgresReachable();
const SENSORS = Array.from({ length: 20 }, (_, i) => `k-${String(i).padStart(2, '0')}`);
const STEPS = 60;
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - STEPS * 60_000;

function batch(step: number) {
  return SENSORS.map((sensorId, i) => {
    let value = 21 + 0.3 * Math.sin(step / 5 + i) + 0.01 * ((step * 7 + i * 3) % 5);
    if (i === 0 && step >= 30 && step < 40) value = 140; // OUT_OF_RANGE for a while
    if (i === 1 && step >= 20) value = 18.5; // flat from here on
    return { sensorId, timestamp: new Date(BASE + step * 60_000).toISOString(), value };
  });
}

async function register(url: string) {
  const res = await gqlHttp(
    url,
    `mutation { z: upsertZone(input: { id: "kz", name: "K" }) { id } ${sensorUpserts(SENSORS, { zoneId: 'kz' })} }`,
  );
  expect(res.errors).toBeUndefined();
}

async function send(url: string, from: number, to: number) {
  for (let s = from; s < to; s++) {
    const res = await gqlHttp(url, INGEST, { r: batch(s) });
    expect(res.errors).toBeUndefined();
    expect(res.data.ingestReadings.accepted + res.data.ingestReadings.duplicates).toBe(SENSORS.length);
  }
}

/** Waits for the stream (evaluateTrust of no sensor: the barrier, no sweep) and reads what a replay must reproduce. */
async function outcome(url: string) {
  const barrier = await gqlHttp(url, `mutation { evaluateTrust(sensorIds: []) }`);
  expect(barrier.errors).toBeUndefined();
  const res = await gqlHttp(
    url,
    // Ticket automation sees every verdict a stream tick passes through, so tickets do not
    // depend on how readings fall into ticks (which a kill and a replay change).
    `{ sensors(first: 25) { nodes { id ${OUTCOME_FIELDS} } } }`,
  );
  expect(res.errors).toBeUndefined();
  return res.data.sensors.nodes;
}

async function counts(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      rows: number;
      rollup: number;
      dup_points: number;
      open_dup: number;
      flagged: number;
      flagged_hour: number;
    }>(
      // flagged: the reference fleet's flagged readings in the series rollups (minute and hour).
      `SELECT (SELECT count(*)::int FROM reading) AS rows,
              (SELECT coalesce(sum(flagged), 0)::int FROM reading_rollup_minute WHERE sensor_id LIKE 'k-%') AS flagged,
              (SELECT coalesce(sum(flagged), 0)::int FROM reading_rollup_hour WHERE sensor_id LIKE 'k-%') AS flagged_hour,
              (SELECT coalesce(sum(count), 0)::int FROM reading_minute) AS rollup,
              (SELECT (count(*) - count(DISTINCT (sensor_id, at, score, status)))::int FROM trust_point) AS dup_points,
              (SELECT (count(*) - count(DISTINCT (sensor_id, kind)))::int FROM ticket WHERE status <> 'RESOLVED') AS open_dup`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

describe.skipIf(!pgUp)('trust stream on its own thread (PostgreSQL, TRUST_STREAM_THREAD=true)', () => {
  it('applies readings, answers the barrier and evaluateTrust, and publishes its events on the main thread', async () => {
    const t = await startTestApp('postgres', { env: { TRUST_STREAM_THREAD: 'true' } });
    try {
      const ids = ['th-1', 'th-2', 'th-3'];
      expect((await t.gql(`mutation { ${sensorUpserts(ids)} }`)).errors).toBeUndefined();
      const updated: string[] = [];
      const off = t.app.events.on(Topic.SensorsUpdated, ({ sensors }) => {
        for (const s of sensors) updated.push(s.sensorId);
      });
      const ts = Date.now() - 60_000;
      const r = ids.map((sensorId, i) => ({
        sensorId,
        timestamp: new Date(ts).toISOString(),
        value: i === 0 ? 10_000 : 21,
      }));
      expect((await t.gqlNow(INGEST, { r })).data?.ingestReadings.accepted).toBe(3);
      await t.processed();
      const res = await t.gql<{ sensor: { trust: { reasons: { kind: string }[] } } }>(
        `{ sensor(id: "th-1") { trust { reasons { kind } } } }`,
      );
      expect(res.data!.sensor.trust.reasons.map((x) => x.kind)).toContain('OUT_OF_RANGE');
      // The counters behind /metrics come back with every answer of the thread.
      expect(t.app.services.trustStream.stats.readings).toBe(3);
      const judged = await t.gql<{ evaluateTrust: number }>(`mutation { evaluateTrust(sensorIds: null) }`);
      expect(judged.data!.evaluateTrust).toBe(3);
      // The verdict move was published on the app's bus (before the barrier's answer).
      expect(updated).toContain('th-1');
      off();
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe.skipIf(!pgUp)('trust stream across processes on PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  const procs: ServerProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL').catch(() => undefined);
    for (const d of dbs) await d.drop().catch(() => undefined);
  });
  const env = (db: TestDatabase, extra: Record<string, string> = {}) => ({
    DATABASE_URL: db.url!,
    SWEEP_INTERVAL_SECONDS: '0',
    GRAPHIQL: 'false',
    TRUST_LEASE_CHECK_MS: '200',
    ...extra,
  });
  let reference: unknown;
  let flagged = 0;
  /** Every reading stored and rolled up once, no point or open ticket doubled, the reference's flagged count. */
  const clean = (rows: number) => ({ rows, rollup: rows, dup_points: 0, open_dup: 0, flagged, flagged_hour: flagged });

  it('kill -9 mid-stream and restart: the same statuses, reasons and history as an uninterrupted run, no duplicate', async () => {
    const a = await createTestDatabase('postgres');
    dbs.push(a);
    const one = await startServerProcess(env(a));
    procs.push(one);
    await register(one.url);
    await send(one.url, 0, STEPS);
    reference = await outcome(one.url);
    // The run opens tickets (out of range, stuck), so the comparisons below cover them.
    const opened = (reference as { tickets: { kind: string }[] }[]).flatMap((n) => n.tickets.map((t) => t.kind));
    expect(opened).toEqual(expect.arrayContaining(['OUT_OF_RANGE', 'STUCK']));
    const ref = await counts(a.url!);
    expect(ref).toMatchObject({ rows: STEPS * SENSORS.length, rollup: STEPS * SENSORS.length });
    // k-00's ten readings out of range (and any judged while it recovers) are flagged.
    flagged = ref!.flagged;
    expect(flagged).toBeGreaterThanOrEqual(10);
    expect(ref!.flagged_hour).toBe(flagged);
    await one.stop();

    const b = await createTestDatabase('postgres');
    dbs.push(b);
    // A slow stream, so the kill lands with readings stored but not yet applied.
    const first = await startServerProcess(env(b, { TRUST_STREAM_INTERVAL_MS: '700' }));
    procs.push(first);
    await register(first.url);
    await send(first.url, 0, 35);
    first.child.kill('SIGKILL');
    await first.stop();
    const second = await startServerProcess(env(b));
    procs.push(second);
    await send(second.url, 35, STEPS);
    expect(await outcome(second.url)).toEqual(reference);
    const c = await counts(b.url!);
    expect(c).toEqual(clean(STEPS * SENSORS.length));
    await second.stop();
  }, 240_000);

  it('kill -9 between checkpoints (states only in memory): the restart replays to the same trust, history and tickets', async () => {
    const d = await createTestDatabase('postgres');
    dbs.push(d);
    // Checkpoints far apart: only verdict moves are written, the rest stays in memory.
    const first = await startServerProcess(env(d, { TRUST_CHECKPOINT_MS: '600000', METRICS_PUBLIC: 'true' }));
    procs.push(first);
    await register(first.url);
    // Besides the reference fleet, a few steady sensors (a reading a second, no zone): after
    // their first verdict nothing about them moves, so their rows are not written again.
    const steady = ['q-0', 'q-1', 'q-2', 'q-3'];
    const reg = await gqlHttp(first.url, `mutation { ${sensorUpserts(steady, { interval: 1 })} }`);
    expect(reg.errors).toBeUndefined();
    const qBase = Date.now() - 120_000;
    const client = new pg.Client({ connectionString: d.url! });
    await client.connect();
    // Everything stored has been applied by the stream (its counter on /metrics).
    const caughtUp = async () => {
      const { rows: stored } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`);
      const applied = async () => {
        const text = await (await fetch(`${first.url}/metrics`)).text();
        return Number(/^sensor_trust_stream_readings_total (\d+)/m.exec(text)?.[1] ?? 0);
      };
      await vi.waitFor(async () => expect(await applied()).toBeGreaterThanOrEqual(stored[0]!.n), {
        timeout: 20_000,
        interval: 50,
      });
    };
    for (let s = 0; s < 40; s++) {
      // The steady sensors' first verdicts are written by step 30; what follows holds their verdict.
      if (s === 30) await caughtUp();
      const q = steady.map((sensorId, i) => ({
        sensorId,
        timestamp: new Date(qBase + s * 1000).toISOString(),
        value: 21 + 0.3 * Math.sin(s / 5 + i),
      }));
      expect((await gqlHttp(first.url, INGEST, { r: q })).data.ingestReadings.accepted).toBe(steady.length);
      await send(first.url, s, s + 1);
    }
    try {
      const state = async () => {
        const { rows } = await client.query<{ behind: number; k00: boolean }>(
          `SELECT (SELECT count(*)::int FROM trust_state t
                    WHERE t.sensor_id LIKE 'q-%'
                      AND EXISTS (SELECT 1 FROM reading r WHERE r.sensor_id = t.sensor_id AND r.xid >= t.stream_position)) AS behind,
                  NOT EXISTS (SELECT 1 FROM reading r JOIN trust_state t USING (sensor_id)
                               WHERE r.sensor_id = 'k-00' AND r.xid >= t.stream_position) AS k00`,
        );
        return rows[0]!;
      };
      // Once the stream has applied every stored reading, k-00 — out of range from step 30,
      // its verdict written when it moved — is written up to its last reading, while the
      // steady sensors' rows lag (their last ten readings are in memory only).
      await caughtUp();
      await vi.waitFor(async () => expect((await state()).k00).toBe(true), { timeout: 5_000, interval: 50 });
      expect((await state()).behind).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    first.child.kill('SIGKILL');
    await first.stop();
    const second = await startServerProcess(env(d));
    procs.push(second);
    await send(second.url, 40, STEPS);
    const replayed = (await outcome(second.url)) as { id: string; trust: { status: string } }[];
    expect(replayed.filter((n) => n.id.startsWith('k-'))).toEqual(reference);
    expect(replayed.filter((n) => n.id.startsWith('q-')).map((n) => n.trust.status)).toEqual(
      steady.map(() => 'HEALTHY'),
    );
    expect(await counts(d.url!)).toEqual(clean(STEPS * SENSORS.length + 40 * steady.length));
    await second.stop();
  }, 240_000);

  it('two processes, one killed: its partitions move within seconds, the same verdicts, no reading or point doubled, no duplicate ticket', async () => {
    const d = await createTestDatabase('postgres');
    dbs.push(d);
    const p1 = await startServerProcess(env(d, { TRUST_STREAM_INTERVAL_MS: '500' }));
    procs.push(p1);
    const p2 = await startServerProcess(env(d));
    procs.push(p2);
    await register(p1.url);
    // Both hold partitions before p1 dies: each instance's lease connection (db/partition-leases.ts)
    // holds an exclusive advisory lock per partition it owns.
    const locks = new pg.Client({ connectionString: d.url! });
    await locks.connect();
    try {
      await vi.waitFor(
        async () => {
          const { rows } = await locks.query<{ holders: number }>(
            `SELECT count(DISTINCT l.pid)::int AS holders
               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.mode = 'ExclusiveLock' AND l.granted
                AND a.datname = current_database() AND a.application_name = 'sensor-trust partition leases'`,
          );
          expect(rows[0]?.holders).toBe(2);
        },
        { timeout: 15_000, interval: 50 },
      );
    } finally {
      await locks.end();
    }
    await send(p1.url, 0, 30);
    p1.child.kill('SIGKILL');
    await p1.stop();
    const killedAt = performance.now();
    await send(p2.url, 30, STEPS);
    const result = await outcome(p2.url);
    // The survivor took the dead instance's partitions and caught up, all within seconds.
    expect(performance.now() - killedAt).toBeLessThan(15_000);
    expect(result).toEqual(reference);
    expect(await counts(d.url!)).toEqual(clean(STEPS * SENSORS.length));
    await p2.stop();
  }, 240_000);
});
