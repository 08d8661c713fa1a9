// compat/single-coercion.ts leans on Mercurius internals: it blanks the POSTed
// body's variables so Mercurius skips its own graphql-js variable check, and hands
// them back in the preExecution hook. If a Mercurius upgrade changes either step, the
// variables are coerced twice again (a sixth of the ingest CPU) or not at all: this
// counts the DateTime scalar's parseValue calls per reading, on the first run of a
// document (graphql-js execute) and on later runs (graphql-jit's compiled query).
import type { GraphQLScalarType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

const INGEST = `mutation Coerce($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;
const N = 25;

describe('variables are coerced exactly once per request', () => {
  let t: TestApp;
  let parsed = 0;
  beforeAll(async () => {
    t = await startTestApp('pglite');
    const scalar = t.app.graphql.schema.getType('DateTime') as GraphQLScalarType;
    const parseValue = scalar.parseValue.bind(scalar);
    scalar.parseValue = (value: unknown) => {
      parsed++;
      return parseValue(value);
    };
    expect((await t.gql(`mutation { upsertZone(input: { id: "cz", name: "C" }) { id } }`)).errors).toBeUndefined();
    const res = await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
      i: { id: 'c1', name: 'c1', kind: 'temperature', zoneId: 'cz' },
    });
    expect(res.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it.each([1, 2, 3])('run %i of the same document: one parseValue per reading', async (run) => {
    const base = Date.now() - 3_600_000 * run;
    const readings = Array.from({ length: N }, (_, i) => ({
      sensorId: 'c1',
      timestamp: new Date(base + i * 1000).toISOString(),
      value: 20 + (i % 3),
    }));
    parsed = 0;
    const res = await t.gql(INGEST, { r: readings });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ ingestReadings: { accepted: N, rejected: 0 } });
    expect(parsed).toBe(N);
  });

  it('still answers bad variables with a 400 that names the item', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: INGEST, variables: { r: [{ sensorId: 'c1', timestamp: 'not a time', value: 1 }] } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('r[0].timestamp');
  });
});
