// Determinism of the one-writer pipeline: one dataset (a slice of the eval generator: one
// zone of eight temperature sensors, eight hours, with a DRIFT, a STUCK and an OUT_OF_RANGE fault) ingested in many
// random batchings (within the engine's lateness bound), with random orders inside each batch,
// subsets of the sensors uploaded apart, random tick timings and stream
// settings, by one instance or by two instances sharing one PostgreSQL, gives the same trust
// states (status, score, reasons), the same trust history and the same tickets. The clock is
// fixed, so "received" and the final time-driven judgement are the same in every run.
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../src/trust/eval/prng.js';
import { generateFleet, type StreamReading } from '../src/trust/eval/fleet-generator.js';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NOW = Date.UTC(2026, 0, 6, 0, 0, 0);
const fleet = generateFleet({
  seed: 22,
  zones: 1,
  kinds: ['temperature'],
  sensorsPerGroup: [8, 8],
  faultsPerKind: 1,
  faultKinds: ['DRIFT'],
  start: NOW - 10 * 3_600_000,
  durationMs: 8 * 3_600_000,
  onsetWindow: [2.5 * 3_600_000, 3 * 3_600_000],
});
const T_FAULT = NOW - 6 * 3_600_000;
// The generator's DRIFT, plus a stuck sensor and one out of range for a while (tickets).
const readings: StreamReading[] = [...fleet.chunks(3_600_000)]
  .flatMap((c) => c.readings)
  .map((r) => {
    const t = r.ts - T_FAULT;
    if (r.sensorId.endsWith('-6') && t >= 0 && t < 3_600_000) return { ...r, value: 21.5 };
    if (r.sensorId.endsWith('-7') && t >= 0 && t < 20 * 60_000) return { ...r, value: 140 };
    return r;
  })
  .sort((a, b) => a.ts - b.ts || a.sensorId.localeCompare(b.sensorId));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function register(t: TestApp): Promise<void> {
  const zone = fleet.profiles[0]!.zoneId!;
  const sensors = fleet.profiles
    .map(
      (p, i) =>
        `s${i}: upsertSensor(input: { id: "${p.id}", name: "${p.id}", kind: "${p.kind}", unit: "${p.unit ?? ''}", zoneId: "${zone}", expectedIntervalSeconds: ${p.expectedIntervalSeconds}${p.minValue === null || p.minValue === undefined ? '' : `, minValue: ${p.minValue}`}${p.maxValue === null || p.maxValue === undefined ? '' : `, maxValue: ${p.maxValue}`} }) { id }`,
    )
    .join(' ');
  const res = await t.gql(`mutation { z: upsertZone(input: { id: "${zone}", name: "Z" }) { id } ${sensors} }`);
  expect(res.errors).toBeUndefined();
}

/**
 * The dataset in random batches (1–80 readings: within the engine's lateness bound of ten
 * minutes), shuffled inside; a third of them sent as two uploads of random subsets of the
 * sensors (a gateway per group of sensors), with random pauses and waits in between.
 */
async function feed(apps: TestApp[], rng: Rng): Promise<void> {
  const send = async (batch: StreamReading[]) => {
    const app = apps[Math.floor(rng.next() * apps.length)]!;
    const out = await app.app.services.readings.ingest(
      batch.map((r) => ({ sensorId: r.sensorId, timestamp: new Date(r.ts), value: r.value })),
    );
    expect(out.rejected).toBe(0);
    const pause = rng.next();
    if (pause < 0.1) await app.processed();
    else if (pause < 0.4) await sleep(Math.floor(rng.next() * 30));
  };
  for (let i = 0; i < readings.length;) {
    const size = 1 + Math.floor(rng.next() * 80);
    const batch = readings.slice(i, i + size);
    i += size;
    for (let k = batch.length - 1; k > 0; k--) {
      const j = Math.floor(rng.next() * (k + 1));
      [batch[k], batch[j]] = [batch[j]!, batch[k]!];
    }
    if (rng.next() < 0.33) {
      const group = new Set(fleet.profiles.filter(() => rng.next() < 0.5).map((p) => p.id));
      const first = batch.filter((r) => group.has(r.sensorId));
      const second = batch.filter((r) => !group.has(r.sensorId));
      if (first.length) await send(first);
      if (second.length) await send(second);
    } else await send(batch);
  }
}

/** What must not depend on how the data came: trust, history, tickets. */
async function outcome(t: TestApp) {
  await t.app.services.trustStream.judgeAt(null, new Date(NOW));
  const prisma = t.app.db.prisma;
  const states = await prisma.$queryRaw<unknown[]>`
    SELECT sensor_id, status::text, score, severity::text, reasons, status_since, engine_state #>> '{}' AS engine_state
      FROM trust_state ORDER BY sensor_id`;
  const history = await prisma.$queryRaw<unknown[]>`
    SELECT sensor_id, at, score, status::text, reasons::text FROM trust_point
     ORDER BY sensor_id, at, score, status, reasons::text`;
  const tickets = await prisma.$queryRaw<unknown[]>`
    SELECT sensor_id, kind::text, severity::text, status::text, opened_at, last_seen_at, recovered_at,
           resolved_at, occurrences
      FROM ticket ORDER BY sensor_id, kind, opened_at`;
  return { states, history, tickets };
}

/**
 * Stream settings of a run. A barrier waits for other instances' checkpoints, which come at
 * least once per TRUST_CHECKPOINT_MS: two instances run with short ones.
 */
function settings(rng: Rng, instances: number): Record<string, string> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  return {
    TRUST_STREAM_INTERVAL_MS: pick(['0', '20', '200']),
    TRUST_CHECKPOINT_MS: pick(instances === 1 ? ['0', '1000', '600000'] : ['0', '300', '1000']),
    TRUST_STREAM_BATCH: pick(['100', '700', '20000']),
    TRUST_LEASE_CHECK_MS: '100',
  };
}

describe.each(TARGETS)('trust determinism on %s', (target) => {
  const open: TestApp[] = [];
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    for (const d of dbs) await d.drop().catch(() => undefined);
  });

  async function run(seed: number, instances: number) {
    const rng = createRng(seed);
    const env = settings(rng, instances);
    const apps: TestApp[] = [];
    if (instances === 1) apps.push(await startTestApp(target, { now: () => new Date(NOW), env }));
    else {
      const db = await createTestDatabase(target);
      dbs.push(db);
      for (let k = 0; k < instances; k++)
        apps.push(await startTestApp(target, { now: () => new Date(NOW), env, database: db }));
    }
    open.push(...apps);
    await register(apps[0]!);
    await feed(apps, rng);
    for (const a of apps) await a.processed();
    const result = await outcome(apps[0]!);
    for (const a of apps) {
      await a.close();
      open.splice(open.indexOf(a), 1);
    }
    return result;
  }

  it('one dataset in random batchings, tick timings and instances gives the same trust, history and tickets', async () => {
    const reference = await run(1, 1);
    // The dataset opens tickets and moves trust, so the comparison covers them.
    expect(reference.tickets.length).toBeGreaterThan(0);
    expect(reference.history.length).toBeGreaterThan(fleet.profiles.length);
    const seeds = [2, 3];
    for (const seed of seeds) expect(await run(seed, 1), `seed ${seed}, one instance`).toEqual(reference);
    if (target === 'postgres')
      for (const seed of [5, 6]) expect(await run(seed, 2), `seed ${seed}, two instances`).toEqual(reference);
  }, 300_000);
});
