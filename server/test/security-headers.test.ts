// Every answer carries the security headers: the web app's pages and files, GraphiQL,
// GraphQL (answered, refused, failed), the SSE stream (which writes its own head),
// plain routes and 404s. Real HTTP on port 0; the policy itself is checked against the
// built pages in Chromium (web/e2e/security-headers.e2e.test.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

const KEY = 'security-headers-admin-key-0123456789';

describe('security headers', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp('pglite', { env: { ADMIN_API_KEY: KEY } });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t?.close());

  function expectHeaders(res: Response, what: string) {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, what).toContain("default-src 'self'");
    expect(csp, what).toContain("script-src 'self'");
    expect(csp, what).not.toContain('unsafe-inline');
    expect(csp, what).not.toContain('unsafe-eval');
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
  }

  const json = { 'content-type': 'application/json' };
  const keyed = { ...json, authorization: `Bearer ${KEY}` };

  it('on the app, its files, GraphiQL and the single-page fallback', async () => {
    const asset = readdirSync(join(t.config.webDir, 'assets')).find((f) => f.endsWith('.js'))!;
    for (const [path, status] of [
      ['/', 200],
      ['/graphiql', 200],
      [`/assets/${asset}`, 200],
    ] as const) {
      const res = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(status);
      expectHeaders(res, path);
    }
    const fallback = await fetch(`${url}/no/such/page`, { headers: { accept: 'text/html' } });
    expect(fallback.status).toBe(200);
    expect(await fallback.text()).toContain('<div id="root">');
    expectHeaders(fallback, 'SPA fallback');
  });

  it('on /graphql answered, refused without a key, and with a bad body', async () => {
    const ok = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: keyed,
      body: '{"query":"{ viewer { role } }"}',
    });
    expect(ok.status).toBe(200);
    expectHeaders(ok, 'POST /graphql');
    const refused = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: json,
      body: '{"query":"{ __typename }"}',
    });
    expect(refused.status).toBe(401);
    expectHeaders(refused, '401');
    const broken = await fetch(`${url}/graphql`, { method: 'POST', headers: keyed, body: '{"query":' });
    expect(broken.status).toBe(400);
    expectHeaders(broken, '400');
    const tooBig = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: keyed,
      body: JSON.stringify({ query: 'x'.repeat(t.config.limits.bodyLimitBytes + 10) }),
    });
    expect(tooBig.status).toBe(413);
    expectHeaders(tooBig, '413');
  });

  it('on a 404, the plain routes and the SSE stream', async () => {
    const missing = await fetch(`${url}/no/such/route`, { headers: keyed });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
    expectHeaders(missing, '404');
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await fetch(`${url}${path}`);
      expectHeaders(res, path);
    }
    const stream = await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { ...keyed, accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { readingAdded { value } }' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expectHeaders(stream, 'SSE');
    await stream.body?.cancel();
  });
});
