// End to end with keys configured: the built app in real Chromium asks for a
// key, refuses a wrong one, shows who is signed in with which role, hides what
// the role may not do, keeps the key for the session (or remembers it), signs out.
// An INTEGRATOR (ingestion and the registry only) gets the registry with a note
// on what its key can do, and never a query the server refuses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../server/test/support/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

describe.skipIf(!existsSync(CHROMIUM))('sign-in in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let viewerKey: string;
  let integratorKey: string;
  const gql = async (query: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data: Record<string, { key: string }> };
  };

  beforeAll(async () => {
    // The server serves web/dist: build it from this checkout (E2E_SKIP_BUILD=1 when it is fresh).
    if (process.env.E2E_SKIP_BUILD !== '1') {
      // NODE_ENV=production: under vitest it is 'test', which would build React's development bundle.
      const build = spawnSync('npm', ['run', 'build:web'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production' },
      });
      if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
    }
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'st-e2e-auth-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, SWEEP_INTERVAL_SECONDS: '0' });
    await gql('mutation { upsertZone(input: { id: "hall", name: "Hall A" }) { id } }');
    await gql(
      'mutation { upsertSensor(input: { id: "hall-temp-1", name: "Hall temperature 1", kind: "temperature", unit: "°C", zoneId: "hall" }) { id } }',
    );
    viewerKey = (await gql('mutation { createApiKey(name: "wallboard", role: VIEWER) { key } }')).data.createApiKey!
      .key;
    integratorKey = (await gql('mutation { createApiKey(name: "line-3", role: INTEGRATOR) { key } }')).data
      .createApiKey!.key;
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

  /** Console errors, page errors, and every GraphQL error code the page received over HTTP or the socket. */
  function watch(page: Page) {
    const errors: string[] = [];
    const codes: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location().url}`);
    });
    const collect = (via: string) => (text: string) => {
      for (const match of text.matchAll(/"code":"([A-Z_]+)"/g)) codes.push(`${match[1]} via ${via}`);
    };
    // Before sign-in the app asks who it is without a key (401 UNAUTHENTICATED, expected): only keyed requests count.
    page.on('response', (res) => {
      const request = res.request();
      if (new URL(res.url()).pathname.startsWith('/graphql') && request.headers().authorization)
        void res.text().then(collect(`HTTP ${request.postData()}`), () => undefined);
    });
    page.on('websocket', (ws) => ws.on('framereceived', (frame) => collect('WebSocket')(String(frame.payload))));
    // ... and the browser logs that 401 as a console error: count from sign-in on.
    const signingIn = () => {
      errors.length = 0;
      codes.length = 0;
    };
    return { errors, codes, signingIn };
  }

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`signs an INTEGRATOR in to the registry and what its key can do, with no FORBIDDEN (${viewport.width} px)`, async () => {
      const page = await browser.newPage({ viewport });
      const seen = watch(page);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('#api-key');
      seen.signingIn();
      await page.fill('#api-key', integratorKey);
      await page.click('button[type=submit]');

      const notice = page.getByTestId('role-notice');
      await notice.waitFor();
      await page.getByTestId('ingest-sensor-hall-temp-1').waitFor();
      await page.getByTestId('registry-zone-hall').waitFor();
      expect((await notice.textContent())?.replace(/\s+/g, ' ')).toContain(
        'This key (line-3, INTEGRATOR) can ingest readings and read the registry; the dashboard, trust scores and tickets need a VIEWER key or higher.',
      );
      expect(await page.textContent('.role-badge')).toBe('integrator');
      // Only what the key can use: the registry link, no search, no links into zone or sensor pages.
      expect(await page.locator('nav[aria-label=Main] a').allTextContents()).toEqual(['Registry']);
      expect(await page.locator('form[role=search]').count()).toBe(0);
      expect(await page.getByTestId('registry-zone-hall').locator('a').count()).toBe(0);
      expect(await page.locator('.board-toolbar, .state-error').count()).toBe(0);
      await page.waitForTimeout(500);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${width} px wide at ${viewport.width} px`).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: join(ROOT, `test-results/integrator-${viewport.width}.png`), fullPage: true });

      // A link to a dashboard page (bookmarked, shared) lands on the same view, not on errors.
      for (const hash of ['#/tickets', '#/zones/hall', '#/sensors/hall-temp-1', '#/search?q=hall']) {
        await page.goto(`${server.url}/${hash}`);
        await page.getByTestId('ingest-sensor-hall-temp-1').waitFor();
        expect(await page.getByTestId('role-notice').count(), hash).toBe(1);
      }
      await page.waitForTimeout(500);
      expect(await page.locator('body').textContent()).not.toContain('FORBIDDEN');
      expect(seen.codes, 'GraphQL error codes received').toEqual([]);
      expect(seen.errors, 'console errors').toEqual([]);

      await page.getByTestId('role-notice').getByRole('button', { name: 'Sign out' }).click();
      await page.waitForSelector('#api-key');
      expect(await page.evaluate(() => sessionStorage.getItem('sensor-trust.apiKey'))).toBeNull();
      await page.close();
    });
  }

  it('still gives a VIEWER the dashboard, without the integrator note', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const seen = watch(page);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#api-key');
    seen.signingIn();
    await page.fill('#api-key', viewerKey);
    await page.click('button[type=submit]');
    await page.getByTestId('sensor-count').waitFor();
    await page.getByTestId('zone-tile-hall').waitFor();
    expect(await page.locator('nav[aria-label=Main] a').allTextContents()).toEqual([
      'Overview',
      'Tickets',
      'Incidents',
      'Registry',
    ]);
    expect(await page.getByTestId('role-notice').count()).toBe(0);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ROOT, 'test-results/viewer-overview-1440.png') });
    expect(seen.codes, 'GraphQL error codes received').toEqual([]);
    expect(seen.errors, 'console errors').toEqual([]);
    await page.close();
  });
});
