// End to end with keys configured: the built app in real Chromium asks for a
// key, refuses a wrong one, shows who is signed in with which role, hides what
// the role may not do, keeps the key for the session (or remembers it), signs out.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../server/test/support/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

describe.skipIf(!existsSync(CHROMIUM))('sign-in in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let viewerKey: string;
  const gql = async (query: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data: Record<string, { key: string }> };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'st-e2e-auth-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, SWEEP_INTERVAL_SECONDS: '0' });
    await gql('mutation { upsertZone(input: { id: "hall", name: "Hall A" }) { id } }');
    viewerKey = (await gql('mutation { createApiKey(name: "wallboard", role: VIEWER) { key } }')).data.createApiKey!
      .key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for a key, refuses a wrong one, signs a VIEWER in without ticket actions, and signs out', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#api-key');
    await page.fill('#api-key', 'st_not-a-key');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('not valid');

    await page.fill('#api-key', viewerKey);
    await page.click('button[type=submit]');
    await page.waitForSelector('.signed-in');
    expect(await page.textContent('.signed-in')).toContain('wallboard');
    expect(await page.textContent('.role-badge')).toBe('viewer');
    await page.click('nav >> text=Tickets');
    await page.waitForSelector('text=No tickets match these filters.');
    expect(await page.locator('.board-toolbar').count()).toBe(0); // no bulk actions for a VIEWER
    // Kept for the session only (not remembered): sessionStorage, not localStorage.
    expect(await page.evaluate(() => sessionStorage.getItem('sensor-trust.apiKey'))).toBe(viewerKey);
    expect(await page.evaluate(() => localStorage.getItem('sensor-trust.apiKey'))).toBeNull();
    await page.reload();
    await page.waitForSelector('.signed-in');

    await page.click('.sign-out');
    await page.waitForSelector('#api-key');
    expect(await page.evaluate(() => sessionStorage.getItem('sensor-trust.apiKey'))).toBeNull();
    await page.close();
  });

  it('remembers an ADMIN key across sessions when asked', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#api-key');
    await page.fill('#api-key', ADMIN_KEY);
    await page.check('.sign-in-remember input');
    await page.click('button[type=submit]');
    await page.waitForSelector('.signed-in');
    expect(await page.textContent('.role-badge')).toBe('admin');
    expect(await page.evaluate(() => localStorage.getItem('sensor-trust.apiKey'))).toBe(ADMIN_KEY);
    const second = await context.newPage();
    await second.goto(`${server.url}/`);
    await second.waitForSelector('.signed-in');
    await context.close();
  });
});
