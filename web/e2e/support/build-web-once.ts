// Vitest globalSetup of the e2e project: builds the web app once for all browser test files
// (each of them used to run `npm run build:web` in its beforeAll), then tells them to skip
// their own build through E2E_SKIP_BUILD, which the worker processes inherit. A build newer
// than every input (the sources, the HTML pages, the Vite config, package-lock.json) is used
// as it is: `npm ci`/`npm install` build the web app in postinstall, so a fresh clone has a
// current one, and the build blocks the whole run while it lasts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const INPUTS = ['web/src', 'web/index.html', 'web/graphiql.html', 'web/vite.config.ts', 'package-lock.json'];
const OUTPUTS = ['web/dist/index.html', 'web/dist/graphiql.html'];

/** The newest modification time under `path` (a file or a directory tree). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a file deleted from the directory moves its time
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Whether web/dist was built after the last change to any of its inputs. */
export function webBuildIsCurrent(root = ROOT): boolean {
  const outputs = OUTPUTS.map((p) => join(root, p));
  if (!outputs.every((p) => existsSync(p))) return false;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return INPUTS.map((p) => join(root, p)).every((p) => !existsSync(p) || newest(p) < built);
}

export default function setup() {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  if (!webBuildIsCurrent()) {
    const build = spawnSync('npm', ['run', 'build:web'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
  }
  process.env.E2E_SKIP_BUILD = '1';
}
