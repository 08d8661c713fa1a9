// End to end: a fleet that falls silent, seen in real Chromium on the overview as ONE
// incident with its cause ("No readings from the fleet"), and the header saying so instead
// of "Live". Real server process (PGlite), real sweeps, real clock: 54 sensors report every
// 5 s for a while, then all stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `incidents e2e skipped: ${CHROMIUM} is missing. Enable it with: sudo apt-get update && sudo apt-get install -y chromium`,
  );

const ZONES = ['hall', 'dock', 'cold'];
const PER_ZONE = 18;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

describe.skipIf(!hasChromium)('an alert storm in Chromium', () => {
  let server: ChildProcess;
  let browser: Browser;
  let baseUrl: string;
  let dataDir: string;
  let serverLog = '';

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
    dataDir = mkdtempSync(join(tmpdir(), 'sensor-trust-incidents-e2e-'));
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
        SWEEP_INTERVAL_SECONDS: '3',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout!.on('data', (d) => (serverLog += d));
    server.stderr!.on('data', (d) => (serverLog += d));
    const deadline = Date.now() + 120_000;
    while (
      !(await fetch(`${baseUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null) throw new Error(`server exited early:\n${serverLog}`);
      if (Date.now() > deadline) throw new Error(`server not ready in 120 s:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const sensors: string[] = [];
    for (const zone of ZONES) {
      await gql('mutation($input: ZoneInput!) { upsertZone(input: $input) { id } }', {
        input: { id: zone, name: zone },
      });
      const inputs = Array.from({ length: PER_ZONE }, (_, i) => ({
        id: `${zone}-t${i}`,
        name: `${zone} t${i}`,
        kind: 'temperature',
        zoneId: zone,
        expectedIntervalSeconds: 5,
      }));
      sensors.push(...inputs.map((s) => s.id));
      await gql('mutation($inputs: [SensorInput!]!) { upsertSensors(inputs: $inputs) { created } }', { inputs });
    }
    // Live readings, one per sensor every 5 s, for 20 s; then everything stops.
    for (let round = 0; round < 5; round++) {
      const at = new Date().toISOString();
      await gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', {
        r: sensors.map((sensorId, i) => ({ sensorId, timestamp: at, value: 20 + (i % 7) * 0.1 + round * 0.01 })),
      });
      if (round < 4) await new Promise((r) => setTimeout(r, 5000));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the silent fleet as one incident with its cause, and the header says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${baseUrl}/`);
    const card = page.getByTestId('incident-card').filter({ hasText: 'No readings from the fleet' });
    await card.waitFor({ timeout: 120_000 });
    await page.getByTestId('live-indicator').filter({ hasText: 'No readings from the fleet' }).waitFor();
    // Let the rest of the storm arrive: still one card, covering the fleet's OFFLINE tickets.
    await expect
      .poll(
        async () =>
          (await gql<{ tickets: { totalCount: number } }>(`{ tickets(filter: { status: [OPEN] }) { totalCount } }`))
            .tickets.totalCount,
        { timeout: 90_000, interval: 2000 },
      )
      .toBeGreaterThanOrEqual(50);
    await expect.poll(() => card.textContent(), { timeout: 30_000 }).toMatch(/5\d sensors/);
    expect(await page.getByTestId('incident-card').count()).toBe(1);
    // The incident page lists its tickets; each ticket links back to it.
    await card.getByRole('link', { name: 'No readings from the fleet' }).click();
    await page.getByTestId('ticket-incident-link').first().waitFor();
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
