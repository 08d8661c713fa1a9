// `npm run checks`: the gates `npm test` runs before Vitest (the two type checks, the format
// check, the lint), side by side instead of one after another. Each runs as its own child;
// its output is printed whole when it ends, so the logs do not interleave. Exits non-zero
// when any of them fails, after all of them have ended.
import { spawn } from 'node:child_process';

const checks: { name: string; command: string; args: string[] }[] = [
  { name: 'typecheck (server)', command: 'tsc', args: ['--noEmit', '-p', 'tsconfig.json'] },
  { name: 'typecheck (web)', command: 'tsc', args: ['--noEmit', '-p', 'web/tsconfig.json'] },
  { name: 'format', command: 'prettier', args: ['--check', '.'] },
  { name: 'lint', command: 'eslint', args: ['.'] },
];

function run(check: (typeof checks)[number]): Promise<boolean> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const finish = (ok: boolean, why: string) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `${ok ? '✓' : '✗'} ${check.name} (${check.command} ${check.args.join(' ')}): ${why}, ${seconds} s\n`,
      );
      const text = Buffer.concat(output).toString().trimEnd();
      if (text) process.stdout.write(text.replace(/^/gm, '    ') + '\n');
      resolve(ok);
    };
    child.on('error', (error) => finish(false, error.message));
    child.on('close', (code, signal) => finish(code === 0, signal ? `killed by ${signal}` : `exit ${code}`));
  });
}

const results = await Promise.all(checks.map(run));
if (results.includes(false)) {
  console.error(`${results.filter((ok) => !ok).length} of ${checks.length} checks failed`);
  process.exit(1);
}
