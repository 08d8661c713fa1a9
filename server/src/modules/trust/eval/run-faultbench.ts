// npm run eval:bench [--path=pure|real|both] [--cases=N] — the Santander fault-injection
// benchmark (real outdoor temperature, labelled injected faults; data outside the repository,
// see santander.ts) through the pure engine and through the real path (HTTP GraphQL ingest,
// database, trust stream, history read back; real-path-bench.ts), beside three simple
// baselines on the same series, one table. PGlite in memory by default; with DATABASE_URL, a
// temporary PostgreSQL database dropped afterwards. --cases=N takes every kind's first cases
// in turn (N in all).
import {
  formatFaultbench,
  runBaselines,
  runPureEngine,
  scoreDetector,
  type DetectorScores,
} from '../../../trust/eval/faultbench/run-faultbench.js';
import {
  loadSantander,
  santanderAvailable,
  santanderCases,
  santanderDir,
  sliceCases,
} from '../../../trust/eval/faultbench/santander.js';
import { replayRealPath } from './real-path-bench.js';
import { temporaryDatabase } from './temporary-database.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const path = arg('path') ?? 'both';
if (!['pure', 'real', 'both'].includes(path)) {
  console.error(`--path must be pure, real or both, got ${path}`);
  process.exit(2);
}
const limit = arg('cases') === undefined ? Infinity : Number(arg('cases'));
if (!(limit >= 1)) {
  console.error(`--cases must be a positive number, got ${arg('cases')}`);
  process.exit(2);
}
const dir = santanderDir();
if (!santanderAvailable(dir)) {
  console.error(`no benchmark data at ${dir} (set FAULTBENCH_DIR)`);
  process.exit(1);
}

const cases = sliceCases(santanderCases(loadSantander(dir)), limit);
const results: DetectorScores[] = [];
const timings: string[] = [];
if (path !== 'real') {
  const pure = runPureEngine(cases);
  results.push(pure);
  timings.push(`engine (pure) ${pure.seconds.toFixed(1)} s`);
}
if (path !== 'pure') {
  const db = process.env.DATABASE_URL ? await temporaryDatabase(process.env.DATABASE_URL) : null;
  try {
    const run = await replayRealPath(cases, {
      databaseUrl: db?.url ?? null,
      progress: (line) => console.error(`  ${line}`),
    });
    results.push(scoreDetector('engine (real path)', cases, (c) => run.flags[cases.indexOf(c)] ?? fail(), true));
    const r = run.readings;
    timings.push(
      `engine (real path) on ${db ? 'PostgreSQL' : 'PGlite'} ${run.seconds.toFixed(1)} s ` +
        `(${run.sensors} sensors, ${r.sent} readings sent, ${r.accepted} accepted, ${r.duplicates} duplicates, ` +
        `${run.points} trust points read back, ${run.requests} HTTP requests)`,
    );
  } finally {
    await db?.drop();
  }
}
const baselines = runBaselines(cases);
results.push(...baselines);
timings.push(...baselines.map((b) => `${b.detector} ${b.seconds.toFixed(1)} s`));
console.log(formatFaultbench(results));
console.log(`\n${cases.length} cases: ${timings.join(', ')}`);

function fail(): never {
  throw new Error('a case has no real-path flags');
}
