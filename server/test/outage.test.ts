// PostgreSQL goes away mid-traffic and comes back: a throwaway cluster of the test's
// own (initdb + pg_ctl under a temp directory, port 55432), the real server process,
// four clients ingesting. While the database is down, ingestion answers
// SERVICE_UNAVAILABLE (HTTP 503) and /readyz 503; the process stays up; once the
// cluster is back the service recovers by itself (ingest, the trust stream, a live
// subscription); every acknowledged reading is stored, none twice. Skips with a
// message without PostgreSQL's server binaries.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, wsClient } from './support/graphql-ws-client.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { startThrowawayCluster, throwawayPostgresUsable, type ThrowawayCluster } from './support/throwaway-postgres.js';

const PORT = 55432;

function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

if (!throwawayPostgresUsable)
  console.warn('No PostgreSQL server binaries (initdb, pg_ctl) usable here: the outage test is skipped.');

const INGEST = 'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted duplicates } }';
const SENSORS = Array.from({ length: 8 }, (_, i) => `o${i}`);

describe.runIf(throwawayPostgresUsable)('PostgreSQL away and back, mid-traffic', () => {
  let cluster: ThrowawayCluster;
  let server: ServerProcess;
  const pgStart = () => cluster.start();
  const pgStop = () => cluster.stop();
  const url = `postgres://postgres@127.0.0.1:${PORT}/outage`;

  beforeAll(async () => {
    cluster = await startThrowawayCluster(PORT);
    await cluster.createDatabase('outage');
    server = await startServerProcess({
      DATABASE_URL: url,
      DB_POOL_SIZE: '4',
      SWEEP_INTERVAL_SECONDS: '0',
      LOG_REQUESTS: 'false',
      GRAPHIQL: 'false',
      TRUST_LEASE_CHECK_MS: '300',
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await cluster?.remove();
  });

  const post = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data: any; errors?: any[] } };
  };
  const ready = async () => (await fetch(`${server.url}/readyz`)).status;

  it('answers SERVICE_UNAVAILABLE (503) while it is gone, recovers by itself, loses no acknowledged reading', async () => {
    const registered = await post(
      `mutation { z: upsertZone(input: { id: "oz", name: "O" }) { id } ${SENSORS.map((id, i) => `s${i}: upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature", zoneId: "oz", minValue: -20, maxValue: 60 }) { id }`).join(' ')} }`,
    );
    expect(registered.body.errors).toBeUndefined();
    const ws = wsClient(server.url, { retryAttempts: 0 });
    const live = collect<{ readingAdded: { sensorId: string; value: number } }>(
      ws,
      'subscription { readingAdded(sensorId: "o0") { sensorId value } }',
    );

    // Four clients, each reading unique: (sensor, second) from a counter of its own.
    const base = Date.now() - 3_600_000;
    const acknowledged: string[] = [];
    const failures: { status: number; codes: string[] }[] = [];
    const transportErrors: string[] = [];
    let stop = false;
    let sent = 0;
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const items = SENSORS.map((sensorId) => ({
          sensorId,
          timestamp: new Date(base + (n * 4 + c) * 1000).toISOString(),
          value: 20 + c + (n % 10) / 10,
        }));
        sent++;
        try {
          const res = await post(INGEST, { r: items });
          if (!res.body.errors && res.body.data?.ingestReadings.accepted === items.length) {
            acknowledged.push(...items.map((i) => `${i.sensorId}@${i.timestamp}`));
          } else {
            failures.push({ status: res.status, codes: (res.body.errors ?? []).map((e) => e.extensions?.code) });
            await new Promise((r) => setTimeout(r, 50));
          }
        } catch (err) {
          transportErrors.push(String((err as Error).cause ?? err));
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);

    await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThanOrEqual(40 * SENSORS.length), {
      timeout: 60_000,
      interval: 50,
    });
    pgStop();
    const ackedAtStop = acknowledged.length;
    // Down: coded refusals and a not-ready probe, the process up.
    await vi
      .waitFor(() => expect(failures.length).toBeGreaterThanOrEqual(20), { timeout: 60_000, interval: 50 })
      .catch((err: unknown) => {
        console.log(`sent ${sent}, transport errors ${transportErrors.length}\n${server.output().slice(-4000)}`);
        throw err;
      });
    await vi.waitFor(async () => expect(await ready()).toBe(503), { timeout: 30_000, interval: 200 });
    const readyBody = (await (await fetch(`${server.url}/readyz`)).json()) as { database: string };
    expect(readyBody.database).toBe('down');
    expect(server.child.exitCode).toBeNull();

    pgStart();
    // Back: ready again and ingesting again, without a restart.
    await vi.waitFor(async () => expect(await ready()).toBe(200), { timeout: 60_000, interval: 200 });
    const ackedAtRestart = acknowledged.length;
    await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThanOrEqual(ackedAtRestart + 40 * SENSORS.length), {
      timeout: 60_000,
      interval: 50,
    });
    stop = true;
    await Promise.all(clients);

    console.log(
      `outage: ${sent} batches sent, ${acknowledged.length / SENSORS.length} acknowledged (${ackedAtStop / SENSORS.length} before the stop), ` +
        `${failures.length} refused while down: ${JSON.stringify(tally(failures.map((f) => `${f.status} ${f.codes.join(',')}`)))}`,
    );
    expect(transportErrors).toEqual([]);
    for (const f of failures) {
      expect(f.status).toBe(503);
      expect(f.codes).toEqual(['SERVICE_UNAVAILABLE']);
    }

    // Every acknowledged reading stored, none twice.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ key: string }>(
        `SELECT sensor_id || '@' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key FROM reading`,
      );
      const stored = new Set(rows.map((r) => r.key));
      expect(stored.size).toBe(rows.length);
      expect(acknowledged.filter((k) => !stored.has(k))).toEqual([]);
    } finally {
      await db.end();
    }

    // The trust stream caught up (evaluateTrust waits for it) and the subscription still delivers.
    const barrier = await post('mutation { evaluateTrust(sensorIds: []) }');
    expect(barrier.body.errors).toBeUndefined();
    const seen = live.items.length;
    const after = await post(INGEST, {
      r: [{ sensorId: 'o0', timestamp: new Date(base - 1000).toISOString(), value: 42 }],
    });
    expect(after.body.errors).toBeUndefined();
    await vi.waitFor(() => expect(live.items.slice(seen).some((i) => i.readingAdded.value === 42)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    live.dispose();
    await ws.dispose();
    expect(server.child.exitCode).toBeNull();
  }, 300_000);
});
