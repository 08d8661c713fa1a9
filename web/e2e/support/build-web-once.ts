// Vitest globalSetup of the e2e project: builds the web app once for all browser test files
// (each of them used to run `npm run build:web` in its beforeAll), then tells them to skip
// their own build through E2E_SKIP_BUILD, which the worker processes inherit.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup() {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  const build = spawnSync('npm', ['run', 'build:web'], {
    cwd: resolve(import.meta.dirname, '../../..'),
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
  process.env.E2E_SKIP_BUILD = '1';
}
