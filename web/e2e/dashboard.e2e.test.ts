// End to end: the built dashboard in real Chromium against the real server
// process. It must show the fleet, then — without a reload — a sensor turning
// faulty and its ticket appearing after a burst of out-of-range readings.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startE2eServer, type E2eServer } from './support/e2e-server.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `dashboard e2e skipped: ${CHROMIUM} is missing. Enable it with: sudo apt-get update && sudo apt-get install -y chromium`,
  );
}

const ZONES = [
  { id: 'north-hall', name: 'North Hall' },
  { id: 'cold-store', name: 'Cold Store' },
  { id: 'server-room', name: 'Server Room' },
  { id: 'lab', name: 'Lab' },
];
const KINDS = [
  { kind: 'temperature', unit: '°C', minValue: -30, maxValue: 60, base: 21, wiggle: 0.4 },
  { kind: 'humidity', unit: '%', minValue: 0, maxValue: 100, base: 45, wiggle: 2 },
];
const FAULTY_SENSOR = 'cold-store-temperature-2';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;
  let baseUrl: string;
  let gql: E2eServer['gql'];

  beforeAll(async () => {
    server = await startE2eServer('dashboard');
    baseUrl = server.url;
    gql = server.gql;

    // A small fleet with a few minutes of healthy history.
    const now = Date.now();
    const readings: { sensorId: string; timestamp: string; value: number }[] = [];
    for (const zone of ZONES) {
      await gql('mutation($input: ZoneInput!) { upsertZone(input: $input) { id } }', { input: zone });
      for (const k of KINDS) {
        for (let n = 1; n <= 3; n++) {
          const id = `${zone.id}-${k.kind}-${n}`;
          await gql('mutation($input: SensorInput!) { upsertSensor(input: $input) { id } }', {
            input: {
              id,
              name: `${zone.name} ${k.kind} ${n}`,
              kind: k.kind,
              unit: k.unit,
              zoneId: zone.id,
              minValue: k.minValue,
              maxValue: k.maxValue,
              expectedIntervalSeconds: 5,
            },
          });
          for (let i = 40; i >= 1; i--) {
            readings.push({
              sensorId: id,
              timestamp: new Date(now - i * 5000).toISOString(),
              value: k.base + n * 0.3 + Math.sin(i / 4) * k.wiggle + ((i * 7919) % 13) / 40,
            });
          }
        }
      }
    }
    readings.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    await gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', { r: readings });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the fleet, then a faulty sensor and its ticket live, without reloading', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${baseUrl}/`);

    await page.getByTestId('sensor-count').filter({ hasText: '24' }).waitFor();
    for (const zone of ZONES) await page.getByTestId(`zone-tile-${zone.id}`).waitFor();
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // A burst of impossible temperatures from one sensor.
    const start = Date.now();
    const burst = Array.from({ length: 8 }, (_, i) => ({
      sensorId: FAULTY_SENSOR,
      timestamp: new Date(start - (7 - i) * 500).toISOString(),
      value: 150 + i,
    }));
    const ingest = await gql<{ ingestReadings: { accepted: number } }>(
      'mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }',
      { r: burst },
    );
    expect(ingest.ingestReadings.accepted).toBe(8);

    const unhealthy = async () => {
      const texts = await Promise.all(
        ['FAULTY', 'DEGRADED'].map((s) => page.getByTestId(`status-count-${s}`).textContent()),
      );
      return texts.reduce((sum, t) => sum + Number(/(\d+)\s*$/.exec(t ?? '')?.[1] ?? 0), 0);
    };
    await expect.poll(unhealthy, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const activity = page.getByTestId('ticket-activity-item').filter({ hasText: 'Cold Store temperature 2' });
    await activity.first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('open-tickets').textContent()).not.toBe('0');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.waitForTimeout(500); // let the tiles settle after the last push
    // Saved under test-results/ (git-ignored); UPDATE_SCREENSHOT=1 refreshes the README's picture.
    await page.screenshot({
      path: join(ROOT, process.env.UPDATE_SCREENSHOT === '1' ? 'docs/dashboard.png' : 'test-results/dashboard.png'),
    });

    // The zone view (in-app navigation) shows the sensor's status in words.
    await page.getByTestId('zone-tile-cold-store').click();
    const row = page.getByTestId(`sensor-row-${FAULTY_SENSOR}`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/FAULTY|DEGRADED/);
    expect(pageErrors).toEqual([]);
  });

  it('serves GraphiQL from its own assets: it renders, runs a query with the signed-in key, and asks no other host', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const foreign: string[] = [];
    const authorizations: (string | undefined)[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
      if (url === `${baseUrl}/graphql` && request.method() === 'POST')
        authorizations.push(request.headers()['authorization']);
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript(() => sessionStorage.setItem('sensor-trust.apiKey', 'e2e-key'));
    await page.goto(`${baseUrl}/graphiql`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    // The editors load lazily after the container renders: a click on "execute"
    // before the query editor holds the example query runs nothing. Wait for
    // both editors, then run it.
    await expect
      .poll(() => page.locator('.graphiql-query-editor .CodeMirror-code').textContent(), { timeout: 30_000 })
      .toContain('dashboardSummary');
    await page.locator('.result-window .CodeMirror').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect
      .poll(() => page.locator('.result-window .CodeMirror-code').textContent(), { timeout: 30_000 })
      .toContain('sensorCount');
    expect(await page.title()).toContain('GraphiQL');
    expect(authorizations).toContain('Bearer e2e-key');
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('resolves tickets in bulk from the board, after a confirmation, with a note', async () => {
    // Two new sensors in a zone of their own send impossible values: OUT_OF_RANGE opens a ticket at once.
    await gql('mutation { upsertZone(input: { id: "annex", name: "Annex" }) { id } }');
    for (const id of ['annex-1', 'annex-2']) {
      await gql('mutation($input: SensorInput!) { upsertSensor(input: $input) { id } }', {
        input: {
          id,
          name: `Annex ${id}`,
          kind: 'temperature',
          unit: '°C',
          zoneId: 'annex',
          minValue: -30,
          maxValue: 60,
        },
      });
    }
    const at = new Date().toISOString();
    await gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', {
      r: ['annex-1', 'annex-2'].map((sensorId) => ({ sensorId, timestamp: at, value: 500 })),
    });
    const open = async () =>
      (
        await gql<{ tickets: { totalCount: number } }>(
          '{ tickets(filter: { status: [OPEN, ACKNOWLEDGED, IN_PROGRESS], zoneId: "annex" }) { totalCount } }',
        )
      ).tickets.totalCount;
    await expect.poll(open, { timeout: 30_000 }).toBe(2);
    const n = 2;

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${baseUrl}/#/tickets?status=OPEN,ACKNOWLEDGED,IN_PROGRESS&zone=annex&q=annex`);
    await page
      .getByTestId('ticket-count')
      .filter({ hasText: `${n} matching` })
      .waitFor();
    await page.getByLabel('Select all on this page').check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByText(`${n} selected`).waitFor();
    await bar.getByRole('button', { name: 'Resolve…' }).click();
    await bar.getByLabel(/Resolution note/).fill('replaced the probes');
    await bar.getByRole('button', { name: `Confirm: resolve ${n}` }).click();
    await page
      .getByTestId('bulk-outcome')
      .filter({ hasText: `Resolved ${n} of ${n}` })
      .waitFor();
    await page.getByText('No tickets match these filters.').waitFor({ timeout: 15_000 });
    expect(await open()).toBe(0);
    const resolved = await gql<{ tickets: { nodes: { events: { type: string; note: string | null }[] }[] } }>(
      '{ tickets(filter: { status: [RESOLVED], zoneId: "annex" }, first: 10) { nodes { events { type note } } } }',
    );
    for (const t of resolved.tickets.nodes) {
      expect(t.events.at(-1)).toEqual({ type: 'resolved', note: 'replaced the probes' });
    }
  });

  it('fits a 390 px phone on every page, light and dark, and titles each tab after its page', async () => {
    const pages = [
      { hash: '#/', ready: 'sensor-count', title: 'Overview · Sensor Trust' },
      { hash: '#/zones/cold-store', ready: `sensor-row-${FAULTY_SENSOR}`, title: 'Cold Store · Sensor Trust' },
      { hash: `#/sensors/${FAULTY_SENSOR}`, ready: 'readings-chart', title: 'Cold Store temperature 2 · Sensor Trust' },
      {
        hash: '#/tickets?status=OPEN,ACKNOWLEDGED,IN_PROGRESS,RESOLVED',
        ready: 'ticket-count',
        title: /^Tickets \(\d+\) · Sensor Trust$/,
      },
    ];
    for (const theme of ['light', 'dark']) {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      for (const p of pages) {
        await page.goto(`${baseUrl}/?theme=${theme}${p.hash}`);
        await page.getByTestId(p.ready).first().waitFor();
        await page.waitForTimeout(300);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${p.hash} (${theme}) is ${width} px wide`).toBeLessThanOrEqual(390);
        expect(await page.title()).toMatch(p.title);
      }
      await page.screenshot({ path: join(ROOT, `test-results/phone-${theme}.png`) });
      await page.close();
    }
  });

  it('has no serious or critical axe-core violations on any page, light or dark, at 1440 and 390 px', async () => {
    const pages = [
      { hash: '#/', ready: 'sensor-count' },
      { hash: '#/zones/cold-store', ready: `sensor-row-${FAULTY_SENSOR}` },
      { hash: `#/sensors/${FAULTY_SENSOR}`, ready: 'readings-chart' },
      { hash: '#/tickets?status=OPEN,ACKNOWLEDGED,IN_PROGRESS,RESOLVED', ready: 'ticket-count' },
      { hash: '#/registry', ready: 'registry-zone-cold-store' },
      { hash: '#/search?q=cold', ready: `search-result-${FAULTY_SENSOR}` },
    ];
    const found: string[] = [];
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      for (const theme of ['light', 'dark']) {
        const page = await browser.newPage({ viewport });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        for (const p of pages) {
          await page.goto(`${baseUrl}/?theme=${theme}${p.hash}`);
          await page.getByTestId(p.ready).first().waitFor({ timeout: 30_000 });
          await page.waitForTimeout(300);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width, `${p.hash} (${theme}) is ${width} px wide`).toBeLessThanOrEqual(viewport.width);
          // Through DevTools, not a <script> element: the page's Content-Security-Policy refuses inline scripts.
          await page.evaluate(`${AXE_SOURCE}\n;undefined`);
          const violations = await page.evaluate(async () => {
            const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<AxeResults> } }).axe;
            type AxeResults = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] };
            const result = await axe.run(document);
            return result.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id} ×${v.nodes.length}: ${v.nodes[0]?.target.join(' ')}`);
          });
          for (const v of violations) found.push(`${viewport.width} px ${theme} ${p.hash}: ${v}`);
        }
        expect(errors, `console errors (${viewport.width} px, ${theme})`).toEqual([]);
        await page.close();
      }
    }
    expect(found).toEqual([]);
  });

  it('runs the registry from the UI: a zone, a sensor in it, retire it, and the empty zone cannot go until it is empty', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${baseUrl}/#/registry`);
    await page.getByRole('button', { name: 'New zone…' }).click();
    const zoneForm = page.getByRole('form', { name: 'New zone' });
    await zoneForm.getByLabel('Id').fill('e2e-depot');
    await zoneForm.getByLabel('Name').fill('E2E Depot');
    await zoneForm.getByRole('button', { name: 'Create zone' }).click();
    await page.getByRole('heading', { name: 'E2E Depot' }).waitFor();

    await page.getByRole('button', { name: 'Add sensor…' }).click();
    const sensorForm = page.getByRole('form', { name: 'New sensor' });
    await sensorForm.getByLabel('Id').fill('e2e-depot-t1');
    await sensorForm.getByLabel('Name').fill('Depot probe');
    await sensorForm.getByLabel('Plausible min').fill('-10');
    await sensorForm.getByLabel('Plausible max').fill('40');
    await sensorForm.getByRole('button', { name: 'Register sensor' }).click();
    await page.getByRole('heading', { name: 'Depot probe' }).waitFor();
    await page.getByText('plausible range -10 – 40').waitFor();

    await page.getByRole('button', { name: 'Retire…' }).click();
    await page.getByLabel(/Why/).fill('e2e: moved out');
    await page.getByRole('button', { name: 'Confirm: retire' }).click();
    await page.getByTestId('retired-banner').waitFor();
    const sensor = await gql<{ sensor: { retiredAt: string | null } }>('{ sensor(id: "e2e-depot-t1") { retiredAt } }');
    expect(sensor.sensor.retiredAt).not.toBeNull();

    // A retired sensor still holds the zone: deleting it is refused, with the reason.
    await page.goto(`${baseUrl}/#/registry`);
    const row = page.getByTestId('registry-zone-e2e-depot');
    await row.getByRole('button', { name: 'Delete…' }).click();
    await row.getByRole('button', { name: 'Confirm: delete' }).click();
    await row.getByRole('alert').filter({ hasText: 'ZONE_NOT_EMPTY' }).waitFor();
    await page.getByTestId('retired-e2e-depot-t1').waitFor();
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  // Last: it stops and restarts the server.
  it('schedules maintenance from a sensor page and ends it, on a desktop and on a phone', async () => {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await browser.newPage({ viewport });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${baseUrl}/#/sensors/lab-temperature-2`);
      const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Maintenance', exact: true }) });
      await panel.getByText('No maintenance planned.').waitFor();
      await panel.getByRole('button', { name: 'Schedule maintenance…' }).click();
      const form = panel.getByRole('form', { name: 'Schedule maintenance' });
      const reason = `e2e calibration at ${viewport.width} px`;
      await form.getByLabel('Reason').fill(reason);
      await form.getByRole('button', { name: 'Schedule', exact: true }).click();
      const item = panel.getByTestId('maintenance-window').filter({ hasText: reason });
      await item.waitFor();
      expect(await item.textContent()).toContain('In progress');
      await item.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ROOT, `test-results/maintenance-${viewport.width}.png`) });
      const listed = await gql<{ maintenanceWindows: { reason: string; active: boolean }[] }>(
        '{ maintenanceWindows(sensorId: "lab-temperature-2") { reason active } }',
      );
      expect(listed.maintenanceWindows).toEqual([{ reason, active: true }]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await item.getByRole('button', { name: 'End now' }).click();
      await panel.getByText('No maintenance planned.').waitFor();
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  });

  it('falls back to Server-Sent Events when WebSockets are blocked, and to polling when both are', async () => {
    const outOfRange = async (sensorId: string) => {
      const start = Date.now();
      const r = Array.from({ length: 8 }, (_, i) => ({
        sensorId,
        timestamp: new Date(start - (7 - i) * 500).toISOString(),
        value: 150 + i,
      }));
      await gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', { r });
    };

    // A proxy that refuses WebSocket upgrades: every socket to /graphql is closed at once.
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${baseUrl}/graphql/stream`) streams.push(request.method());
    });
    await page.routeWebSocket(/\/graphql$/, (ws) => ws.close());
    await page.goto(`${baseUrl}/`);
    await page.getByTestId('live-indicator').filter({ hasText: 'Live (SSE)' }).waitFor({ timeout: 60_000 });
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.every((method) => method === 'POST')).toBe(true);
    // A change arrives over SSE, without a reload: read on the sensor's page (the overview's 12
    // latest tickets can be pushed out by the suite's own sensors going OFFLINE together, 36
    // tickets in one sweep; seen in a CI rehearsal).
    await page.goto(`${baseUrl}/#/sensors/lab-humidity-3`);
    await page.getByTestId('live-indicator').filter({ hasText: 'Live (SSE)' }).waitFor({ timeout: 60_000 });
    const ssePanel = page.locator('section[aria-labelledby="trust-heading"]');
    await ssePanel.waitFor();
    expect(await ssePanel.getByText('Out of range', { exact: true }).count()).toBe(0);
    await outOfRange('lab-humidity-3');
    await ssePanel.getByText('Out of range', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('connection-banner').count()).toBe(0);

    // Neither WebSockets nor SSE get through: the page says so and polls.
    const polling = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    polling.on('pageerror', (e) => pageErrors.push(e.message));
    await polling.routeWebSocket(/\/graphql$/, (ws) => ws.close());
    await polling.route(`${baseUrl}/graphql/stream`, (route) => route.abort());
    await polling.goto(`${baseUrl}/`);
    await polling.getByTestId('live-indicator').filter({ hasText: 'Polling' }).waitFor({ timeout: 60_000 });
    await polling.getByTestId('connection-banner').waitFor();
    // The change is read on the sensor's page (the overview's 12 latest tickets can be pushed
    // out by the suite's own sensors going OFFLINE together, 36 tickets in one sweep).
    await polling.goto(`${baseUrl}/#/sensors/north-hall-humidity-3`);
    await polling.getByTestId('live-indicator').filter({ hasText: 'Polling' }).waitFor({ timeout: 60_000 });
    const trustPanel = polling.locator('section[aria-labelledby="trust-heading"]');
    await trustPanel.waitFor();
    expect(await trustPanel.getByText('Out of range', { exact: true }).count()).toBe(0);
    await outOfRange('north-hall-humidity-3');
    await trustPanel
      .getByText('Out of range', { exact: true })
      .waitFor({ timeout: 60_000 })
      .catch(async (err: Error) => {
        // Say what the server had, to tell a slow page from a verdict that never came.
        await polling.screenshot({ path: join(ROOT, 'test-results/polling-failure.png') }).catch(() => undefined);
        const state = await gql(
          `{ sensor(id: "north-hall-humidity-3") { trust { status reasons { kind active } } tickets { kind status openedAt } } }`,
        ).catch((e: Error) => e.message);
        throw new Error(
          `${err.message}\nserver state: ${JSON.stringify(state)}\nserver log: ${server.log().slice(-2000)}`,
        );
      });
    expect(pageErrors).toEqual([]);
    await page.close();
    await polling.close();
  });

  it('keeps the last data marked "as of" while the server is down, and refreshes when it is back', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // The page's GraphQL requests (queries, polls) that got no answer.
    let failedRequests = 0;
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/graphql') failedRequests++;
    });
    await page.goto(`${baseUrl}/`);
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
    const sensors = (await page.getByTestId('sensor-count').textContent())!;
    expect(sensors).toMatch(/^\d+$/);
    expect(await page.getByTestId('stale-marker').count()).toBe(0);

    await server.halt();
    await page.getByTestId('stale-marker').filter({ hasText: 'cannot be reached' }).waitFor({ timeout: 30_000 });
    // Past a poll that failed after the marker showed (every 10 s), and the frames that render its
    // outcome: still the data, no error panel.
    const failedBefore = failedRequests;
    await expect.poll(() => failedRequests, { timeout: 30_000, interval: 100 }).toBeGreaterThan(failedBefore);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByTestId('sensor-count').textContent()).toBe(sensors);
    await page.screenshot({ path: join(ROOT, 'test-results/stale-while-offline.png') });

    await server.resume();
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('stale-marker').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.getByTestId('sensor-count').textContent()).toBe(sensors);
  });
});
