// `npm run apikey`: create, list and revoke keys on the configured embedded database,
// and a created key works against a server on that database.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

describe('npm run apikey', () => {
  let dataDir: string;
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'server/src/cli/apikey.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir },
    });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a key shown once, lists it, and revokes it; the server then requires keys', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'st-apikey-'));
    const created = await cli('create', '--role', 'integrator', '--name', 'line-3');
    const key = /Key \(shown this once, store it now\): (\S+)/.exec(created.stdout)?.[1];
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)?.[1];
    expect(key).toMatch(/^st_/);
    const listed = await cli('list');
    expect(listed.stdout).toContain(`${id}  INTEGRATOR  line-3  (active, never used)`);
    expect(listed.stdout).not.toContain(key!);

    const server = await startServerProcess({ DATA_DIR: dataDir, SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const ask = (authorization?: string) =>
        fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query: '{ viewer { name role } }' }),
        });
      expect((await ask()).status).toBe(401);
      const me = (await (await ask(`Bearer ${key}`)).json()) as { data: { viewer: unknown } };
      expect(me.data.viewer).toEqual({ name: 'line-3', role: 'INTEGRATOR' });
    } finally {
      await server.stop();
    }

    const revoked = await cli('revoke', id!);
    expect(revoked.stdout).toContain('Revoked "line-3"');
    expect((await cli('list')).stdout).toMatch(/line-3 {2}\(revoked /);
    const bad = await cli('create', '--role', 'king', '--name', 'x').catch((e: { stderr: string; code: number }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain('role must be one of VIEWER, INTEGRATOR, OPERATOR, ADMIN');
  }, 120_000);
});
