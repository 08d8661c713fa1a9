// MQTT ingestion against the real broker (Mosquitto on 127.0.0.1:1883 here; MQTT_TEST_URL
// to point elsewhere). Skips with a message when no broker answers. Every test uses
// topics and client ids of its own.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const BROKER = process.env.MQTT_TEST_URL || 'mqtt://127.0.0.1:1883';

async function brokerReachable(): Promise<boolean> {
  try {
    const probe = await mqtt.connectAsync(BROKER, { connectTimeout: 2000, reconnectPeriod: 0 });
    await probe.endAsync();
    return true;
  } catch {
    return false;
  }
}
const reachable = await brokerReachable();
if (!reachable) console.warn(`No MQTT broker at ${BROKER}: MQTT tests are skipped (apt-get install mosquitto).`);

interface ErrorsMessage {
  topic: string;
  errors: { index: number; sensorId: string | null; code: string; message: string }[];
}

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const at = (minutesBefore: number) => new Date(NOW - minutesBefore * 60_000).toISOString();

/** Readings stored for a sensor. */
async function storedCount(t: TestApp, sensorId: string): Promise<number> {
  const rows = await t.app.db.prisma.$queryRaw<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM reading WHERE sensor_id = ${sensorId}`;
  return rows[0]!.n;
}

/** A publisher that also collects what the server reports on the errors topic. */
async function publisherWithErrors(
  clientId: string,
  errorsTopic: string,
  errors: ErrorsMessage[],
  options: { protocolVersion?: 5 } = {},
): Promise<MqttClient> {
  const publisher = await mqtt.connectAsync(BROKER, { clientId, ...options });
  await publisher.subscribeAsync(errorsTopic, { qos: 1 });
  publisher.on('message', (topic, payload) => {
    if (topic === errorsTopic) errors.push(JSON.parse(payload.toString()) as ErrorsMessage);
  });
  return publisher;
}

describe.runIf(reachable).each(TARGETS)('MQTT ingestion on %s', (target) => {
  const prefix = `st-test-${randomBytes(4).toString('hex')}`;
  const env = {
    MQTT_URL: BROKER,
    MQTT_TOPIC: `${prefix}/+/readings`,
    MQTT_ERRORS_TOPIC: `${prefix}/errors`,
    MQTT_CLIENT_ID: `${prefix}-server`,
  };
  let t: TestApp;
  let database: TestDatabase;
  let dataDir: string;
  // On disk (PGlite) or a database of its own (PostgreSQL) that outlives an app: the last test restarts it.
  const start = () =>
    startTestApp(target, {
      now: () => new Date(NOW),
      env: { ...env, DATA_DIR: dataDir },
      database,
      inMemoryDatabase: false,
    });
  let publisher: MqttClient;
  const errors: ErrorsMessage[] = [];
  const stored = (sensorId: string) => storedCount(t, sensorId);
  const publish = (sensor: string, body: unknown) =>
    publisher.publishAsync(`${prefix}/${sensor}/readings`, typeof body === 'string' ? body : JSON.stringify(body), {
      qos: 1,
    });

  beforeAll(async () => {
    database = await createTestDatabase(target);
    dataDir = await mkdtemp(join(tmpdir(), 'st-mqtt-'));
    t = await start();
    await t.app.mqtt!.subscribed;
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) {
      const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', minValue: -20, maxValue: 60 },
      });
      expect(res.errors).toBeUndefined();
    }
    publisher = await publisherWithErrors(`${prefix}-publisher`, env.MQTT_ERRORS_TOPIC, errors);
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await t?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores a single reading and a batch from the topic the sensor id is taken from', async () => {
    await publish('m1', { timestamp: at(10), value: 21.5 });
    await publish('m1', [
      { timestamp: at(9), value: 21.6 },
      { timestamp: at(8), value: 21.7 },
    ]);
    await vi.waitFor(async () => expect(await stored('m1')).toBe(3), { timeout: 10_000, interval: 100 });
    const res = await t.gql(`{ sensor(id: "m1") { readings(last: 5) { value } } }`);
    expect(res.data!.sensor.readings.map((r: { value: number }) => r.value)).toEqual([21.5, 21.6, 21.7]);
  });

  it('stores the good items of a batch and publishes the rejected ones to the errors topic, counted in /metrics', async () => {
    await publish('m2', [
      { timestamp: at(7), value: 20 },
      { timestamp: at(6), value: 'NaN' },
      { timestamp: 'yesterday', value: 20 },
      { timestamp: at(5), value: 21 },
    ]);
    await publish('ghost', { timestamp: at(5), value: 1 });
    await publish('m2', 'not json');
    await vi.waitFor(() => expect(errors).toHaveLength(3), { timeout: 10_000, interval: 100 });
    expect(await stored('m2')).toBe(2);
    expect(errors[0]).toEqual({
      topic: `${prefix}/m2/readings`,
      errors: [
        { index: 1, sensorId: 'm2', code: 'INVALID_VALUE', message: 'value must be a finite number, got "NaN"' },
        { index: 2, sensorId: 'm2', code: 'INVALID_TIMESTAMP', message: 'timestamp is not a valid date' },
      ],
    });
    expect(errors[1]!.errors.map((e) => [e.sensorId, e.code])).toEqual([['ghost', 'UNKNOWN_SENSOR']]);
    expect(errors[2]!.errors.map((e) => e.code)).toEqual(['INVALID_JSON']);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    for (const code of ['INVALID_VALUE', 'INVALID_TIMESTAMP', 'UNKNOWN_SENSOR', 'INVALID_JSON'])
      expect(metrics).toMatch(new RegExp(`sensor_trust_mqtt_readings_total\\{outcome="rejected",code="${code}"\\} 1`));
    expect(metrics).toMatch(/sensor_trust_mqtt_readings_total\{outcome="accepted"\} 5/);
    expect(metrics).toMatch(/sensor_trust_mqtt_messages_total\{outcome="refused"\} 1/);
  });

  it('takes a sensor id with "/" from the topic levels between the pattern\'s ends, and ignores other topics', async () => {
    const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: { id: 'loading-dock/t1', name: 'dock t1', kind: 'temperature', minValue: -20, maxValue: 60 },
    });
    expect(res.errors).toBeUndefined();
    const before = errors.length;
    await publish('loading-dock/t1', { timestamp: at(10), value: 4.5 });
    await publisher.publishAsync(`${prefix}/loading-dock/t1/status`, '"not a reading"', { qos: 1 });
    await publish('loading-dock/t1', { timestamp: at(11), value: 4.6 });
    // Messages are handled in order: once the second reading is stored, the status message was handled.
    await vi.waitFor(async () => expect(await stored('loading-dock/t1')).toBe(2), { timeout: 10_000, interval: 100 });
    // The status message was no reading: nothing stored, nothing reported.
    expect(errors.length).toBe(before);
  });

  it('does not acknowledge a message whose readings could not be stored for want of a database: the broker delivers it again', async () => {
    // The database failing for one batch, stood in for by the service throwing once.
    const service = t.app.services.readings;
    const real = service.ingest.bind(service);
    let failures = 0;
    service.ingest = async (items) => {
      if (failures++ === 0)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return real(items);
    };
    try {
      await publish('m2', { timestamp: at(4.5), value: 19 });
      await vi.waitFor(async () => expect(await stored('m2')).toBe(3), { timeout: 15_000, interval: 100 });
      expect(failures).toBe(2);
      const metrics = (await t.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/sensor_trust_mqtt_messages_total\{outcome="failed"\} 1/);
    } finally {
      service.ingest = real;
    }
  });

  it('refuses a timestamp out of range and a value nested 20,000 levels deep per item, and stores every message behind them', async () => {
    errors.length = 0;
    // (Written out by hand: JSON.stringify itself overflows the stack at this depth.)
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    // PostgreSQL refused this one ("timestamp out of range"): redelivered for ever, the rest lost.
    await publish('m3', { timestamp: '-005000-01-01T00:00:00Z', value: 1 });
    await publish(
      'm3',
      `[{"timestamp":"+275000-01-01T00:00:00Z","value":1},` +
        `{"timestamp":"${at(2)}","value":${deep}},{"timestamp":-1,"value":1}]`,
    );
    for (let i = 0; i < 20; i++) await publish('m3', { timestamp: at(60 + i), value: i });
    await vi.waitFor(async () => expect(await stored('m3')).toBe(20), { timeout: 15_000, interval: 100 });
    await vi.waitFor(() => expect(errors).toHaveLength(2), { timeout: 10_000, interval: 100 });
    expect(errors.map((m) => m.errors.map((e) => [e.index, e.code]))).toEqual([
      [[0, 'INVALID_TIMESTAMP']],
      [
        [0, 'FUTURE_TIMESTAMP'],
        [1, 'INVALID_VALUE'],
        [2, 'INVALID_TIMESTAMP'],
      ],
    ]);
    expect(errors[0]!.errors[0]!.message).toBe(
      'timestamp -005000-01-01T00:00:00.000Z is before 1970-01-01T00:00:00.000Z, the earliest a reading may carry',
    );
    expect(errors[1]!.errors[1]!.message).toBe('value must be a finite number, got [[[[…]]]]');
  });

  it('acknowledges and reports as NOT_STORED a message that fails for any other reason, and stores the ones behind it', async () => {
    errors.length = 0;
    const service = t.app.services.readings;
    const real = service.ingest.bind(service);
    let calls = 0;
    service.ingest = async (items) => {
      if (calls++ === 0) throw new Error('a fault that would come back on every redelivery');
      return real(items);
    };
    try {
      await publish('m3', { timestamp: at(90), value: 1 });
      await publish('m3', { timestamp: at(91), value: 2 });
      await vi.waitFor(async () => expect(await stored('m3')).toBe(21), { timeout: 10_000, interval: 100 });
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000, interval: 100 });
      expect(errors[0]!.errors.map((e) => [e.sensorId, e.code])).toEqual([['m3', 'NOT_STORED']]);
      await new Promise((r) => setTimeout(r, 500));
      expect(calls).toBe(2); // not delivered again
      const metrics = (await t.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/sensor_trust_mqtt_messages_total\{outcome="dropped"\} 1/);
    } finally {
      service.ingest = real;
    }
  });

  // Each message is stored before the next is taken (its PUBACK follows the commit), so a
  // burst waits in the broker: Mosquitto keeps max_inflight_messages (20) in flight and
  // queues max_queued_messages (1000) more per session, and drops the rest.
  it('stores in full a QoS 1 burst within the broker queue limit (1,000 messages)', async () => {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => publish('m4', { timestamp: at(2000 - i / 100), value: i })),
    );
    const published = Date.now() - started;
    await vi.waitFor(async () => expect(await stored('m4')).toBe(1000), { timeout: 120_000, interval: 250 });
    console.log(
      `MQTT burst (${target}): 1000 published in ${published} ms, all stored after ${Date.now() - started} ms`,
    );
  }, 150_000);

  // A flood beyond it: whatever is not stored was dropped by the broker, and /metrics says so.
  it.runIf(target === 'pglite')(
    'accounts for every message of a 5,000-message QoS 1 flood: stored, or counted as dropped by the broker',
    async () => {
      const dropped = async () => {
        const metrics = (await t.app.inject({ url: '/metrics' })).body;
        const m = /^sensor_trust_mqtt_broker_dropped_messages (\d+)/m.exec(metrics);
        return m ? Number(m[1]) : null;
      };
      // Mosquitto's $SYS figures are retained: the gauge is set soon after subscribing.
      await vi.waitFor(async () => expect(await dropped()).not.toBeNull(), { timeout: 15_000, interval: 200 });
      const droppedBefore = (await dropped())!;
      const flood = 5000;
      await Promise.all(
        Array.from({ length: flood }, (_, i) => publish('m5', { timestamp: at(3000 - i / 100), value: i })),
      );
      // Until the queue has drained (nothing new for 3 s) and the broker has published its count since.
      let last = -1;
      let still = 0;
      while (still < 12) {
        await new Promise((r) => setTimeout(r, 250));
        const n = await stored('m5');
        still = n === last ? still + 1 : 0;
        last = n;
      }
      // The broker publishes its count every sys_interval (10 s): wait for it, no longer.
      let droppedNow = 0;
      await vi.waitFor(
        async () => {
          droppedNow = (await dropped())! - droppedBefore;
          expect(last + droppedNow).toBeGreaterThanOrEqual(flood);
        },
        { timeout: 15_000, interval: 250 },
      );
      console.log(`MQTT flood (${target}): ${flood} published, ${last} stored, ${droppedNow} dropped by the broker`);
    },
    180_000,
  );

  it('gets the QoS 1 messages published while it was down once it is back (persistent session)', async () => {
    await t.close();
    await publish('m1', { timestamp: at(4), value: 22 });
    await publish('m1', { timestamp: at(3), value: 23 });
    t = await start();
    await t.app.mqtt!.subscribed;
    await vi.waitFor(async () => expect(await stored('m1')).toBe(5), { timeout: 10_000, interval: 100 });
  });
});

// MQTT_REQUIRE_KEY: the same API keys as HTTP, in the MQTT v5 user property `authorization`.
// Auth does not depend on the database kind: the embedded one only.
describe.runIf(reachable)('MQTT ingestion with MQTT_REQUIRE_KEY', () => {
  const prefix = `st-key-${randomBytes(4).toString('hex')}`;
  let t: TestApp;
  let publisher: MqttClient;
  const errors: ErrorsMessage[] = [];
  const keys: Record<string, string> = {};
  const stored = (sensorId: string) => storedCount(t, sensorId);
  const publish = (sensor: string, body: unknown, authorization?: string) =>
    publisher.publishAsync(`${prefix}/${sensor}/readings`, JSON.stringify(body), {
      qos: 1,
      properties: authorization === undefined ? {} : { userProperties: { authorization } },
    });

  beforeAll(async () => {
    t = await startTestApp('pglite', {
      now: () => new Date(NOW),
      env: {
        MQTT_URL: BROKER,
        MQTT_TOPIC: `${prefix}/+/readings`,
        MQTT_ERRORS_TOPIC: `${prefix}/errors`,
        MQTT_CLIENT_ID: `${prefix}-server`,
        MQTT_REQUIRE_KEY: 'true',
      },
    });
    await t.app.mqtt!.subscribed;
    // Registered while the server is still open (no key yet), then keys make it require one.
    const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: { id: 'k1', name: 'k1', kind: 'temperature', minValue: -20, maxValue: 60 },
    });
    expect(res.errors).toBeUndefined();
    for (const role of ['INTEGRATOR', 'VIEWER', 'ADMIN'] as const) {
      keys[role] = (await t.app.services.auth.create(`mqtt-${role.toLowerCase()}`, role)).key;
    }
    const revoked = await t.app.services.auth.create('mqtt-old', 'INTEGRATOR');
    await t.app.services.auth.revoke(revoked.apiKey.id);
    keys.REVOKED = revoked.key;
    publisher = await publisherWithErrors(`${prefix}-publisher`, `${prefix}/errors`, errors, { protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await t?.close();
  });

  it('stores a message whose key may ingest and refuses, whole and coded, one without a key, with a bad one or with a role that may not ingest', async () => {
    await publish('k1', { timestamp: at(10), value: 1 }); // no key
    await publish('k1', { timestamp: at(9), value: 2 }, 'Bearer st_not-a-key');
    await publish('k1', { timestamp: at(8), value: 3 }, `Bearer ${keys.REVOKED}`);
    await publish('k1', { timestamp: at(7), value: 4 }, `Bearer ${keys.VIEWER}`);
    await publish('k1', [{ timestamp: at(6), value: 5 }], `Bearer ${keys.INTEGRATOR}`);
    await publish('k1', { timestamp: at(5), value: 6 }, keys.ADMIN); // a bare key is accepted too
    await vi.waitFor(() => expect(errors).toHaveLength(4), { timeout: 10_000, interval: 100 });
    await vi.waitFor(async () => expect(await stored('k1')).toBe(2), { timeout: 10_000, interval: 100 });
    expect(errors.map((e) => e.errors.map((x) => [x.sensorId, x.code, x.message]))).toEqual([
      [['k1', 'UNAUTHENTICATED', 'An API key is required: send it in the MQTT v5 user property "authorization"']],
      [['k1', 'UNAUTHENTICATED', 'The API key is not valid: send it in the MQTT v5 user property "authorization"']],
      [['k1', 'UNAUTHENTICATED', 'The API key has been revoked: send it in the MQTT v5 user property "authorization"']],
      [['k1', 'FORBIDDEN', 'The API key "mqtt-viewer" (role VIEWER) may not ingest readings']],
    ]);
    const values = await t.app.db.prisma.$queryRaw<
      { value: number }[]
    >`SELECT value FROM reading WHERE sensor_id = 'k1' ORDER BY ts`;
    expect(values.map((r) => r.value)).toEqual([5, 6]);
    const metrics = (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${keys.ADMIN}` } })).body;
    expect(metrics).toMatch(/sensor_trust_mqtt_messages_total\{outcome="refused"\} 4/);
    expect(metrics).toMatch(/sensor_trust_auth_failures_total\{reason="forbidden"\} 1/);
  });
});
