// Embedded PGlite runs PostgreSQL in single-user mode: autovacuum never runs, so
// without db.maintain() the planner would never get statistics and the constantly
// rewritten rows' dead versions would only be pruned page by page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { entry } from './support/narrow.js';

describe('embedded database maintenance', () => {
  let t: TestApp;
  const NOW = new Date('2026-11-28T12:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp('pglite', { now: () => NOW });
    await t.gql(`mutation { upsertZone(input: { id: "m", name: "M" }) { id } }`);
    for (const id of ['m1', 'm2'])
      await t.gql(`mutation { upsertSensor(input: { id: "${id}", name: "${id}", kind: "co2", zoneId: "m" }) { id } }`);
    const readings = Array.from({ length: 200 }, (_, i) => ({
      sensorId: i % 2 ? 'm1' : 'm2',
      timestamp: new Date(NOW.getTime() - (200 - i) * 60_000),
      value: 600 + i,
    }));
    expect((await t.app.services.readings.ingest(readings)).accepted).toBe(200);
    await t.processed();
  });
  afterAll(() => t?.close());

  const stats = async () =>
    Object.fromEntries(
      (
        await t.app.db.prisma.$queryRaw<{ relname: string; reltuples: number; vacuumed: boolean }[]>`
          SELECT c.relname, c.reltuples::float8 AS reltuples, s.last_vacuum IS NOT NULL AS vacuumed
            FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE c.relname IN ('reading', 'trust_state', 'ticket')`
      ).map((r) => [r.relname, r]),
    );

  it('gives the planner statistics and vacuums the rewritten tables, which autovacuum never does there', async () => {
    const before = await stats();
    expect(entry(before, 'reading').reltuples).toBe(-1); // never analysed
    expect(entry(before, 'trust_state').vacuumed).toBe(false);
    await t.app.db.maintain();
    const after = await stats();
    expect(entry(after, 'reading').reltuples).toBe(200);
    expect(entry(after, 'trust_state').reltuples).toBe(2);
    expect(entry(after, 'trust_state').vacuumed).toBe(true);
    expect(entry(after, 'ticket').vacuumed).toBe(true);
    // The app goes on working after it.
    expect((await t.gql(`{ sensor(id: "m1") { readings(last: 1) { value } } }`)).errors).toBeUndefined();
  });
});
