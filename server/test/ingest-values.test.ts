// A reading whose value is not a finite number is one item error (INVALID_VALUE),
// never a refused batch: over real HTTP, with variables (before and after Mercurius
// compiles the document) and with inline literals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const at = (minutesBeforeNow: number) => new Date(NOW.getTime() - minutesBeforeNow * 60_000).toISOString();
const INGEST = `mutation Ingest($r: [ReadingInput!]!) {
  ingestReadings(readings: $r) { accepted duplicates rejected errors { index sensorId code message } }
}`;

describe.each(TARGETS)('non-number reading values on %s', (target) => {
  let t: TestApp;
  let url: string;

  const post = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data: any; errors?: unknown[] } };
  };
  const stored = async (sensorId: string) =>
    (
      await t.app.db.prisma.$queryRaw<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM reading WHERE sensor_id = ${sensorId}`
    )[0]!.n;

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => NOW });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const id of ['v1', 'v2']) {
      const res = await post(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', minValue: -20, maxValue: 60 },
      });
      expect(res.body.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.close());

  it('stores the good readings of a batch and reports each non-number value as INVALID_VALUE, every time', async () => {
    // Round 0 runs through graphql-js, later rounds through the compiled query.
    for (let round = 0; round < 3; round++) {
      const base = round * 10;
      const res = await post(INGEST, {
        r: [
          { sensorId: 'v1', timestamp: at(100 - base), value: 21.5 },
          { sensorId: 'v1', timestamp: at(99 - base), value: 'NaN' },
          { sensorId: 'v1', timestamp: at(98 - base), value: null },
          { sensorId: 'v1', timestamp: at(97 - base), value: 'Infinity' },
          { sensorId: 'v1', timestamp: at(96 - base) },
          { sensorId: 'v1', timestamp: at(95 - base), value: '21.7' },
          { sensorId: 'v1', timestamp: at(94 - base), value: { celsius: 21 } },
          { sensorId: 'v1', timestamp: at(93 - base), value: 22 },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const out = res.body.data.ingestReadings;
      expect(out).toMatchObject({ accepted: 2, duplicates: 0, rejected: 6 });
      expect(out.errors.map((e: { index: number; code: string; sensorId: string }) => [e.index, e.code])).toEqual([
        [1, 'INVALID_VALUE'],
        [2, 'INVALID_VALUE'],
        [3, 'INVALID_VALUE'],
        [4, 'INVALID_VALUE'],
        [5, 'INVALID_VALUE'],
        [6, 'INVALID_VALUE'],
      ]);
      expect(out.errors.map((e: { message: string }) => e.message)).toEqual([
        'value must be a finite number, got "NaN"',
        'value must be a finite number, got null',
        'value must be a finite number, got "Infinity"',
        'value must be a finite number, got no value',
        'value must be a finite number, got "21.7"',
        'value must be a finite number, got {"celsius":21}',
      ]);
    }
    expect(await stored('v1')).toBe(6);
  });

  it('keeps each variable’s items apart when one operation ingests two batches', async () => {
    const res = await post(
      `mutation Two($a: [ReadingInput!]!, $b: [ReadingInput!]!) {
        first: ingestReadings(readings: $a) { accepted errors { index message } }
        second: ingestReadings(readings: $b) { accepted errors { index message } }
      }`,
      {
        a: [
          { sensorId: 'v2', timestamp: at(50), value: 'x' },
          { sensorId: 'v2', timestamp: at(49), value: 1 },
        ],
        b: [
          { sensorId: 'v2', timestamp: at(48), value: 2 },
          { sensorId: 'v2', timestamp: at(47), value: 'y' },
        ],
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.first).toEqual({
      accepted: 1,
      errors: [{ index: 0, message: 'value must be a finite number, got "x"' }],
    });
    expect(res.body.data.second).toEqual({
      accepted: 1,
      errors: [{ index: 1, message: 'value must be a finite number, got "y"' }],
    });
  });

  it('accepts an inline null value as an item error; an inline string is still a typed-schema error', async () => {
    const res = await post(`mutation {
      ingestReadings(readings: [
        { sensorId: "v2", timestamp: "${at(30)}", value: null }
        { sensorId: "v2", timestamp: "${at(29)}", value: 5 }
      ]) { accepted rejected errors { index code } }
    }`);
    expect(res.body.data.ingestReadings).toEqual({
      accepted: 1,
      rejected: 1,
      errors: [{ index: 0, code: 'INVALID_VALUE' }],
    });
    const literal = await post(
      `mutation { ingestReadings(readings: [{ sensorId: "v2", timestamp: "${at(28)}", value: "NaN" }]) { accepted } }`,
    );
    expect(literal.status).toBe(400);
  });
});
