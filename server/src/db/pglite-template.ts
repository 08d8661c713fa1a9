// In-memory PGlite databases (every test, `npm run eval`) start from a migrated
// template instead of running initdb and every migration each time: initdb is most
// of a fresh PGlite's start-up (seconds of WASM work). The template is the data
// directory dumped right after the migrations, cached under node_modules/.cache and
// keyed by the PGlite version and every migration's name and checksum, so a changed
// migration or PGlite upgrade makes a new one. Databases on disk never use it.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { projectPath } from '../project-paths.js';
import type { Migration } from './migrate.js';

const CACHE_DIR = projectPath('node_modules', '.cache', 'sensor-trust');

async function pgliteVersion(): Promise<string> {
  try {
    const pkg = await readFile(projectPath('node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8');
    return (JSON.parse(pkg) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Where the template for these migrations lives. */
export async function templatePath(migrations: Migration[]): Promise<string> {
  const hash = createHash('sha256').update(await pgliteVersion());
  for (const m of migrations) hash.update(`\n${m.name}:${m.checksum}`);
  return join(CACHE_DIR, `pglite-template-${hash.digest('hex').slice(0, 16)}.tar.gz`);
}

/** The cached template, or null when there is none yet (or it cannot be read). */
export async function readTemplate(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null;
  }
}

/**
 * Stores a freshly migrated database's dump. Best effort: a read-only tree only
 * means the next start runs initdb again. Written aside and renamed, so parallel
 * test workers never read half a file.
 */
export async function saveTemplate(path: string, dump: () => Promise<Uint8Array>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.${Date.now()}.partial`;
    await writeFile(partial, await dump());
    await rename(partial, path);
  } catch {
    // No cache: nothing is lost but time.
  }
}
