// Fail closed (issue 23): once an API key has existed on a database the API does not run
// open again by itself, not when every key is revoked, not after a restart with the same
// ADMIN_API_KEY; open mode is OPEN_MODE=true, and then a valid key still acts as itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TARGETS, type TestDatabase } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'fail-closed-admin-key-0123456789';

async function post(t: TestApp, key: string | null, query: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    payload: { query },
  });
  return { status: res.statusCode, body: res.json() };
}

describe.each(TARGETS)('fail closed on %s', (target) => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'st-fail-closed-'));
  // The same database across restarts: PostgreSQL's, or PGlite on disk.
  const start = async (env: Record<string, string>) => {
    database ??= await createTestDatabase(target);
    return startTestApp(target, {
      database,
      inMemoryDatabase: target === 'postgres',
      env: { ...(target === 'pglite' ? { DATA_DIR: dataDir } : {}), ...env },
    });
  };
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays closed after every key is revoked, across restarts with and without ADMIN_API_KEY', async () => {
    let t = await start({ ADMIN_API_KEY: ADMIN_KEY });
    try {
      const created = await post(
        t,
        ADMIN_KEY,
        'mutation { createApiKey(name: "ops", role: OPERATOR) { apiKey { id } } }',
      );
      const keys = await post(t, ADMIN_KEY, '{ apiKeys { id } }');
      expect(keys.body.data.apiKeys).toHaveLength(2);
      expect(created.body.errors).toBeUndefined();
      for (const { id } of keys.body.data.apiKeys as { id: string }[]) {
        const revoked = await post(t, ADMIN_KEY, `mutation { revokeApiKey(id: "${id}") { revokedAt } }`);
        // The admin key revokes itself last; later requests with it are refused.
        if (revoked.status === 200) expect(revoked.body.errors).toBeUndefined();
      }
      expect((await post(t, null, '{ viewer { role } }')).status).toBe(401);
    } finally {
      await t.close();
    }
    for (const env of [{ ADMIN_API_KEY: ADMIN_KEY }, {} as Record<string, string>]) {
      t = await start(env);
      try {
        const anonymous = await post(t, null, '{ viewer { name role authRequired } }');
        expect(anonymous.status, JSON.stringify(anonymous.body)).toBe(401);
        expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
        const admin = await post(t, ADMIN_KEY, '{ viewer { role } }');
        expect(admin.status).toBe(401);
        expect(admin.body.errors[0].extensions.reason).toBe('revoked');
        expect(t.app.services.auth.required).toBe(true);
      } finally {
        await t.close();
      }
    }
  });

  it('opens only with OPEN_MODE=true: no key acts as ADMIN "operator", a valid key as itself', async () => {
    const t = await start({ OPEN_MODE: 'true' });
    try {
      const anonymous = await post(t, null, '{ viewer { name role authRequired } }');
      expect(anonymous.body.data.viewer).toEqual({ name: 'operator', role: 'ADMIN', authRequired: false });
      const { key } = await t.app.services.auth.create('wallboard', 'VIEWER');
      const viewer = await post(t, key, '{ viewer { name role authRequired } }');
      expect(viewer.body.data.viewer).toEqual({ name: 'wallboard', role: 'VIEWER', authRequired: false });
      const write = await post(t, key, 'mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
      expect(write.body.errors[0].extensions.code).toBe('FORBIDDEN');
      // Creating a key does not end an explicit open mode.
      expect(t.app.services.auth.required).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe('open mode by default (auto)', () => {
  it('runs open on a fresh database until the first key is created, then never again', async () => {
    const t = await startTestApp('pglite');
    try {
      expect((await post(t, null, '{ viewer { role } }')).body.data.viewer.role).toBe('ADMIN');
      const created = await post(
        t,
        null,
        'mutation { createApiKey(name: "first", role: ADMIN) { key apiKey { id } } }',
      );
      const { key, apiKey } = created.body.data.createApiKey;
      expect((await post(t, null, '{ viewer { role } }')).status).toBe(401);
      await post(t, key, `mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
      expect((await post(t, null, '{ viewer { role } }')).status).toBe(401);
      const state = await t.app.db.prisma.authState.findMany();
      expect(state).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('closes on the recheck when another process (the CLI) creates the first key', async () => {
    const t = await startTestApp('pglite', { env: { AUTH_RECHECK_SECONDS: '1' } });
    try {
      expect(t.app.services.auth.required).toBe(false);
      await t.app.db.prisma.authState.create({ data: { id: 1, keysRequiredSince: new Date() } });
      await t.app.services.auth.refreshMode();
      expect((await post(t, null, '{ viewer { role } }')).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('OPEN_MODE=false refuses callers without a key even on a fresh database', async () => {
    const t = await startTestApp('pglite', { env: { OPEN_MODE: 'false' } });
    try {
      expect((await post(t, null, '{ viewer { role } }')).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
