// `npm run test:durations [-- --top N]`: where the last Vitest run spent its time, from the
// report that server/test/support/durations-reporter.ts writes (test-results/durations.json).
import { existsSync, readFileSync } from 'node:fs';
import type { DurationsFile, DurationsReport } from './durations-reporter.js';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
const path = args.find((a, i) => !a.startsWith('--') && i !== topAt + 1) ?? 'test-results/durations.json';

if (!existsSync(path)) {
  console.error(`${path} does not exist: run the tests first (npx vitest run …), then npm run test:durations.`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, 'utf8')) as DurationsReport;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    console.log('  ' + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
};

const tests = report.files.flatMap((f) => f.tests.map((t) => ({ ...t, file: f })));
console.log(
  `Vitest run: ${s(report.wallMs).trim()} wall clock, ${report.files.length} files, ${tests.length} tests (${path})\n`,
);

// A project's span runs from its first file's start to its last file's end; files of one project
// run side by side (maxWorkers), so the sum of their times is larger than the span.
const projects = new Map<string, DurationsFile[]>();
for (const f of report.files) projects.set(f.project, [...(projects.get(f.project) ?? []), f]);
console.log('By project (span = wall clock from its first file to its last; sum = the files added up):');
table([
  ['project', 'files', 'tests', 'span', 'sum', 'set-up'],
  ...[...projects].map(([name, files]) => {
    const start = Math.min(...files.map((f) => f.endedAt - f.wallMs));
    const end = Math.max(...files.map((f) => f.endedAt));
    const sum = (pick: (f: DurationsFile) => number) => files.reduce((acc, f) => acc + pick(f), 0);
    return [
      name,
      String(files.length),
      String(sum((f) => f.tests.length)),
      s(end - start),
      s(sum((f) => f.wallMs)),
      s(sum((f) => f.setupMs)),
    ];
  }),
]);

console.log(`\nSlowest ${top} files (set-up = environment + imports; the rest is tests and hooks):`);
table([
  ['time', 'set-up', 'project', 'tests', 'file'],
  ...[...report.files]
    .sort((a, b) => b.wallMs - a.wallMs)
    .slice(0, top)
    .map((f) => [
      s(f.wallMs),
      s(f.setupMs),
      f.project,
      String(f.tests.length),
      f.file + (f.state === 'failed' ? ' (failed)' : ''),
    ]),
]);

console.log(`\nSlowest ${top} tests (with their beforeEach/afterEach hooks):`);
table([
  ['time', 'file', 'test'],
  ...tests
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((t) => [s(t.ms), t.file.file.replace(/^.*\//, ''), t.name + (t.state === 'failed' ? ' (failed)' : '')]),
]);
