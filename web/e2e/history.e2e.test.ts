// End to end, keys configured: a sensor with 30 days of history in real Chromium, in a
// German locale and the Berlin time zone. Ranges 1 h … 30 d from Sensor.series (bucket
// counts add up to the stored readings), zoom by button and by drag loading finer buckets,
// a custom absolute range, the time zone named and times in the browser's own format, the
// trust history's unhealthy periods with their fault kinds, downloads that carry the
// signed-in key (readings CSV/NDJSON, tickets CSV) and a CSV import of sensors with an
// outcome per row; at 1440 and 390 px.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../server/test/support/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_KEY = 'e2e-history-admin-key-0123456789';
const SENSOR = 'depot-t1';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.now();

/** 30 days every 10 min, a silent day 10–11 days ago, the last 6 h every minute, a hot hour 3 h ago. */
function history(): { sensorId: string; timestamp: string; value: number }[] {
  const out: { sensorId: string; timestamp: string; value: number }[] = [];
  const value = (t: number) =>
    Math.round((21 + 2 * Math.sin((t / DAY) * 2 * Math.PI) + ((t / MIN) % 7) / 20) * 100) / 100;
  for (let t = NOW - 30 * DAY; t < NOW - 6 * HOUR; t += 10 * MIN) {
    if (t > NOW - 11 * DAY && t < NOW - 10 * DAY) continue;
    out.push({ sensorId: SENSOR, timestamp: new Date(t).toISOString(), value: value(t) });
  }
  for (let t = NOW - 6 * HOUR; t < NOW - 30_000; t += MIN) {
    const hot = t > NOW - 3 * HOUR && t < NOW - 2 * HOUR;
    out.push({ sensorId: SENSOR, timestamp: new Date(t).toISOString(), value: hot ? 95 : value(t) });
  }
  return out;
}

