// End to end: readings through ingestReadings open a ticket via the trust shell, and
// the change is published for ticketUpdated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic, type TicketUpdatedPayload } from '../src/events/topics.js';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;

describe.each(TARGETS)('tickets from ingestion on %s', (target) => {
  let t: TestApp;
  let clock = T0;
  const published: TicketUpdatedPayload[] = [];

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock) });
    t.app.events.on(Topic.TicketUpdated, (p) => published.push(p));
    await t.gql(`mutation { upsertZone(input: { id: "hall", name: "Hall" }) { id } }`);
    await t.gql(
      `mutation { upsertSensor(input: { id: "i1", name: "i1", kind: "temperature", zoneId: "hall", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
    );
  });
  afterAll(() => t?.close());

  it('opens one OUT_OF_RANGE ticket for a sensor reporting impossible values, whatever the number of batches', async () => {
    const healthy = Array.from({ length: 40 }, (_, i) => ({
      sensorId: 'i1',
      timestamp: new Date(T0 + i * 60_000).toISOString(),
      value: 20 + Math.sin(i),
    }));
    clock = T0 + 40 * 60_000;
    expect((await t.gql(INGEST, { r: healthy })).data!.ingestReadings.accepted).toBe(40);
    for (let b = 0; b < 3; b++) {
      const bad = Array.from({ length: 10 }, (_, i) => ({
        sensorId: 'i1',
        timestamp: new Date(T0 + (40 + b * 10 + i) * 60_000).toISOString(),
        value: 500,
      }));
      clock = T0 + (50 + b * 10) * 60_000;
      expect((await t.gql(INGEST, { r: bad })).data!.ingestReadings.accepted).toBe(10);
    }
    const res = await t.gql(
      `{ sensor(id: "i1") { trust { status reasons { kind } } tickets { kind status occurrences events { type actor } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const sensor = res.data!.sensor;
    expect(sensor.trust.reasons.map((r: { kind: string }) => r.kind)).toContain('OUT_OF_RANGE');
    const oor = sensor.tickets.filter((x: { kind: string }) => x.kind === 'OUT_OF_RANGE');
    expect(oor).toHaveLength(1);
    expect(oor[0]).toMatchObject({ status: 'OPEN', occurrences: 1 });
    expect(oor[0].events[0]).toEqual({ type: 'opened', actor: 'automation' });
    expect(published.some((p) => p.sensorId === 'i1' && p.zoneId === 'hall')).toBe(true);
  });
});
