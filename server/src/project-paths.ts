// The project's files (schema.graphql, prisma/migrations, web/dist) from wherever this
// module runs: the TypeScript sources (server/src) or the build (dist). Both sit below
// the directory holding package.json, at different depths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. projectPath('schema.graphql'). */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
