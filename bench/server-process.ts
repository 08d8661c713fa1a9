// Starts the real server as a child process (the same entry point production
// uses), waits for /readyz, samples its resident memory and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { settings } from './settings.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServerHandle {
  pid: number;
  baseUrl: string;
  rssMb(): number | null;
  /** Last lines the server wrote to stderr/stdout (for error messages). */
  output: () => string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS of a process in MiB, from /proc (Linux); null elsewhere or after exit. */
export function readRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function startServer(env: Record<string, string | undefined>, label: string): Promise<ServerHandle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOnPort(port, env, label);
    } catch (err) {
      lastError = err; // most likely someone took the port between probe and listen: try another
    }
  }
  throw lastError;
}

async function startOnPort(
  port: number,
  env: Record<string, string | undefined>,
  label: string,
): Promise<ServerHandle> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' })) {
    if (v !== undefined) childEnv[k] = v;
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [...settings.serverNodeArgs, '--import', 'tsx', 'server/src/server.ts'],
    {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The first lines usually hold the cause, the last ones the consequence.
  let head = '';
  let tail = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < 3000) head += text.slice(0, 3000 - head.length);
    tail = (tail + text).slice(-3000);
  };
  const output = () => (head.length < 3000 ? head : `${head}\n[…]\n${tail}`);
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    await exitPromise;
    clearTimeout(timer);
  };
  const unregister = onCleanup(`${label} server (pid ${child.pid})`, stop);
  const baseUrl = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 120_000;
  while (true) {
    if (exited) {
      unregister();
      throw new Error(`${label} server exited before it was ready:\n${output()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      unregister();
      throw new Error(`${label} server not ready after 120 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    pid: child.pid!,
    baseUrl,
    rssMb: () => readRssMb(child.pid!),
    output,
    stop: async () => {
      await stop();
      unregister();
    },
  };
}

/** User + system CPU seconds a process has used so far (Linux /proc), or null. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

export interface RssSampler {
  samples: { atMs: number; rssMb: number }[];
  stop(): void;
}

/** Samples a process' RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs = 500): RssSampler {
  const started = Date.now();
  const samples: { atMs: number; rssMb: number }[] = [];
  const take = () => {
    const rss = readRssMb(pid);
    if (rss !== null) samples.push({ atMs: Date.now() - started, rssMb: rss });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}
