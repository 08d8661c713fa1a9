// End to end: a fleet that falls silent, seen in real Chromium on the overview as ONE
// incident with its cause ("No readings from the fleet"), and the header saying so instead
// of "Live". Real server process (PGlite), real sweeps, real clock: 54 sensors report every
// 5 s for a while, then all stop.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `incidents e2e skipped: ${CHROMIUM} is missing. Enable it with: sudo apt-get update && sudo apt-get install -y chromium`,
  );

const ZONES = ['hall', 'dock', 'cold'];
const PER_ZONE = 18;

describe.skipIf(!hasChromium)('an alert storm in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startE2eServer('incidents', { SWEEP_INTERVAL_SECONDS: '3' });
    const { gql } = server;
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
    await server?.stop();
  });

  it('shows the silent fleet as one incident with its cause, and the header says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/`);
    const card = page.getByTestId('incident-card').filter({ hasText: 'No readings from the fleet' });
    await card.waitFor({ timeout: 120_000 });
    await page.getByTestId('live-indicator').filter({ hasText: 'No readings from the fleet' }).waitFor();
    // Let the rest of the storm arrive: still one card, covering the fleet's OFFLINE tickets.
    await expect
      .poll(
        async () =>
          (
            await server.gql<{ tickets: { totalCount: number } }>(
              `{ tickets(filter: { status: [OPEN] }) { totalCount } }`,
            )
          ).tickets.totalCount,
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