describe.skipIf(!existsSync(CHROMIUM))('history in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let readings: ReturnType<typeof history>;
  const shots = join(ROOT, 'test-results');

  const gql = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data;
  };

  const inRange = (from: number, to: number) =>
    readings.filter((r) => Date.parse(r.timestamp) >= from && Date.parse(r.timestamp) <= to).length;

  beforeAll(async () => {
    if (process.env.E2E_SKIP_BUILD !== '1') {
      const build = spawnSync('npm', ['run', 'build:web'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production' },
      });
      if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
    }
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'st-e2e-history-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, SWEEP_INTERVAL_SECONDS: '0' });
    await gql('mutation { upsertZone(input: { id: "depot", name: "Depot" }) { id } }');
    await gql(
      `mutation { upsertSensor(input: { id: "${SENSOR}", name: "Depot temperature 1", kind: "temperature", unit: "°C",
        zoneId: "depot", minValue: -20, maxValue: 60, expectedIntervalSeconds: 60 }) { id } }`,
    );
    readings = history();
    for (let i = 0; i < readings.length; i += 5000)
      await gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', {
        r: readings.slice(i, i + 5000),
      });
    await gql('{ awaitTrust(timeoutMs: 60000) { position } }');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The browser's own language (what native date inputs follow) as well as the page's locale.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=de-DE'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A signed-in ADMIN in German, in Berlin; every request's Authorization is recorded by path. */
  async function open(width: number): Promise<{ context: BrowserContext; page: Page; auth: Map<string, string[]> }> {
    const context = await browser.newContext({
      viewport: { width, height: width < 500 ? 844 : 900 },
      locale: 'de-DE',
      timezoneId: 'Europe/Berlin',
      acceptDownloads: true,
    });
    await context.addInitScript((key) => sessionStorage.setItem('sensor-trust.apiKey', key), ADMIN_KEY);
    const page = await context.newPage();
    const auth = new Map<string, string[]>();
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/export/')) auth.set(path, [...(auth.get(path) ?? []), r.headers().authorization ?? '']);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { context, page, auth };
  }

  /** The summary under the readings chart, once the range asked for has loaded. */
  const summary = async (page: Page) => {
    await page.locator('[data-testid=readings-summary][aria-busy=false]').waitFor();
    return page.getByTestId('readings-summary').textContent();
  };
  const readingCount = async (page: Page) =>
    Number(/^([\d.]+) readings/.exec((await summary(page)) ?? '')?.[1]?.replace(/\./g, ''));
  const shownRange = async (page: Page) => {
    const params = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1] ?? '');
    return params;
  };

  it('shows 1 h … 30 d from the series with counts that add up, zooms to finer data, and names the zone', async () => {
    const { context, page } = await open(1440);
    await page.goto(`${server.url}/#/sensors/${SENSOR}`);
    await page.getByTestId('readings-chart').waitFor();
    await page.getByTestId('readings-summary').waitFor();
    expect(await page.getByTestId('range-shown').textContent()).toContain('Europe/Berlin (UTC+1)');
    expect(await page.getByTestId('time-zone-note').textContent()).toContain('Europe/Berlin (UTC+1)');
    // 6 h by default: one reading a minute.
    expect(Math.abs((await readingCount(page)) - inRange(NOW - 6 * HOUR, NOW))).toBeLessThanOrEqual(2);

    await page.getByRole('button', { name: '30 d' }).click();
    await expect.poll(() => summary(page)).toContain('buckets of 2 h');
    expect((await shownRange(page)).get('range')).toBe('30d');
    expect(Math.abs((await readingCount(page)) - readings.length), (await summary(page))!).toBeLessThanOrEqual(2);
    // German dates and 24-hour times on the range line; no US "am/pm".
    const line = (await page.getByTestId('range-shown').textContent())!;
    expect(line).toMatch(/\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}|\d{1,2}\. \w+\.? \d{4}, \d{2}:\d{2}/);
    expect(line).not.toMatch(/am|pm|AM|PM/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'history-30d.png') });

    // Zoom in by button: half the range, finer buckets.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => summary(page)).toContain('buckets of 37 min');
    const zoomed = await shownRange(page);
    const from = Date.parse(zoomed.get('from')!);
    const to = Date.parse(zoomed.get('to')!);
    expect(to - from).toBe(15 * DAY);

    // Drag across the middle fifth of the chart: a narrower custom range, finer again.
    const box = (await page.locator('[data-testid=readings-chart] .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await shownRange(page)).get('from')).not.toBe(zoomed.get('from'));
    const dragged = await shownRange(page);
    const span = Date.parse(dragged.get('to')!) - Date.parse(dragged.get('from')!);
    expect(span).toBeGreaterThan(2 * DAY);
    expect(span).toBeLessThan(4 * DAY);
    await expect.poll(() => summary(page)).toMatch(/buckets of (\d+ min)/);
    const count = await readingCount(page);
    expect(
      Math.abs(count - inRange(Date.parse(dragged.get('from')!), Date.parse(dragged.get('to')!))),
    ).toBeLessThanOrEqual(2);

    // The legend's time under the cursor: browser locale, 24-hour clock.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    const legendTime = await page.locator('[data-testid=readings-chart] .u-legend .u-series').first().textContent();
    expect(legendTime).toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(legendTime).not.toMatch(/am|pm|AM|PM/);

    // A custom absolute range: the silent day 10–11 days ago, with a margin each side.
    await page.getByRole('button', { name: 'Custom…' }).click();
    const form = page.getByRole('form', { name: 'Custom time range' });
    const local = (t: number) =>
      new Date(t).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' }).slice(0, 16).replace(' ', 'T');
    await form.getByLabel('From').fill(local(NOW - 12 * DAY));
    await form.getByLabel('To').fill(local(NOW - 9 * DAY));
    await form.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(async () => (await shownRange(page)).get('from'))
      .toBe(new Date(Math.floor((NOW - 12 * DAY) / MIN) * MIN).toISOString());
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'history-gap.png') });
    await context.close();
  });

  it('shades the flagged readings (the hot hour 3 h ago) as a strip under the readings, at 1440 and 390 px', async () => {
    const data = await gql<{ sensor: { series: { at: string; count: number; flagged: number }[] } }>(
      `query($from: DateTime!, $to: DateTime!) { sensor(id: "${SENSOR}") { series(from: $from, to: $to, points: 600) { at count flagged } } }`,
      { from: new Date(NOW - 6 * HOUR).toISOString(), to: new Date(NOW).toISOString() },
    );
    const flaggedAt = data.sensor.series.filter((p) => p.flagged > 0).map((p) => Date.parse(p.at));
    // The 59 readings out of range (95 > 60) are flagged; none before the hot hour.
    expect(data.sensor.series.reduce((n, p) => n + p.flagged, 0)).toBeGreaterThanOrEqual(59);
    expect(Math.min(...flaggedAt)).toBeGreaterThan(NOW - 3 * HOUR - MIN);
    for (const width of [1440, 390]) {
      const { context, page } = await open(width);
      await page.goto(`${server.url}/#/sensors/${SENSOR}?range=6h`);
      await page.getByTestId('readings-chart').waitFor();
      await summary(page);
      expect(await page.getByTestId('readings-summary').textContent()).toContain('flagged readings');
      await page.waitForTimeout(300);
      // The strip's colour (rgba(192, 38, 211, …) over the page) is drawn on the chart's canvas.
      const magenta = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=readings-chart] canvas')!;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i]! > 150 && px[i + 1]! < 120 && px[i + 2]! > 150) n++;
        return n;
      });
      expect(magenta, `${width} px`).toBeGreaterThan(100);
      await page.screenshot({ path: join(shots, `history-flagged-${width}.png`), fullPage: width < 500 });
      await context.close();
    }
  });

  it('lists the unhealthy periods of the trust history with their fault kinds', async () => {
    const { context, page } = await open(1440);
    await page.goto(`${server.url}/#/sensors/${SENSOR}`);
    const periods = page.getByTestId('history-periods');
    await periods.waitFor();
    expect(await periods.textContent()).toMatch(/(faulty|degraded).*Out of range/);
    await page.getByTestId('trust-history-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'history-trust.png'), fullPage: true });
    await context.close();
  });

  it('downloads readings, a zone and the tickets board with the signed-in key', async () => {
    const { context, page, auth } = await open(1440);
    await page.goto(`${server.url}/#/sensors/${SENSOR}?range=24h`);
    await page.getByTestId('readings-summary').waitFor();
    const csv = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]).then(([d]) => d);
    expect(csv.suggestedFilename()).toBe(`readings-${SENSOR}.csv`);
    const lines = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('sensorId,timestamp,value');
    expect(Math.abs(lines.length - 1 - inRange(NOW - DAY, NOW))).toBeLessThanOrEqual(2);
    expect(auth.get('/export/readings')).toEqual([`Bearer ${ADMIN_KEY}`]);

    const nd = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download NDJSON' }).click(),
    ]).then(([d]) => d);
    const first = JSON.parse(readFileSync(await nd.path(), 'utf8').split('\n')[0]!) as { sensorId: string };
    expect(first.sensorId).toBe(SENSOR);

    await page.goto(`${server.url}/#/zones/depot`);
    const zonePanel = page.getByRole('region', { name: 'Download readings' });
    await zonePanel.getByRole('button', { name: '7 d' }).click();
    const zone = await Promise.all([
      page.waitForEvent('download'),
      zonePanel.getByRole('button', { name: 'Download CSV' }).click(),
    ]).then(([d]) => d);
    expect(zone.suggestedFilename()).toBe('readings-zone-depot.csv');
    const zoneLines = readFileSync(await zone.path(), 'utf8')
      .trim()
      .split('\n');
    expect(Math.abs(zoneLines.length - 1 - inRange(NOW - 7 * DAY, NOW))).toBeLessThanOrEqual(3);

    await page.goto(`${server.url}/#/tickets?status=OPEN,ACKNOWLEDGED,IN_PROGRESS,RESOLVED`);
    await page.getByTestId('ticket-count').waitFor();
    const board = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]).then(([d]) => d);
    const rows = readFileSync(await board.path(), 'utf8')
      .trim()
      .split('\n');
    expect(rows[0]).toBe('id,sensorId,kind,severity,status,title,assignee,openedAt,updatedAt,resolvedAt');
    const total = Number(/(\d+) matching/.exec((await page.getByTestId('ticket-count').textContent()) ?? '')?.[1]);
    expect(rows.length - 1).toBe(total);
    expect(auth.get('/export/tickets')?.[0]).toBe(`Bearer ${ADMIN_KEY}`);
    await context.close();
  });

  it('imports sensors from a CSV file with an outcome per row', async () => {
    const { context, page } = await open(1440);
    await page.goto(`${server.url}/#/registry`);
    await page.getByRole('button', { name: 'Import sensors from CSV…' }).click();
    const csv = [
      'id,name,kind,unit,zoneId,minValue,maxValue,expectedIntervalSeconds',
      'depot-t2,"Depot temperature 2",temperature,°C,depot,-20,60,60',
      `${SENSOR},Depot temperature 1 (renamed),temperature,°C,depot,-20,60,60`,
      'depot-t3,Depot temperature 3,temperature,°C,nowhere,-20,60,60',
      'depot-t4,Depot temperature 4,temperature,°C,depot,cold,60,60',
    ].join('\n');
    await page.getByLabel('CSV file of sensors').setInputFiles({
      name: 'sensors.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByRole('button', { name: 'Import 3 sensors' }).click();
    const sum = page.getByTestId('import-summary');
    await sum.waitFor();
    expect(await sum.textContent()).toBe('1 created · 1 updated · 1 rejected · 1 not sent');
    const results = page.getByTestId('import-results');
    expect(await results.locator('tr', { hasText: 'depot-t3' }).textContent()).toContain('UNKNOWN_ZONE');
    expect(await results.locator('tr', { hasText: 'depot-t4' }).textContent()).toContain(
      'minValue "cold" is not a number',
    );
    const sensor = await gql<{ sensor: { name: string } | null }>('{ sensor(id: "depot-t2") { name } }');
    expect(sensor.sensor?.name).toBe('Depot temperature 2');
    await page.screenshot({ path: join(shots, 'history-import.png'), fullPage: true });
    await context.close();
  });

  it('fits 390 px: the range controls, the charts, the downloads and the import', async () => {
    const { context, page } = await open(390);
    await page.goto(`${server.url}/#/sensors/${SENSOR}?range=7d`);
    await page.getByTestId('readings-summary').waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Zoom out' }).click();
    await expect.poll(() => summary(page)).toContain('buckets of');
    expect((await shownRange(page)).get('from')).toBeTruthy();
    await page.getByRole('button', { name: 'Custom…' }).click();
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, 'history-phone.png'), fullPage: true });
    await page.goto(`${server.url}/#/registry`);
    await page.getByRole('button', { name: 'Import sensors from CSV…' }).click();
    await page.getByLabel('CSV file of sensors').setInputFiles({
      name: 'more.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('id,name,kind\nphone-1,Phone one,temperature\nphone-2,,temperature\n'),
    });
    await page.getByRole('button', { name: 'Import 2 sensors' }).click();
    await page.getByTestId('import-summary').waitFor();
    expect(await page.getByTestId('import-summary').textContent()).toBe('1 created · 0 updated · 1 rejected');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, 'history-import-phone.png'), fullPage: true });
    await context.close();
  });
});
