// dashboardSummary and zoneStats: correct figures, a constant number of
// statements that never read the readings table, readingsLastHour from the
// per-minute rollup, and a cache that every write invalidates (in-process and
// with Redis when it is reachable).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { redisReachable, redisUrl } from './support/redis.js';
import { isDashboardOnlyQuery } from '../src/modules/dashboard/dashboard-response-cache.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SUMMARY = `{ dashboardSummary { sensorCount averageTrust statusCounts { status count } openTickets openTicketsBySeverity { severity count } readingsLastHour generatedAt } }`;
const ZONE_STATS = `{ zoneStats { zoneId zoneName sensorCount averageTrust statusCounts { status count } openTickets } }`;
const NOW = new Date('2026-11-28T12:00:30.000Z');

const withRedis = await redisReachable();
if (!withRedis)
  console.warn(`Redis at ${redisUrl} is not reachable: the Redis cache variant of the dashboard tests is skipped.`);

type Variant = { target: (typeof TARGETS)[number]; cache: 'memory' | 'redis' };
const VARIANTS: Variant[] = TARGETS.flatMap((target) => [
  { target, cache: 'memory' as const },
  ...(withRedis ? [{ target, cache: 'redis' as const }] : []),
]);

function count(list: { status?: string; severity?: string; count: number }[], key: string): number {
  return list.find((c) => c.status === key || c.severity === key)!.count;
}

