// `npm start` as a newcomer runs it: the real entry point, embedded database
// under DATA_DIR, graceful shutdown, and data kept across restarts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { gqlHttp, startServerProcess } from './support/server-process.js';

describe('server process on the embedded database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('serves GraphQL, GraphiQL and health, stops cleanly on SIGTERM and keeps data across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'st-data-'));
    dirs.push(dataDir);
    const first = await startServerProcess({ DATA_DIR: dataDir });
    try {
      expect(first.output()).toContain('database migrated');
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', mode: 'pglite' });
      const graphiql = await fetch(`${first.url}/graphiql`);
      expect(graphiql.status).toBe(200);
      expect(await graphiql.text()).toMatch(/graphiql/i);
      expect((await gqlHttp(first.url, '{ zones { id } }')).data).toEqual({ zones: [] });
      const created = await gqlHttp(
        first.url,
        `mutation { upsertZone(input: { id: "hall", name: "Hall" }) { id } upsertSensor(input: { id: "t1", name: "T1", kind: "temperature", zoneId: "hall" }) { id } }`,
      );
      expect(created.errors).toBeUndefined();
      const metrics = await fetch(`${first.url}/metrics`);
      expect(await metrics.text()).toContain('sensor_trust_http_request_duration_seconds');
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    expect(first.output()).toContain('shutting down');

    const second = await startServerProcess({ DATA_DIR: dataDir });
    try {
      expect(second.output()).toContain('database up to date');
      expect(second.output()).not.toContain('database migrated');
      const res = await gqlHttp(second.url, '{ zones { id sensors { id } } }');
      expect(res.data).toEqual({ zones: [{ id: 'hall', sensors: [{ id: 't1' }] }] });
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '`npm start` stops the server on %s to the npm process, after one human start-up line',
    async (signal) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'st-data-'));
      dirs.push(dataDir);
      const npm = spawn('npm', ['start'], {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
      npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
      const url = await vi.waitFor(
        () => {
          const m = /Sensor Trust is up: dashboard (http:\/\/\S+?)\/ /.exec(output);
          if (!m) throw new Error(`not up yet:\n${output}`);
          return m[1];
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(output).toMatch(/database: embedded PGlite in \S+ · the database is empty: `npm run demo`/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      npm.kill(signal);
      await exited;
      // Nothing keeps serving once npm is gone (the server was npm's own child, not a grandchild).
      await vi.waitFor(
        async () => {
          const alive = await fetch(`${url}/healthz`).then(
            () => true,
            () => false,
          );
          if (alive) throw new Error('server still answers');
        },
        { timeout: 20_000, interval: 200 },
      );
    },
  );

  it('refuses a bad setting at start-up with a message naming it', async () => {
    const refused = startServerProcess({ PORT: 'eighty', MQTT_URL: 'http://broker' }, 30_000);
    await expect(refused).rejects.toThrow(/Configuration error: PORT must be an integer/);
    await expect(refused).rejects.toThrow(/Configuration error: MQTT_URL must start with mqtt:/);
  });
});
