// End to end in Chromium against the real server process, at desktop width and at 390 px:
// maintenance and silences on a sensor page (who, why, until), the receivers page (create a
// Slack-compatible receiver, send a test, see the delivery), and GraphiQL's editor usable on
// a phone with a link back to the dashboard.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startE2eServer, type E2eServer } from './support/e2e-server.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-results', 'console-e2e');
const hasChromium = existsSync(CHROMIUM);

describe.skipIf(!hasChromium)('console in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;
  const hookBodies: string[] = [];
  const hook = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hookBodies.push(body);
      res.writeHead(200).end('ok');
    });
  });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    server = await startE2eServer('console', { WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' });
    const { gql } = server;
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
    await server?.stop();
    await new Promise<void>((r) => hook.close(() => r()));
  });

  for (const [label, width] of [
    ['desktop', 1440],
    ['phone', 390],
  ] as const) {
    it(`shows maintenance and the silence (who, why, until) on the sensor page (${label})`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`${server.url}/#/sensors/dock-t1`);
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
      await page.goto(`${server.url}/#/`);
      const tile = page.getByTestId('zone-tile-dock');
      await tile.getByTestId('maintenance-note').waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(SHOTS, `overview-${label}.png`) });
      await page.close();
    });
  }

  it('creates a Slack-compatible receiver, sends it a test and shows the delivery (390 px)', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    await page.goto(`${server.url}/#/receivers`);
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
    await page.goto(`${server.url}/graphiql`);
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