describe.each(VARIANTS)('dashboard on $target with $cache cache', ({ target, cache }) => {
  let t: TestApp;
  const sql: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(target, {
      countStatements: true,
      now: () => NOW,
      env:
        cache === 'redis'
          ? { REDIS_URL: redisUrl, REDIS_NAMESPACE: `st-test-${Math.random().toString(36).slice(2)}` }
          : {},
    });
    (t.app.db.prisma as unknown as { $on(e: 'query', cb: (e: { query: string }) => void): void }).$on('query', (e) =>
      sql.push(e.query),
    );
    const prisma = t.app.db.prisma;
    for (const [id, name] of [
      ['a', 'Alpha'],
      ['b', 'Beta'],
      ['c', 'Empty'],
    ]) {
      const res = await t.gql(`mutation($input: ZoneInput!) { upsertZone(input: $input) { id } }`, {
        input: { id, name },
      });
      expect(res.errors).toBeUndefined();
    }
    for (let i = 0; i < 6; i++) {
      const res = await t.gql(`mutation($input: SensorInput!) { upsertSensor(input: $input) { id } }`, {
        input: { id: `s${i}`, name: `S${i}`, kind: 'temperature', zoneId: i < 4 ? 'a' : 'b' },
      });
      expect(res.errors).toBeUndefined();
    }
    // A known trust picture: a: 2 HEALTHY (90, 80), 1 FAULTY (10), 1 UNKNOWN (50); b: 1 OFFLINE (0), 1 UNKNOWN (50).
    const set = (id: string, status: 'HEALTHY' | 'FAULTY' | 'OFFLINE', score: number) =>
      prisma.trustState.update({ where: { sensorId: id }, data: { status, score } });
    await set('s0', 'HEALTHY', 90);
    await set('s1', 'HEALTHY', 80);
    await set('s2', 'FAULTY', 10);
    await set('s4', 'OFFLINE', 0);
    await prisma.ticket.createMany({
      data: [
        { sensorId: 's2', kind: 'SPIKE', severity: 'HIGH', title: 'x' },
        { sensorId: 's4', kind: 'OFFLINE', severity: 'CRITICAL', title: 'y' },
        { sensorId: 's0', kind: 'NOISE', severity: 'LOW', title: 'old', status: 'RESOLVED' },
      ],
    });
    // Rollup rows: inside the last hour (59 min ago, now) and outside (61 min ago).
    await prisma.readingMinute.createMany({
      data: [
        { minute: new Date(NOW.getTime() - 59 * 60_000 - 30_000), shard: 0, count: 7n },
        { minute: new Date('2026-11-28T12:00:00.000Z'), shard: 3, count: 5n },
        { minute: new Date(NOW.getTime() - 61 * 60_000), shard: 1, count: 1000n },
      ],
    });
    await t.app.services.dashboard.invalidateDashboard(); // rows above were written behind the API's back
  });
  afterAll(() => t?.close());

  it('summarises the fleet with readingsLastHour from the minute rollup', async () => {
    const res = await t.gql(SUMMARY);
    expect(res.errors).toBeUndefined();
    const s = res.data!.dashboardSummary;
    expect(s).toMatchObject({ sensorCount: 6, openTickets: 2, readingsLastHour: 12, generatedAt: NOW.toISOString() });
    expect(s.averageTrust).toBeCloseTo((90 + 80 + 10 + 50 + 0 + 50) / 6, 6);
    expect(count(s.statusCounts, 'HEALTHY')).toBe(2);
    expect(count(s.statusCounts, 'UNKNOWN')).toBe(2);
    expect(count(s.statusCounts, 'FAULTY')).toBe(1);
    expect(count(s.statusCounts, 'OFFLINE')).toBe(1);
    expect(count(s.openTicketsBySeverity, 'HIGH')).toBe(1);
    expect(count(s.openTicketsBySeverity, 'CRITICAL')).toBe(1);
    expect(count(s.openTicketsBySeverity, 'LOW')).toBe(0);
  });

  it('gives per-zone stats, zones without sensors included', async () => {
    const res = await t.gql(ZONE_STATS);
    expect(res.errors).toBeUndefined();
    const [a, b, c] = res.data!.zoneStats;
    expect(a).toMatchObject({ zoneId: 'a', zoneName: 'Alpha', sensorCount: 4, openTickets: 1 });
    // The average is over the sensors that report: UNKNOWN and OFFLINE ones are left out.
    expect(a.averageTrust).toBeCloseTo((90 + 80 + 10) / 3, 6);
    expect(count(a.statusCounts, 'HEALTHY')).toBe(2);
    // No sensor of b reports (OFFLINE, UNKNOWN): no average, whatever their old scores.
    expect(b).toMatchObject({ zoneId: 'b', zoneName: 'Beta', sensorCount: 2, averageTrust: null, openTickets: 1 });
    expect(c).toMatchObject({ zoneId: 'c', zoneName: 'Empty', sensorCount: 0, averageTrust: null, openTickets: 0 });
  });

  it('uses a constant number of statements, none of which reads the readings table', async () => {
    const measure = async (query: string) => {
      await t.app.services.dashboard.invalidateDashboard();
      const before = t.app.db.statementCount();
      sql.length = 0;
      const res = await t.gql(query);
      expect(res.errors).toBeUndefined();
      return t.app.db.statementCount() - before;
    };
    const small = [await measure(SUMMARY), await measure(ZONE_STATS)];
    const statements = [...sql];
    // Ten times the sensors: same statements.
    const prisma = t.app.db.prisma;
    await prisma.sensor.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({ id: `x${i}`, name: `X${i}`, kind: 'co2', zoneId: 'b' })),
    });
    await prisma.trustState.createMany({ data: Array.from({ length: 60 }, (_, i) => ({ sensorId: `x${i}` })) });
    const large = [await measure(SUMMARY), await measure(ZONE_STATS)];
    expect(large).toEqual(small);
    expect(small[0]).toBeLessThanOrEqual(3);
    expect(small[1]).toBeLessThanOrEqual(3);
    for (const q of [...statements, ...sql]) expect(q).not.toMatch(/\breading\b(?!_minute)/i);
    // The trigger-maintained read model (dashboard_trust) followed the direct inserts too.
    const zone = (await t.gql(ZONE_STATS)).data!.zoneStats.find((z: { zoneId: string }) => z.zoneId === 'b');
    expect(zone.sensorCount).toBe(62);
  });

  it('serves a cached value inside the TTL, and a write through the API is visible in the very next read', async () => {
    const first = (await t.gql(SUMMARY)).data!.dashboardSummary.sensorCount;
    // Behind the API's back (no event): the cache still answers with the old figure...
    await t.app.db.prisma.sensor.create({ data: { id: 'hidden', name: 'Hidden', kind: 'co2', trust: { create: {} } } });
    const before = t.app.db.statementCount();
    expect((await t.gql(SUMMARY)).data!.dashboardSummary.sensorCount).toBe(first);
    expect(t.app.db.statementCount()).toBe(before); // served from the cache
    // ...but a write through the API invalidates at once, well inside the 30 s TTL.
    const res = await t.gql(
      `mutation { upsertSensor(input: { id: "visible", name: "Visible", kind: "co2", zoneId: "c" }) { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect((await t.gql(SUMMARY)).data!.dashboardSummary.sensorCount).toBe(first + 2);
    const c = (await t.gql(ZONE_STATS)).data!.zoneStats.find((z: { zoneId: string }) => z.zoneId === 'c');
    expect(c.sensorCount).toBe(1);
  });

  it('drops the cache on ingested readings and on ticket changes', async () => {
    const summary = async () => (await t.gql(SUMMARY)).data!.dashboardSummary;
    const before = await summary();
    const ingest = await t.gql(
      `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted errors { code message } } }`,
      {
        r: [
          { sensorId: 's5', timestamp: new Date(NOW.getTime() - 10_000).toISOString(), value: 21 },
          { sensorId: 's5', timestamp: new Date(NOW.getTime() - 5_000).toISOString(), value: 21.2 },
        ],
      },
    );
    expect(ingest.data!.ingestReadings.accepted).toBe(2);
    expect((await summary()).readingsLastHour).toBe(before.readingsLastHour + 2);

    const open = await t.app.db.prisma.ticket.findFirstOrThrow({ where: { sensorId: 's2', status: 'OPEN' } });
    const resolved = await t.gql(`mutation($id: ID!) { resolveTicket(id: $id, note: "fixed") { status } }`, {
      id: open.id,
    });
    expect(resolved.errors).toBeUndefined();
    const after = await summary();
    expect(after.openTickets).toBe(before.openTickets - 1);
    expect(count(after.openTicketsBySeverity, 'HIGH')).toBe(0);
  });

  it('follows a sensor moved to another zone', async () => {
    const zones = async () =>
      Object.fromEntries((await t.gql(ZONE_STATS)).data!.zoneStats.map((z: { zoneId: string }) => [z.zoneId, z]));
    const before = await zones();
    const moved = await t.gql(
      `mutation { upsertSensor(input: { id: "s0", name: "S0", kind: "temperature", zoneId: "b" }) { id } }`,
    );
    expect(moved.errors).toBeUndefined();
    const after = await zones();
    expect(after.a.sensorCount).toBe(before.a.sensorCount - 1);
    expect(after.b.sensorCount).toBe(before.b.sensorCount + 1);
    expect(count(after.b.statusCounts, 'HEALTHY')).toBe(count(before.b.statusCounts, 'HEALTHY') + 1);
  });

  it("counts open tickets in the sensor's current zone: new tickets, and tickets of a moved sensor", async () => {
    const zones = async () =>
      Object.fromEntries((await t.gql(ZONE_STATS)).data!.zoneStats.map((z: { zoneId: string }) => [z.zoneId, z]));
    const before = await zones();
    // Written behind the API's back, then the cache dropped: the zone comes from the sensor.
    await t.app.db.prisma.ticket.create({ data: { sensorId: 's5', kind: 'NOISE', severity: 'LOW', title: 'n' } });
    await t.app.services.dashboard.invalidateDashboard();
    const opened = await zones();
    expect(opened.b.openTickets).toBe(before.b.openTickets + 1);
    // s4 (open OFFLINE ticket) and s5 (the new one) move from b to c through the API.
    for (const id of ['s4', 's5']) {
      const moved = await t.gql(
        `mutation { upsertSensor(input: { id: "${id}", name: "${id}", kind: "temperature", zoneId: "c" }) { id } }`,
      );
      expect(moved.errors).toBeUndefined();
    }
    const after = await zones();
    expect(after.b.openTickets).toBe(opened.b.openTickets - 2);
    expect(after.c.openTickets).toBe(opened.c.openTickets + 2);
    const summary = (await t.gql(SUMMARY)).data!.dashboardSummary;
    expect(Object.values(after).reduce((n, z) => n + (z as { openTickets: number }).openTickets, 0)).toBe(
      summary.openTickets,
    );
  });

  it('computes once for concurrent readers of a cold cache', async () => {
    await t.app.services.dashboard.invalidateDashboard();
    const before = t.app.db.statementCount();
    const results = await Promise.all(Array.from({ length: 10 }, () => t.gql(SUMMARY)));
    expect(
      results.every((r) => r.data!.dashboardSummary.sensorCount === results[0]!.data!.dashboardSummary.sensorCount),
    ).toBe(true);
    expect(t.app.db.statementCount() - before).toBe(1);
  });
});

describe('stored dashboard responses (in-process cache)', () => {
  let t: TestApp;
  const post = (query: string, variables?: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });

  beforeAll(async () => {
    t = await startTestApp('pglite');
    const res = await t.gql(`mutation { upsertZone(input: { id: "z", name: "Zed" }) { id } }`);
    expect(res.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('answers a repeated dashboard query with the stored bytes, and a write drops them', async () => {
    const first = await post(ZONE_STATS);
    expect(first.headers['x-dashboard-cache']).toBeUndefined();
    const second = await post(ZONE_STATS);
    expect(second.headers['x-dashboard-cache']).toBe('hit');
    expect(second.headers['content-type']).toMatch(/^application\/json/);
    expect(second.body).toBe(first.body);

    const renamed = await t.gql(`mutation { upsertZone(input: { id: "z", name: "Zulu" }) { id } }`);
    expect(renamed.errors).toBeUndefined();
    const after = await post(ZONE_STATS);
    expect(after.headers['x-dashboard-cache']).toBeUndefined();
    expect(after.json().data.zoneStats.find((z: { zoneId: string }) => z.zoneId === 'z').zoneName).toBe('Zulu');
  });

  it('keys on the variables and never stores other queries or errors', async () => {
    const named = `query Dash($skip: Boolean!) { zoneStats { zoneId zoneName @skip(if: $skip) } }`;
    await post(named, { skip: true });
    expect((await post(named, { skip: true })).headers['x-dashboard-cache']).toBe('hit');
    const other = await post(named, { skip: false });
    expect(other.headers['x-dashboard-cache']).toBeUndefined();
    expect(other.json().data.zoneStats[0].zoneName).toBeDefined();

    const mixed = `{ zoneStats { zoneId } zones { id } }`;
    await post(mixed);
    expect((await post(mixed)).headers['x-dashboard-cache']).toBeUndefined();

    const invalid = `{ zoneStats { zoneId noSuchField } }`;
    await post(invalid);
    const again = await post(invalid);
    expect(again.headers['x-dashboard-cache']).toBeUndefined();
    expect(again.json().errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('recognises dashboard-only query operations', () => {
    expect(isDashboardOnlyQuery(SUMMARY, null)).toBe(true);
    expect(isDashboardOnlyQuery(`{ __typename dashboardSummary { sensorCount } zoneStats { zoneId } }`, null)).toBe(
      true,
    );
    expect(isDashboardOnlyQuery(`query A { zoneStats { zoneId } } query B { zones { id } }`, 'A')).toBe(true);
    expect(isDashboardOnlyQuery(`query A { zoneStats { zoneId } } query B { zones { id } }`, 'B')).toBe(false);
    expect(isDashboardOnlyQuery(`query A { zoneStats { zoneId } } query B { zones { id } }`, null)).toBe(false);
    expect(isDashboardOnlyQuery(`{ ...F } fragment F on Query { zoneStats { zoneId } }`, null)).toBe(false);
    expect(isDashboardOnlyQuery(`subscription { dashboardUpdated { sensorCount } }`, null)).toBe(false);
    expect(isDashboardOnlyQuery(`{ zoneStats { zoneId }`, null)).toBe(false);
  });
});
