// `npm run demo` when open mode ends (issue 23): the simulator keeps streaming with an
// INTEGRATOR key of its own instead of being refused, and on a database that already
// requires keys it registers its fleet with a short-lived ADMIN key, revoked right after.
import { describe, expect, it } from 'vitest';
import { demoCredentials } from '../src/demo/demo-keys.js';
import { startDemo } from '../src/demo/simulator.js';
import { waitUntil } from './support/graphql-ws-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'demo-keys-admin-key-0123456789ab';
const quiet = { info: () => undefined, warn: (msg: string) => warnings.push(msg) };
const warnings: string[] = [];

async function runDemo(t: TestApp) {
  const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return startDemo({
    baseUrl,
    tickMs: 1000,
    backfillMinutes: 0.05,
    log: quiet,
    credentials: demoCredentials(t.app.services.auth),
  });
}

const readingCount = (t: TestApp) => t.app.db.prisma.reading.count();

describe('the demo simulator and API keys', () => {
  it('keeps streaming when the first API key ends open mode, and says so', async () => {
    const t = await startTestApp('pglite');
    const demo = await runDemo(t);
    try {
      await waitUntil(async () => (await readingCount(t)) > 54 * 3, 30_000, `demo readings (${warnings.join('; ')})`);
      const created = await t.gqlNow('mutation { createApiKey(name: "me", role: ADMIN) { key } }');
      expect(created.errors).toBeUndefined();
      expect(t.app.services.auth.required).toBe(true);
      const before = await readingCount(t);
      // Every sensor keeps reporting: several whole ticks of 54 readings after the key exists.
      await waitUntil(async () => (await readingCount(t)) >= before + 54 * 3, 20_000, 'readings after the first key');
      expect(warnings.join('\n')).toContain('open mode has ended');
      const keys = await t.app.db.prisma.apiKey.findMany({ where: { revokedAt: null } });
      expect(keys.map((k) => `${k.name}:${k.role}`).sort()).toEqual(['demo simulator:INTEGRATOR', 'me:ADMIN']);
    } finally {
      demo.stop();
      await t.close();
    }
  });

  it('registers with a short-lived ADMIN key and streams with an INTEGRATOR key when keys are required', async () => {
    const t = await startTestApp('pglite', { env: { ADMIN_API_KEY: ADMIN_KEY } });
    const demo = await runDemo(t);
    try {
      await waitUntil(async () => (await readingCount(t)) > 54 * 3, 30_000, `demo readings (${warnings.join('; ')})`);
      const keys = await t.app.db.prisma.apiKey.findMany();
      const simulator = keys.filter((k) => k.name.startsWith('demo simulator'));
      expect(simulator.map((k) => `${k.name}:${k.role}:${k.revokedAt ? 'revoked' : 'active'}`).sort()).toEqual([
        'demo simulator (setup):ADMIN:revoked',
        'demo simulator:INTEGRATOR:active',
      ]);
    } finally {
      demo.stop();
      await t.close();
    }
  });
});
