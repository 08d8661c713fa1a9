// How data arrives must not change the verdict: an import of old history opens no OFFLINE
// tickets, a sensor with two fresh readings has no GAP, and batches that commit out of order
// (parallel uploaders, over real HTTP) are not clock trouble.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { first } from './support/narrow.js';

const MIN = 60_000;
const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const INGEST = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted rejected } }`;
const TRUST = `{ sensors(first: 500) { nodes { id trust { status reasons { kind severity active advisory } } tickets { kind status } } } }`;

type Reading = { sensorId: string; timestamp: string; value: number };
type SensorRow = {
  id: string;
  trust: { status: string; reasons: { kind: string; severity: string; active: boolean; advisory: boolean }[] };
  tickets: { kind: string; status: string }[];
};

const ambient = (t: number) => 21 + 1.5 * Math.sin((2 * Math.PI * t) / (24 * 60 * MIN));
/** deterministic small "noise" per sensor and time */
const wobble = (i: number, k: number) => 0.05 * Math.sin(k * 1.7 + i * 2.3) + 0.03 * Math.sin(k * 0.31 + i);

async function sensors(t: TestApp, prefix: string): Promise<SensorRow[]> {
  const res = await t.gql<{ sensors: { nodes: SensorRow[] } }>(TRUST);
  expect(res.errors).toBeUndefined();
  return res.data!.sensors.nodes.filter((s) => s.id.startsWith(prefix));
}

describe.each(TARGETS)('trust does not depend on how data arrives, on %s', (target) => {
  let t: TestApp;
  let clock = NOW;
  let url = '';

  beforeAll(async () => {
    t = await startTestApp(target, { now: () => new Date(clock) });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = typeof address === 'string' ? address : `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await t.gql(`mutation { upsertZone(input: { id: "lab", name: "Lab" }) { id } }`);
  });
  afterAll(() => t?.close());

  const register = async (ids: string[]) => {
    for (const id of ids)
      await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: {
          id,
          name: id,
          kind: 'temperature',
          zoneId: 'lab',
          minValue: -40,
          maxValue: 85,
          expectedIntervalSeconds: 60,
        },
      });
  };
  const post = async (readings: Reading[]) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: INGEST, variables: { r: readings } }),
    });
    const body = (await res.json()) as { data: { ingestReadings: { accepted: number; rejected: number } } };
    expect(body.data.ingestReadings.rejected).toBe(0);
  };

  it('an import of old history shows OFFLINE without opening tickets; a live sensor that goes silent opens one', async () => {
    const ids = ['imp-0', 'imp-1', 'imp-2', 'imp-3'];
    await register(ids);
    // 10 h at 60 s ending three days ago, time-ordered, in 1,000-reading batches, then one evaluateTrust
    const end = NOW - 3 * 24 * 60 * MIN;
    const all: Reading[] = [];
    for (let k = 0; k < 600; k++)
      for (const [i, sensorId] of ids.entries()) {
        const ts = end - (600 - k) * MIN;
        all.push({
          sensorId,
          timestamp: new Date(ts).toISOString(),
          value: ambient(ts) + 0.3 * i + wobble(i, k),
        });
      }
    clock = NOW;
    for (let b = 0; b < all.length; b += 1000) await post(all.slice(b, b + 1000));
    await t.gql(`mutation { evaluateTrust }`);
    clock = NOW + 30 * MIN;
    await t.gql(`mutation { evaluateTrust }`);
    for (const s of await sensors(t, 'imp-')) {
      expect(s.trust.status).toBe('OFFLINE');
      expect(s.trust.reasons).toEqual([{ kind: 'OFFLINE', severity: 'LOW', active: true, advisory: true }]);
      expect(s.tickets).toEqual([]);
    }
    // imp-0 comes live for 40 min, then falls silent: that is a real OFFLINE with a ticket
    for (let k = 0; k < 40; k++) {
      const ts = NOW + 30 * MIN + k * MIN;
      clock = ts + 2000;
      await post([{ sensorId: 'imp-0', timestamp: new Date(ts).toISOString(), value: ambient(ts) + wobble(0, k) }]);
    }
    clock = NOW + 85 * MIN;
    await t.gql(`mutation { evaluateTrust }`);
    const live = first(
      (await sensors(t, 'imp-0')).filter((s) => s.id === 'imp-0'),
      'sensor imp-0',
    );
    expect(live.trust.status).toBe('OFFLINE');
    expect(live.trust.reasons).toEqual([{ kind: 'OFFLINE', severity: 'HIGH', active: true, advisory: false }]);
    expect(live.tickets).toEqual([{ kind: 'OFFLINE', status: 'OPEN' }]);
  }, 120_000);

  it('DRIFT in event time: a new deployment imported as history (4 h at 30 s, 1,000-reading batches, one evaluateTrust) finds the drifting sensor', async () => {
    const ids = ['dr-0', 'dr-1', 'dr-2', 'dr-3', 'dr-4'];
    await t.gql(`mutation { upsertZone(input: { id: "drift-lab", name: "Drift lab" }) { id } }`);
    for (const id of ids)
      await t.gql(`mutation($i: SensorInput!) { upsertSensor(input: $i) { id } }`, {
        i: { id, name: id, kind: 'temperature', zoneId: 'drift-lab', expectedIntervalSeconds: 30 },
      });
    // 4 h ending now; dr-3 departs from its peers after 2 h at 3 °C/h (the peers share the room's cycle)
    const end = NOW + 400 * MIN;
    const start = end - 240 * MIN;
    const all: Reading[] = [];
    for (let k = 0; k < 480; k++)
      for (const [i, sensorId] of ids.entries()) {
        const ts = start + k * 30_000 + i * 700;
        const drift = i === 3 && ts > start + 120 * MIN ? ((ts - start - 120 * MIN) / (60 * MIN)) * 3 : 0;
        all.push({
          sensorId,
          timestamp: new Date(ts).toISOString(),
          value: ambient(ts) + 0.4 * i + wobble(i, k) + drift,
        });
      }
    clock = end + 5000;
    // 1,000 readings are 100 min of this zone: more than a sensor keeps of unjudged DRIFT windows
    for (let b = 0; b < all.length; b += 1000) await post(all.slice(b, b + 1000));
    await t.gql(`mutation { evaluateTrust }`);
    const rows = await sensors(t, 'dr-');
    const drifting = rows.filter((s) => s.trust.reasons.some((r) => r.kind === 'DRIFT' && r.active)).map((s) => s.id);
    expect(drifting).toEqual(['dr-3']);
  }, 120_000);

  it('a sensor registered a minute ago with two readings has no GAP (or any) reason and no ticket', async () => {
    clock = NOW + 200 * MIN;
    await register(['new-0']);
    await post([
      { sensorId: 'new-0', timestamp: new Date(clock - 61_000).toISOString(), value: 21 },
      { sensorId: 'new-0', timestamp: new Date(clock - 1000).toISOString(), value: 21.1 },
    ]);
    for (const dt of [0, 30_000, 60_000]) {
      clock = NOW + 200 * MIN + dt;
      await t.gql(`mutation { evaluateTrust }`);
      const s = first(await sensors(t, 'new-0'), 'sensor new-0');
      expect(s.trust.reasons).toEqual([]);
      expect(s.tickets).toEqual([]);
    }
  });

  it('a report-by-exception sensor (heartbeatSeconds) quiet for 11 min is not OFFLINE; past its heartbeat it is', async () => {
    const res = await t.gql(
      `mutation($i: SensorInput!) { upsertSensor(input: $i) { id heartbeatSeconds expectedIntervalSeconds } }`,
      {
        i: {
          id: 'rbe-0',
          name: 'rbe-0',
          kind: 'temperature',
          zoneId: 'lab',
          expectedIntervalSeconds: 60,
          heartbeatSeconds: 900,
        },
      },
    );
    expect(res.data!.upsertSensor).toEqual({ id: 'rbe-0', heartbeatSeconds: 900, expectedIntervalSeconds: 60 });
    const bad = await t.gql(
      `mutation { upsertSensor(input: { id: "rbe-x", name: "x", kind: "t", heartbeatSeconds: 10, expectedIntervalSeconds: 60 }) { id } }`,
    );
    expect(bad.errors?.[0]!.message).toMatch(/heartbeatSeconds/);
    const start = NOW + 250 * MIN;
    // changes every few minutes for an hour, then quiet
    const rs: Reading[] = [];
    for (let k = 0; k < 60; k += 3)
      rs.push({ sensorId: 'rbe-0', timestamp: new Date(start + k * MIN).toISOString(), value: 21 + 0.2 * (k % 2) });
    clock = start + 60 * MIN;
    await post(rs);
    clock = start + 57 * MIN + 11 * MIN;
    await t.gql(`mutation { evaluateTrust }`);
    let s = first(await sensors(t, 'rbe-0'), 'sensor rbe-0');
    expect(s.trust.status).not.toBe('OFFLINE');
    clock = start + 57 * MIN + 17 * MIN;
    await t.gql(`mutation { evaluateTrust }`);
    s = first(await sensors(t, 'rbe-0'), 'sensor rbe-0');
    expect(s.trust.status).toBe('OFFLINE');
  });

  it('8 parallel uploaders of consecutive live batches (committing out of order) keep a healthy fleet HEALTHY, like 1 uploader', async () => {
    const verdicts: Record<string, string>[] = [];
    for (const [run, uploaders] of [
      ['one', 1],
      ['par', 8],
    ] as const) {
      const ids = Array.from({ length: 40 }, (_, i) => `${run}-${String(i).padStart(2, '0')}`);
      await register(ids);
      const start = NOW + 300 * MIN;
      const batches: { ts: number; readings: Reading[] }[] = [];
      for (let k = 0; k < 150; k++) {
        const ts = start + k * MIN;
        batches.push({
          ts,
          readings: ids.map((id, i) => ({
            sensorId: id,
            timestamp: new Date(ts).toISOString(),
            value: ambient(ts) + 0.2 * (i % 5) + wobble(i, k),
          })),
        });
      }
      // Groups of `uploaders` consecutive batches are in flight at once; the newest is sent
      // first, so commits are out of order by up to uploaders - 1 intervals.
      for (let g = 0; g < batches.length; g += uploaders) {
        const group = batches.slice(g, g + uploaders);
        clock = group[group.length - 1]!.ts + 3000;
        await Promise.all(group.reverse().map((b) => post(b.readings)));
        if ((g / uploaders) % 5 === 4) await t.gql(`mutation { evaluateTrust }`);
      }
      clock = start + 150 * MIN;
      await t.gql(`mutation { evaluateTrust }`);
      const rows = await sensors(t, `${run}-`);
      expect(rows).toHaveLength(40);
      for (const s of rows) {
        expect({ id: s.id, status: s.trust.status, reasons: s.trust.reasons }).toEqual({
          id: s.id,
          status: 'HEALTHY',
          reasons: [],
        });
      }
      verdicts.push(
        Object.fromEntries(rows.map((s) => [s.id.slice(4), `${s.trust.status}:${s.trust.reasons.length}`])),
      );
    }
    expect(verdicts[1]).toEqual(verdicts[0]);
  }, 300_000);
});
