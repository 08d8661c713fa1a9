// Several server instances on one PostgreSQL and one Redis behind nginx: the recipe of
// docs/operations.md as code, so it can be started with one command (`npm run cluster`),
// benchmarked and tested. nginx (Debian's package) balances HTTP, proxies the graphql-ws
// upgrade and streams Server-Sent Events unbuffered.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../project-paths.js';
import { nginxConfig } from './nginx-config.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  /** ADMIN_API_KEY of every instance (the cluster listens behind a proxy: keys are required). */
  adminKey: string;
  instances?: number;
  /** nginx's port (0: any free port). */
  port?: number;
  /** false: no nginx (the instances are used directly; `url` is the first instance's). */
  proxy?: boolean;
  /** Extra environment of every instance. */
  env?: Record<string, string>;
  /** Extra `node` flags of every instance (e.g. `--cpu-prof --cpu-prof-dir=…` to profile them). */
  nodeArgs?: string[];
  /** Where each instance's log lines go (default: kept in memory only). */
  onLog?: (instance: number, line: string) => void;
}

export interface ClusterInstance {
  index: number;
  url: string;
  child: ChildProcess;
  output(): string;
}

export interface Cluster {
  /** The balanced entry point (nginx). */
  url: string;
  instances: ClusterInstance[];
  /** kill -9 one instance (what a crash looks like to the others). */
  kill(index: number): Promise<void>;
  /** SIGTERM every instance and nginx; resolves with the instances' exit codes. */
  stop(): Promise<(number | null)[]>;
}

export function nginxAvailable(): boolean {
  return existsSync(NGINX_BINARY);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts one instance as `npm start` does and resolves once it listens. */
async function startInstance(index: number, port: number, env: Record<string, string>, options: ClusterOptions) {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'server/src/server.ts'], {
    cwd: projectPath('.'),
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.onLog) for (const line of text.split('\n')) if (line) options.onLog(index, line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void exitOf(child).then(() => (exited = true));
  const end = Date.now() + 120_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (exited) throw new Error(`instance ${index} exited with ${child.exitCode} before listening:\n${output}`);
    if (Date.now() > end) {
      child.kill('SIGKILL'); // not left running without anyone to stop it
      throw new Error(`instance ${index} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { index, url, child, output: () => output };
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const proxy = options.proxy ?? true;
  if (proxy && !nginxAvailable()) throw new Error(`nginx is not installed (${NGINX_BINARY}): apt-get install nginx`);
  const count = options.instances ?? 3;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const port = options.port || (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOG_REQUESTS: 'false',
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    ADMIN_API_KEY: options.adminKey,
  };
  // The first instance migrates alone; the others start together after it.
  const instances: ClusterInstance[] = [await startInstance(0, ports[0]!, env, options)];
  const others = await Promise.allSettled(ports.slice(1).map((p, i) => startInstance(i + 1, p, env, options)));
  for (const o of others) if (o.status === 'fulfilled') instances.push(o.value);
  const failed = others.find((o) => o.status === 'rejected');
  if (failed) {
    // The ones that did start are stopped: a failed start leaves no process behind.
    for (const i of instances) i.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => exitOf(i.child)));
    throw failed.reason;
  }

  const stopInstances = () =>
    Promise.all(
      instances.map((i) => {
        if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
        return exitOf(i.child);
      }),
    );
  const kill = async (index: number) => {
    const instance = instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    instance.child.kill('SIGKILL');
    await exitOf(instance.child);
  };
  if (!proxy) return { url: instances[0]!.url, instances, kill, stop: stopInstances };

  const prefix = mkdtempSync(join(tmpdir(), 'sensor-trust-nginx-'));
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig({ port, upstreams: ports, prefix }));
  const nginx = spawn(NGINX_BINARY, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let nginxOutput = '';
  nginx.stderr.on('data', (c: Buffer) => (nginxOutput += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true,
    10_000,
    () => nginxOutput,
  );

  return {
    url,
    instances,
    kill,
    async stop() {
      const codes = await stopInstances();
      nginx.kill('SIGQUIT');
      await exitOf(nginx);
      rmSync(prefix, { recursive: true, force: true });
      return codes;
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, context: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not answer within ${timeoutMs} ms:\n${context()}`);
}
