// The e2e project's globalSetup uses web/dist as it is only when it was built after every
// input changed; an edited source, page, Vite config or lockfile, or a missing page, builds again.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webBuildIsCurrent } from '../../web/e2e/support/build-web-once.js';

describe('the e2e web build check', () => {
  const root = mkdtempSync(join(tmpdir(), 'st-webbuild-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, path);
    utimesSync(file, seconds, seconds);
  };
  const inputs = [
    'web/src/app/App.tsx',
    'web/index.html',
    'web/graphiql.html',
    'web/vite.config.ts',
    'package-lock.json',
  ];

  it('uses a build newer than every input, and builds again after any input changed', () => {
    for (const p of inputs) at(p, 1_000);
    utimesSync(join(root, 'web/src/app'), 1_000, 1_000);
    utimesSync(join(root, 'web/src'), 1_000, 1_000);
    expect(webBuildIsCurrent(root)).toBe(false); // nothing built
    at('web/dist/index.html', 2_000);
    expect(webBuildIsCurrent(root)).toBe(false); // one page missing
    at('web/dist/graphiql.html', 2_000);
    expect(webBuildIsCurrent(root)).toBe(true);
    for (const p of inputs) {
      at(p, 3_000);
      expect({ p, current: webBuildIsCurrent(root) }).toEqual({ p, current: false });
      at(p, 1_000);
    }
    expect(webBuildIsCurrent(root)).toBe(true);
    // a file removed from the sources changes its directory's time
    utimesSync(join(root, 'web/src/app'), 3_000, 3_000);
    expect(webBuildIsCurrent(root)).toBe(false);
  });
});
