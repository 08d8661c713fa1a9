// GET /export/readings and /export/tickets over real HTTP: the rows of a range in CSV
// and NDJSON (several chunks: cursor on PostgreSQL, keyset pages on PGlite), a zone's
// sensors, the tickets of a filter, and authorisation like the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'export-test-admin-key-0123456789';
const STEP = 10_000;
const N = 12_000;
/** Values whose text forms differ between writers: each must read back as the same double. */
const ODD_VALUES = [0.1 + 0.2, 1e-7, -3.5e20, 123456.789, 1 / 3, -0.000123, 5e15, 2 ** 53 + 2, 42];

describe.each(TARGETS)('exports on %s', (target) => {
  let t: TestApp;
  let url: string;
  const keys: Record<string, string> = {};
  const end = Math.floor((Date.now() - 60_000) / 1000) * 1000;
  const start = end - (N - 1) * STEP;

  async function gql(query: string, variables?: Record<string, unknown>) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  const get = (path: string, key: string | null = keys.VIEWER!) =>
    fetch(`${url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN_KEY } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await gql(`mutation { upsertZones(inputs: [{ id: "zx", name: "ZX" }]) { created } }`);
    await gql(`mutation { upsertSensors(inputs: [
      { id: "ex-1", name: "E1", kind: "temperature", zoneId: "zx", expectedIntervalSeconds: 10 },
      { id: "ex-2", name: "E2", kind: "temperature", zoneId: "zx", expectedIntervalSeconds: 10 },
      { id: "ex-3", name: "E3, elsewhere", kind: "temperature" },
      { id: "ex-4", name: "E4", kind: "temperature" }]) { created } }`);
    for (const role of ['VIEWER', 'INTEGRATOR', 'OPERATOR']) {
      const d = await gql(`mutation { createApiKey(name: "${role}", role: ${role}) { key } }`);
      keys[role] = d.createApiKey.key;
    }
    const ingest = `mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`;
    for (const id of ['ex-1', 'ex-2', 'ex-3']) {
      const count = id === 'ex-1' ? N : 50;
      for (let i = 0; i < count; i += 4000) {
        const r = Array.from({ length: Math.min(4000, count - i) }, (_, j) => ({
          sensorId: id,
          timestamp: new Date(start + (i + j) * STEP).toISOString(),
          value: (i + j) / 4,
        }));
        const d = await gql(ingest, { r });
        expect(d.ingestReadings.accepted).toBe(r.length);
      }
    }
    const odd = await gql(ingest, {
      r: ODD_VALUES.map((value, i) => ({
        sensorId: 'ex-4',
        timestamp: new Date(start + i * 1001).toISOString(),
        value,
      })),
    });
    expect(odd.ingestReadings.accepted).toBe(ODD_VALUES.length);
    await t.app.db.prisma.ticket.create({
      data: { sensorId: 'ex-3', kind: 'SPIKE', severity: 'HIGH', title: 'Spikes, "big" ones', zoneId: null },
    });
    await t.app.db.prisma.ticket.create({
      data: { sensorId: 'ex-1', kind: 'DRIFT', severity: 'LOW', status: 'RESOLVED', title: 'Drift', zoneId: 'zx' },
    });
  }, 180_000);
  afterAll(() => t?.close());

  it('streams a sensor range as CSV: header, every row in the range in time order, nothing else', async () => {
    const from = new Date(start + 5 * STEP).toISOString();
    const to = new Date(start + 11_004 * STEP).toISOString();
    const res = await get(`/export/readings?sensorId=ex-1&from=${from}&to=${to}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="readings-ex-1.csv"');
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('sensorId,timestamp,value');
    expect(lines).toHaveLength(1 + 11_000);
    expect(lines[1]).toBe(`ex-1,${from},1.25`);
    expect(lines.at(-1)).toBe(`ex-1,${to},${11_004 / 4}`);
    const ts = lines.slice(1).map((l) => Date.parse(l.split(',')[1]!));
    expect(ts.every((v, i) => i === 0 || v - ts[i - 1]! === STEP)).toBe(true);
  });

  it('streams a zone as NDJSON: its sensors one after the other, not the others', async () => {
    const res = await get(`/export/readings?zoneId=zx&format=ndjson`, keys.OPERATOR);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const rows = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { sensorId: string; timestamp: string; value: number });
    expect(rows).toHaveLength(N + 50);
    expect(rows[0]).toEqual({ sensorId: 'ex-1', timestamp: new Date(start).toISOString(), value: 0 });
    expect(rows[N]).toEqual({ sensorId: 'ex-2', timestamp: new Date(start).toISOString(), value: 0 });
    expect(new Set(rows.map((r) => r.sensorId))).toEqual(new Set(['ex-1', 'ex-2']));
  });

  it('writes every value and timestamp so that it reads back exactly, in both formats', async () => {
    const csv = (await (await get('/export/readings?sensorId=ex-4')).text()).trimEnd().split('\n').slice(1);
    expect(csv.map((l) => Number(l.split(',')[2]))).toEqual(ODD_VALUES);
    expect(csv.map((l) => l.split(',')[1])).toEqual(ODD_VALUES.map((_, i) => new Date(start + i * 1001).toISOString()));
    const nd = (await (await get('/export/readings?sensorId=ex-4&format=ndjson')).text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { value: number });
    expect(nd.map((r) => r.value)).toEqual(ODD_VALUES);
  });

  it('a download cancelled midway frees its connection: more downloads than the pool holds still finish', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await get('/export/readings?sensorId=ex-1&format=ndjson');
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await reader.cancel();
    }
    const res = await get('/export/readings?sensorId=ex-1&format=csv');
    expect((await res.text()).trimEnd().split('\n')).toHaveLength(1 + N);
  });

  it('refuses without a key (401), for an INTEGRATOR (403), and names a bad parameter (400/404)', async () => {
    expect((await get('/export/readings?sensorId=ex-1', null)).status).toBe(401);
    const integrator = await get('/export/readings?sensorId=ex-1', keys.INTEGRATOR);
    expect(integrator.status).toBe(403);
    expect(await integrator.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await get('/export/tickets', keys.INTEGRATOR)).status).toBe(403);
    expect((await get('/export/tickets', null)).status).toBe(401);
    for (const [path, field] of [
      ['/export/readings?sensorId=ex-1&format=xml', 'format'],
      ['/export/readings?sensorId=ex-1&from=yesterday', 'from'],
      ['/export/readings?sensorId=ex-1&zoneId=zx', 'zoneId'],
      ['/export/readings', 'sensorId'],
      ['/export/tickets?status=SHUT', 'status'],
    ]) {
      const res = await get(path!);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const missing = await get('/export/readings?sensorId=nope');
    expect(missing.status).toBe(404);
  });

  it('exports the tickets of a filter as CSV, quoting what needs it', async () => {
    const all = (await (await get('/export/tickets')).text()).trimEnd().split('\n');
    expect(all[0]).toBe('id,sensorId,kind,severity,status,title,assignee,openedAt,updatedAt,resolvedAt');
    expect(all).toHaveLength(3);
    const open = (await (await get('/export/tickets?status=OPEN,ACKNOWLEDGED&severity=HIGH')).text())
      .trimEnd()
      .split('\n');
    expect(open).toHaveLength(2);
    expect(open[1]).toContain(',ex-3,SPIKE,HIGH,OPEN,"Spikes, ""big"" ones",,');
    const zone = (await (await get('/export/tickets?zoneId=zx')).text()).trimEnd().split('\n');
    expect(zone.slice(1).map((l) => l.split(',')[1])).toEqual(['ex-1']);
  });
});
