// End to end in Chromium against the real server process, at desktop width and at 390 px:
// maintenance and silences on a sensor page (who, why, until), the receivers page (create a
// Slack-compatible receiver, send a test, see the delivery), and GraphiQL's editor usable on
// a phone with a link back to the dashboard.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results', 'console-e2e');
const hasChromium = existsSync(CHROMIUM);

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(port));
    });
  });
}

describe.skipIf(!hasChromium)('console in Chromium', () => {
  let server: ChildProcess;
  let browser: Browser;
  let baseUrl: string;
  let dataDir: string;
  let serverLog = '';
  const hookBodies: string[] = [];
  const hook = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hookBodies.push(body);
      res.writeHead(200).end('ok');
    });
  });

  const gql = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data;
  };

  beforeAll(async () => {
    if (process.env.E2E_SKIP_BUILD !== '1') {
      const build = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
    }
    mkdirSync(SHOTS, { recursive: true });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    dataDir = mkdtempSync(join(tmpdir(), 'sensor-trust-console-e2e-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn('npx', ['tsx', 'server/src/server.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
        DEMO: '',
        WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout!.on('data', (d) => (serverLog += d));
    server.stderr!.on('data', (d) => (serverLog += d));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`server exited early:\n${serverLog}`);
      if (
        await fetch(`${baseUrl}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`server not ready in 120 s:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await gql(`mutation { upsertZone(input: { id: "dock", name: "Loading dock" }) { id } }`);
    for (const id of ['dock-t1', 'dock-t2']) {
      await gql(
        `mutation($id: ID!, $name: String!) { upsertSensor(input: { id: $id, name: $name, kind: "temperature", unit: "°C", zoneId: "dock", expectedIntervalSeconds: 5 }) { id } }`,
        { id, name: id },
      );
    }
    const now = Date.now();
    await gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, {
      r: Array.from({ length: 20 }, (_, i) => ({
        sensorId: i % 2 ? 'dock-t1' : 'dock-t2',
        timestamp: new Date(now - (20 - i) * 5000).toISOString(),
        value: 4 + Math.sin(i) / 5,
      })),
    });
    await gql(`mutation($i: MaintenanceInput!) { scheduleMaintenance(input: $i) { id } }`, {
      i: {
        zoneId: 'dock',
        startsAt: new Date(now - 60_000).toISOString(),
        endsAt: new Date(now + 3600_000).toISOString(),
        reason: 'door seals replaced',
      },
    });
    await gql(
      `mutation($u: DateTime!) { silence(target: { sensorId: "dock-t1" }, until: $u, note: "probe swap") { id } }`,
      {
        u: new Date(now + 2 * 3600_000).toISOString(),
      },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => hook.close(() => r()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  for (const [label, width] of [
    ['desktop', 1440],
    ['phone', 390],
  ] as const) {
    it(`shows maintenance and the silence (who, why, until) on the sensor page (${label})`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`${baseUrl}/#/sensors/dock-t1`);
      const notes = page.getByTestId('sensor-notes');
      await notes.waitFor({ timeout: 20_000 });
      const text = await notes.innerText();
      expect(text).toMatch(/Under maintenance \(whole zone\) until .+ by operator: “door seals replaced”/);
      expect(text).toMatch(/Silenced \(this sensor\) until .+ by operator: “probe swap”/);
      // The maintenance panel lists the zone's window (it said "No maintenance planned").
      await page.getByTestId('maintenance-window').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('maintenance-window').count()).toBe(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, `sensor-${label}.png`), fullPage: false });
      // The zone tile on the overview says it too.
      await page.goto(`${baseUrl}/#/`);
      const tile = page.getByTestId('zone-tile-dock');
      await tile.getByTestId('maintenance-note').waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(SHOTS, `overview-${label}.png`) });
      await page.close();
    });
  }

  it('creates a Slack-compatible receiver, sends it a test and shows the delivery (390 px)', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    await page.goto(`${baseUrl}/#/receivers`);
    const form = page.getByRole('form', { name: 'New receiver' });
    await form.waitFor({ timeout: 20_000 });
    await form.getByLabel('Kind').selectOption('SLACK');
    await form.getByLabel('Name').fill('chat');
    await form.getByLabel('URL').fill(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T/B/X`);
    await form.getByRole('button', { name: 'Create receiver' }).click();
    const panel = page.getByTestId('receiver-chat');
    await panel.waitFor({ timeout: 20_000 });
    await panel.getByRole('button', { name: 'Send test' }).click();
    await panel.getByTestId('delivery').first().waitFor({ timeout: 20_000 });
    expect(await panel.getByTestId('delivery').first().innerText()).toMatch(/test\s+DELIVERED\s+1/);
    expect(JSON.parse(hookBodies.at(-1)!)).toEqual({ text: expect.stringMatching(/^Sensor Trust TEST/) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'receivers-phone.png'), fullPage: true });
    await page.close();
  });

  it('GraphiQL links back to the dashboard and its editor is usable at 390 px', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`${baseUrl}/graphiql`);
    const editor = page.locator('.graphiql-query-editor').first();
    await editor.waitFor({ timeout: 30_000 });
    const box = await editor.boundingBox();
    // It was about 130 px wide: now the width of the screen less the run/prettify toolbar and margins.
    expect(box!.width).toBeGreaterThan(280);
    expect(await page.getByRole('link', { name: /Sensor Trust dashboard/ }).getAttribute('href')).toBe('/#/');
    await page.screenshot({ path: join(SHOTS, 'graphiql-phone.png') });
    await page.close();
  });
});
