// A stored engine state the running build cannot restore (a newer layout after a rollback,
// a corrupt row, a version with no upgrade path) through the real app and database: the
// sensor starts over and is judged as a new one, and the reset is never silent — one
// warning with the sensor, the stored version and the reason, and
// sensor_trust_state_resets_total{reason} on the real /metrics endpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_RESET_REASONS, STATE_VERSION } from '../src/trust/index.js';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T00:00:00.000Z');
const MIN = 60_000;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates rejected } }`;
const SENSORS = ['newer', 'garbage', 'orphan', 'fine'];

/** `count` healthy readings of a sensor, one a minute from minute `from`. */
const readings = (sensorId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    sensorId,
    timestamp: new Date(T0 + (from + i) * MIN).toISOString(),
    value: 21 + 0.5 * Math.sin((from + i) / 7),
  }));

interface LogLine {
  level: number;
  msg: string;
  sensorId?: string;
  storedVersion?: number | null;
  reason?: string;
}

describe.each(TARGETS)('trust state resets on %s', (target) => {
  const now = () => new Date(T0 + 3 * 60 * MIN);
  let database: TestDatabase;
  let dataDir: string;
  let t: TestApp;
  let url: string;
  const lines: LogLine[] = [];

  const start = async () => {
    t = await startTestApp(target, {
      database,
      now,
      inMemoryDatabase: false,
      env: { DATA_DIR: dataDir },
      logger: { level: 'warn', stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } },
    });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  };
  const ingest = async (r: ReturnType<typeof readings>) => {
    const res = await t.gql(INGEST, { r });
    expect(res.errors).toBeUndefined();
    expect(res.data!.ingestReadings).toEqual({ accepted: r.length, duplicates: 0, rejected: 0 });
    await t.processed();
  };
  /** The stored engine state's JSON text of a sensor. */
  const stored = async (sensorId: string) => {
    const rows = await t.app.db.prisma.$queryRaw<
      { es: string | null }[]
    >`SELECT engine_state #>> '{}' AS es FROM trust_state WHERE sensor_id = ${sensorId}`;
    return rows[0]!.es;
  };
  /** Writes a sensor's stored engine state as the data layer does (a jsonb string of the JSON text). */
  const overwrite = async (sensorId: string, text: string) => {
    const n = await t.app.db.prisma
      .$executeRaw`UPDATE trust_state SET engine_state = to_jsonb(${text}::text), version = version + 1 WHERE sensor_id = ${sensorId}`;
    expect(n).toBe(1);
  };
  const trustOf = async (id: string) => {
    const res = await t.gql<{ sensor: { trust: { status: string } } }>(
      `query($id: ID!) { sensor(id: $id) { trust { status } } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.sensor.trust.status;
  };
  /** sensor_trust_state_resets_total by reason, scraped from the listening app's /metrics. */
  const resetsOnMetrics = async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const out: Record<string, number> = {};
    for (const m of (await res.text()).matchAll(/^sensor_trust_state_resets_total\{reason="([^"]*)"\} (\S+)$/gm))
      out[m[1]!] = Number(m[2]);
    return out;
  };
  /** The warnings about resets, by sensor id (the stream loads sensors in partition order). */
  const resetLines = () =>
    lines
      .filter((l) => l.reason !== undefined && l.level === 40)
      .sort((a, b) => String(a.sensorId).localeCompare(String(b.sensorId)));

  beforeAll(async () => {
    database = await createTestDatabase(target);
    dataDir = await mkdtemp(join(tmpdir(), 'trust-reset-test-'));
    await start();
    for (const id of SENSORS) {
      const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', unit: '°C', minValue: -20, maxValue: 60, expectedIntervalSeconds: 60 },
      });
      expect(res.errors).toBeUndefined();
    }
    // An hour of healthy readings: every sensor has learned a state and is HEALTHY.
    await ingest(SENSORS.flatMap((id) => readings(id, 0, 60)));
    for (const id of SENSORS) expect(await trustOf(id)).toBe('HEALTHY');
    // A restart (the stream's final checkpoint writes every state), so nothing is held in memory.
    await t.close();
    await start();
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts a sensor whose stored state it cannot restore over, logs it once and counts it by reason on /metrics', async () => {
    expect(await resetsOnMetrics()).toEqual(Object.fromEntries(STATE_RESET_REASONS.map((r) => [r, 0])));
    // 'newer' as a newer build would have written it (read after a rollback); 'garbage' is not JSON;
    // 'orphan' claims a version this build has no upgrade step for. 'fine' keeps its state.
    const learned = JSON.parse((await stored('newer'))!) as { v: number; n: number };
    expect([learned.v, learned.n]).toEqual([STATE_VERSION, 60]);
    await overwrite('newer', JSON.stringify({ ...learned, v: STATE_VERSION + 1 }));
    await overwrite('garbage', '{"v": 6, "n": 6');
    await overwrite('orphan', JSON.stringify({ ...learned, v: 0 }));
    // No assertion that nothing is logged yet: the owner's time-driven judgement (OFFLINE as the
    // clock moves) may load a sensor's state before the readings below do; either way it resets
    // once, which the counts below check.

    // Ten more minutes of readings for the stream path (newer, garbage, fine); the sweep path for orphan.
    await ingest(['newer', 'garbage', 'fine'].flatMap((id) => readings(id, 60, 10)));
    expect(await t.app.services.trustStream.judgeAt(['orphan'], now())).toBe(1);

    expect(await resetsOnMetrics()).toEqual({
      malformed: 1,
      'unknown-version': 1,
      'newer-version': 1,
      'upgrade-failed': 0,
    });
    expect(
      resetLines().map(({ sensorId, storedVersion, reason, msg }) => ({
        sensorId,
        storedVersion,
        reason,
        startsOver: msg.includes("the sensor's learned state starts over") && msg.includes(`sensor ${sensorId}`),
      })),
    ).toEqual([
      { sensorId: 'garbage', storedVersion: null, reason: 'malformed', startsOver: true },
      { sensorId: 'newer', storedVersion: STATE_VERSION + 1, reason: 'newer-version', startsOver: true },
      { sensorId: 'orphan', storedVersion: 0, reason: 'unknown-version', startsOver: true },
    ]);

    // Judged again from a fresh state: the reset sensors' stored states count only the readings
    // since (10); 'fine' kept what it had learned (70). Their verdicts are the engine's, not UNKNOWN.
    const counts = async (id: string) => JSON.parse((await stored(id))!) as { v: number; n: number };
    expect(await counts('newer')).toMatchObject({ v: STATE_VERSION, n: 10 });
    expect(await counts('garbage')).toMatchObject({ v: STATE_VERSION, n: 10 });
    expect(await counts('fine')).toMatchObject({ v: STATE_VERSION, n: 70 });
    expect(await counts('orphan')).toMatchObject({ v: STATE_VERSION, n: 0 });
    expect([await trustOf('newer'), await trustOf('garbage'), await trustOf('fine')]).toEqual([
      'HEALTHY',
      'HEALTHY',
      'HEALTHY',
    ]);

    // The fresh states were written: more readings restore them without another reset.
    await ingest(['newer', 'garbage'].flatMap((id) => readings(id, 70, 5)));
    expect(await counts('newer')).toMatchObject({ n: 15 });
    expect((await resetsOnMetrics()).malformed).toBe(1);
    expect(resetLines()).toHaveLength(3);
  });
});
