// The Dockerfile, run without Docker (no daemon on these machines): its build-stage
// RUN commands in a clean copy of the repository (what `COPY . .` with .dockerignore
// sees), its runtime stage assembled from the COPY --from=build lines, its CMD
// started with the stage's ENV, and its HEALTHCHECK run until /readyz answers.
// Slow (a clean `npm ci` builds the web app too): about a minute or two.
import { execFileSync, execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

interface Stage {
  name: string;
  lines: string[];
}

function dockerfileStages(): Stage[] {
  const stages: Stage[] = [];
  for (const line of readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const from = /^FROM \S+(?: AS (\S+))?/.exec(line);
    if (from) stages.push({ name: from[1] ?? '', lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  return stages;
}

const instruction = (stage: Stage, name: string) =>
  stage.lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1));

/** Files `COPY . .` would send: tracked and untracked, minus what .gitignore (mirrored by .dockerignore) drops. */
function copyRepository(to: string) {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root })
    .toString()
    .split('\0')
    .filter((f) => f && existsSync(join(root, f)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(root, file), join(to, file));
  }
}

describe('production build (the Dockerfile without Docker)', () => {
  const work = mkdtempSync(join(tmpdir(), 'st-prod-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds in a clean copy, prunes dev dependencies and serves /readyz from the runtime files as a non-root image would', async () => {
    const [build, runtime] = dockerfileStages();
    if (!build || !runtime) throw new Error('the Dockerfile has a build and a runtime stage');
    expect(build.name).toBe('build');
    expect(instruction(runtime, 'USER')).toEqual(['node']);
    expect(instruction(runtime, 'HEALTHCHECK')[0]).toContain('/readyz');

    const app = join(work, 'build');
    copyRepository(app);
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CI: '1' };
    for (const command of instruction(build, 'RUN')) {
      // The npm cache of this machine stands in for the registry.
      const local = command.startsWith('npm ci') ? `${command} --prefer-offline` : command;
      execSync(local, { cwd: app, env, stdio: 'pipe', timeout: 480_000 });
    }
    expect(existsSync(join(app, 'dist', 'server.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false); // pruned
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);

    const image = join(work, 'image');
    for (const copy of instruction(runtime, 'COPY')) {
      const m = /^--from=build \/app\/(\S+) \.\/(\S+)$/.exec(copy);
      expect(m, `COPY line the test understands: ${copy}`).not.toBeNull();
      // Moved, not copied: node_modules is large and the build copy is thrown away.
      mkdirSync(dirname(join(image, m![2]!)), { recursive: true });
      renameSync(join(app, m![1]!), join(image, m![2]!));
    }
    const stageEnv = Object.fromEntries(
      instruction(runtime, 'ENV')
        .flatMap((l) => l.split(/\s+/))
        .map((kv) => kv.split('=') as [string, string]),
    );
    const dataDir = join(work, 'data');
    const cmd = JSON.parse(instruction(runtime, 'CMD')[0]!) as string[];
    expect(cmd).toEqual(['node', 'dist/server.js']);
    const child = spawn(process.execPath, cmd.slice(1), {
      cwd: image,
      env: { ...env, ...stageEnv, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /Sensor Trust is up: dashboard (http:\/\/\S+?)\/ /.exec(output);
          if (m) {
            clearInterval(timer);
            resolve(m[1]!);
          }
          if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`server exited:\n${output}`));
          }
        }, 100);
      });
      expect(output).toContain('database: embedded PGlite');
      expect(output).toContain('the database is empty: `npm run demo`');
      const port = new URL(url).port;
      const healthcheck = JSON.parse(instruction(runtime, 'HEALTHCHECK')[0]!.replace(/^.*?CMD /, '')) as string[];
      execFileSync(process.execPath, healthcheck.slice(1), { env: { ...env, PORT: port }, timeout: 10_000 });
      expect((await fetch(`${url}/`)).status).toBe(200);
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ dashboardSummary { sensorCount } }' }),
      });
      expect(await res.json()).toEqual({ data: { dashboardSummary: { sensorCount: 0 } } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 900_000);
});
