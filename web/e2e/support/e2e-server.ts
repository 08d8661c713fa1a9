// One real server process (PGlite in a fresh data directory) for a browser test: built web
// app, free port, ready when /readyz answers, stopped with its whole process group (or halted and
// resumed on the same data and port).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

export interface E2eServer {
  url: string;
  /** A GraphQL call without a key (the server is in open mode); throws on errors. */
  gql: <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
  /** Stops the process, keeping its data and port, for a test of the server being away. */
  halt(): Promise<void>;
  /** Starts it again on the same data and port after halt(). */
  resume(): Promise<void>;
  /** What the current process has printed. */
  log(): string;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(port));
    });
  });
}

/** Builds the web app unless E2E_SKIP_BUILD=1, starts the server with `env` on top of the defaults. */
export async function startE2eServer(tag: string, env: Record<string, string> = {}): Promise<E2eServer> {
  if (process.env.E2E_SKIP_BUILD !== '1') {
    const build = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), `sensor-trust-${tag}-e2e-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  let server: ChildProcess | null = null;

  const halt = async () => {
    const running = server;
    server = null;
    if (!running?.pid || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    process.kill(-running.pid, 'SIGTERM');
    await exited;
    try {
      process.kill(-running.pid, 'SIGKILL'); // a grandchild still holding the port or the data
    } catch {
      // the group is gone
    }
  };

  const launch = async () => {
    log = '';
    const child = spawn('npx', ['tsx', 'server/src/server.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
        DEMO: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: npx → tsx → node, and all of them must go at the end.
      detached: true,
    });
    server = child;
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const deadline = Date.now() + 120_000;
    while (
      !(await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await halt();
        throw new Error(`server ${child.exitCode !== null ? 'exited early' : 'not ready in 120 s'}:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  const stop = async () => {
    await halt();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const gql = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data;
  };
  return { url, gql, stop, halt, resume: launch, log: () => log };
}
