// Listing 1,000 sensors with their zone, trust and last reading costs a
// constant number of SQL statements (Mercurius loaders), not one per sensor; so
// does delivering sensorUpdated for 500 sensors to a subscriber that selects trust.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic } from '../src/events/topics.js';
import { TARGETS } from './support/databases.js';
import { collect, waitUntil, wsClient } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe.each(TARGETS)('no N+1 on %s', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(target, { countStatements: true });
    const prisma = t.app.db.prisma;
    await prisma.zone.createMany({ data: Array.from({ length: 10 }, (_, i) => ({ id: `z${i}`, name: `Zone ${i}` })) });
    const sensors = Array.from({ length: 1000 }, (_, i) => ({
      id: `s${String(i).padStart(4, '0')}`,
      name: `S${i}`,
      kind: 'temperature',
      zoneId: `z${i % 10}`,
    }));
    await prisma.sensor.createMany({ data: sensors });
    await prisma.trustState.createMany({ data: sensors.map((s) => ({ sensorId: s.id })) });
  });
  afterAll(() => t?.close());

  async function statementsFor(first: number): Promise<number> {
    const before = t.app.db.statementCount();
    const res = await t.gql(
      `query($first: Int) { sensors(first: $first) { nodes { id zone { id name } trust { score status reasons { kind } } lastReading { value } tickets { id } maintenance { id } } } }`,
      { first },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.sensors.nodes).toHaveLength(first);
    return t.app.db.statementCount() - before;
  }

  it('uses the same number of statements for 10 and 1,000 sensors', async () => {
    const small = await statementsFor(10);
    const large = await statementsFor(1000);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(10);
  });

  it('resolves zones with all their sensors in a constant number of statements', async () => {
    const before = t.app.db.statementCount();
    const res = await t.gql(`{ zones { id sensors { id trust { status } zone { id } } stats { sensorCount } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.zones).toHaveLength(10);
    expect(t.app.db.statementCount() - before).toBeLessThanOrEqual(8);
  });

  it('delivers sensorUpdated with trust for 500 sensors in a constant number of statements', async () => {
    const prisma = t.app.db.prisma;
    await prisma.trustState.update({ where: { sensorId: 's0007' }, data: { status: 'FAULTY', score: 12 } });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const client = wsClient(url);
    try {
      const updates = collect(
        client,
        `subscription { sensorUpdated { id trust { status score } lastReading { value } } }`,
      );
      await waitUntil(() => t.app.services.subscriptions.counts().sensorUpdated === 1, 5000, 'the subscription');
      const ids = Array.from({ length: 500 }, (_, i) => `s${String(i).padStart(4, '0')}`);
      const before = t.app.db.statementCount();
      t.app.events.publish(Topic.SensorsUpdated, {
        sensors: ids.map((id, i) => ({ sensorId: id, zoneId: `z${i % 10}` })),
      });
      const items = await updates.waitFor(500);
      // One statement for the sensors, one for their trust rows: not one per delivered event.
      expect(t.app.db.statementCount() - before).toBeLessThanOrEqual(2);
      expect(items.map((i) => i.sensorUpdated.id)).toEqual(ids);
      expect(items[7]!.sensorUpdated.trust).toEqual({ status: 'FAULTY', score: 12 });
      expect(items[8]!.sensorUpdated.trust).toEqual({ status: 'UNKNOWN', score: 50 });
    } finally {
      await client.dispose();
    }
  });
});
