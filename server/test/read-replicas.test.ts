// Read replicas on real streaming replication: a throwaway primary (initdb) and a replica
// of it (pg_basebackup -R), both of the test's own, since the local cluster allows no
// replication connections. Lag-tolerant reads go to the replica, writes and a mutation's
// own result to the primary; a replica stopped under load is skipped with no error seen
// by any client (the primary serves), /readyz and /metrics say so, and once it is back it
// serves again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { startThrowawayCluster, throwawayPostgresUsable, type ThrowawayCluster } from './support/throwaway-postgres.js';

if (!throwawayPostgresUsable)
  console.warn('read-replica test skipped: no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) usable here');

const PRIMARY_PORT = 55462;
const REPLICA_PORT = 55463;
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`;
const READS = `{
  dashboardSummary { sensorCount }
  zoneStats { zoneId sensorCount }
  sensors(filter: { search: "rr" }, first: 5) { totalCount }
  sensor(id: "rr0") { trustHistory { at score } }
}`;

describe.runIf(throwawayPostgresUsable)('read replicas on real streaming replication', () => {
  let primary: ThrowawayCluster;
  let replica: ThrowawayCluster;
  let t: TestApp;
  let at = Date.now() - 3_600_000;

  const replicaStats = () => t.app.db.reads.replicas()[0]!;
  const readyz = async () =>
    (await t.app.inject({ method: 'GET', url: '/readyz' })).json<{
      readReplicas: { name: string; up: boolean; lagMs: number | null }[];
    }>();
  const until = async (ok: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const ingest = async () => {
    at += 1_000; // a reading a second: the loop below never runs into the future
    const r = Array.from({ length: 5 }, (_, i) => ({
      sensorId: `rr${i}`,
      timestamp: new Date(at).toISOString(),
      value: 20 + i,
    }));
    const res = await t.gqlNow<{ ingestReadings: { accepted: number } }>(INGEST, { r });
    expect(res.errors).toBeUndefined();
    expect(res.data?.ingestReadings.accepted).toBe(5);
  };

  beforeAll(async () => {
    primary = await startThrowawayCluster(PRIMARY_PORT);
    await primary.createDatabase('rr');
    replica = primary.replica(REPLICA_PORT);
    const database: TestDatabase = { kind: 'postgres', url: primary.url('rr'), drop: async () => {} };
    t = await startTestApp('postgres', {
      database,
      env: {
        DATABASE_READ_URL: replica.url('rr'),
        READ_REPLICA_CHECK_MS: '100',
        READ_REPLICA_MAX_LAG_MS: '2000',
        DASHBOARD_CACHE_TTL_SECONDS: '0',
      },
    });
    const zone = await t.gqlNow(`mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }`);
    expect(zone.errors).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      const res = await t.gqlNow(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "temperature", zoneId: "z" }) { id } }`,
        { id: `rr${i}`, name: `rr${i}` },
      );
      expect(res.errors).toBeUndefined();
    }
    for (let n = 0; n < 5; n++) await ingest();
    await t.processed();
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    await primary?.remove();
  }, 60_000);

  it('sends lag-tolerant reads to the replica and writes to the primary', async () => {
    await until(async () => (await readyz()).readReplicas[0]?.up === true, 10_000);
    // The replica has replayed the registry: the figures are the primary's.
    await until(
      async () =>
        (await t.gqlNow<{ dashboardSummary: { sensorCount: number } }>(READS)).data?.dashboardSummary.sensorCount === 5,
      10_000,
    );
    const before = { replica: replicaStats().reads, primary: t.app.db.reads.primaryReads() };
    const res = await t.gqlNow<{ dashboardSummary: { sensorCount: number }; sensors: { totalCount: number } }>(READS);
    expect(res.errors).toBeUndefined();
    expect(res.data?.sensors.totalCount).toBe(5);
    // summary, zone stats, search list + count: all on the replica (trust history is batched
    // by a loader on the primary, under the API statement timeout)
    expect(replicaStats().reads - before.replica).toBeGreaterThanOrEqual(4);
    expect(t.app.db.reads.primaryReads()).toBe(before.primary);

    // A sensor's series (raw readings here) is read there too, with every reading counted.
    const beforeSeries = replicaStats().reads;
    const series = await t.gqlNow<{ sensor: { series: { count: number }[] } }>(
      `query($from: DateTime!, $to: DateTime!) { sensor(id: "rr1") { series(from: $from, to: $to, points: 10) { count } } }`,
      { from: new Date(at - 3_600_000).toISOString(), to: new Date(at + 1_000).toISOString() },
    );
    expect(series.errors).toBeUndefined();
    expect(series.data?.sensor.series.reduce((n, p) => n + p.count, 0)).toBe(5);
    expect(replicaStats().reads).toBeGreaterThan(beforeSeries);
    expect(t.app.db.reads.primaryReads()).toBe(before.primary);

    // A mutation and its own result never touch the replica.
    const mid = replicaStats().reads;
    const upsert = await t.gqlNow<{ upsertSensor: { id: string; trust: { status: string } } }>(
      `mutation { upsertSensor(input: { id: "rr0", name: "renamed", kind: "temperature", zoneId: "z" }) { id name trust { status } } }`,
    );
    expect(upsert.errors).toBeUndefined();
    expect(replicaStats().reads).toBe(mid);

    const lag = (await readyz()).readReplicas[0]!;
    expect(lag.lagMs).not.toBeNull();
    expect(lag.lagMs!).toBeLessThan(2000);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/sensor_trust_read_replica_up\{replica="replica0"\} 1/);
    expect(metrics).toMatch(/sensor_trust_routed_reads_total\{target="replica0"\} [1-9]/);
  }, 60_000);

  it('skips a replica stopped under load with no error to any client, and uses it again once it is back', async () => {
    let stop = false;
    const errors: unknown[] = [];
    let answered = 0;
    const load = (async () => {
      while (!stop) {
        const [r] = await Promise.all([t.gqlNow(READS), ingest()]);
        if (r.errors) errors.push(...r.errors);
        else answered++;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    replica.stop();
    await until(async () => (await readyz()).readReplicas[0]?.up === false, 5_000);
    const primaryBefore = t.app.db.reads.primaryReads();
    await new Promise((r) => setTimeout(r, 1000));
    expect(t.app.db.reads.primaryReads()).toBeGreaterThan(primaryBefore);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/sensor_trust_read_replica_up\{replica="replica0"\} 0/);

    replica.start();
    await until(() => replicaStats().up, 30_000);
    const replicaBefore = replicaStats().reads;
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    expect(errors).toEqual([]);
    expect(answered).toBeGreaterThan(5);
    expect(replicaStats().reads).toBeGreaterThan(replicaBefore);
  }, 90_000);
});
