// `npm run eval [seed ...]`: the labelled fault-injection evaluation through the real
// ingestion path (HTTP GraphQL → database → trust shell). Embedded PGlite in memory by
// default; with DATABASE_URL, a temporary PostgreSQL database that is dropped afterwards.
// EVAL_ZONES / EVAL_FAULTS_PER_KIND shrink or grow the fleet.
import { formatReport } from '../../../trust/eval/evaluate.js';
import { runRealPathEval } from './real-path-eval.js';
import { temporaryDatabase } from './temporary-database.js';

const seeds = process.argv.slice(2).map(Number).filter(Number.isFinite);
const spec = {
  ...(process.env.EVAL_ZONES ? { zones: Number(process.env.EVAL_ZONES) } : {}),
  ...(process.env.EVAL_FAULTS_PER_KIND ? { faultsPerKind: Number(process.env.EVAL_FAULTS_PER_KIND) } : {}),
};
const modes = (process.env.EVAL_MODES ?? 'live,import').split(',') as ('live' | 'import')[];
for (const seed of seeds.length ? seeds : [1]) {
  const results: { mode: string; result: Awaited<ReturnType<typeof runRealPathEval>> }[] = [];
  for (const mode of modes) {
    const db = process.env.DATABASE_URL ? await temporaryDatabase(process.env.DATABASE_URL) : null;
    try {
      const result = await runRealPathEval({
        spec: { ...spec, seed },
        databaseUrl: db?.url ?? null,
        mode,
        progress: (line) => console.error(`  ${line}`),
      });
      const r = result.readings;
      console.log(
        `seed ${seed}, ${mode} on ${db ? 'PostgreSQL' : 'PGlite'}: ${result.sensors} sensors, ${r.sent} readings sent ` +
          `(${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected} rejected ${JSON.stringify(r.rejectedByCode)}), ` +
          `${result.requests} HTTP requests, ${result.seconds.toFixed(1)} s`,
      );
      console.log(formatReport(result.report));
      console.log();
      results.push({ mode, result });
    } finally {
      await db?.drop();
    }
  }
  const [first] = results;
  if (first && results.length > 1) {
    // Side by side: how the same readings are judged when streamed live and when imported as history.
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    console.log(`seed ${seed}: recall / attribution per fault kind, ${results.map((x) => x.mode).join(' vs ')}`);
    for (const k of first.result.report.kinds) {
      const cells = results.map(({ result }) => {
        const row = result.report.kinds.find((x) => x.kind === k.kind);
        return row ? `${pct(row.recall)} / ${pct(row.attribution)}` : '-';
      });
      console.log(`  ${k.kind.padEnd(13)} ${cells.map((c) => c.padEnd(12)).join(' ')}`);
    }
    console.log(
      `  ${'healthy FP'.padEnd(13)} ${results
        .map(({ result }) => `${result.report.falsePositives} of ${result.report.healthy}`.padEnd(12))
        .join(' ')}`,
    );
    // An import is read once, at its end: its share of time is that moment's.
    console.log(
      `  ${'healthy time'.padEnd(13)} ${results
        .map(({ result }) => {
          const share = result.report.healthyTimeFlagged;
          return (share === null ? '-' : `${(100 * share).toFixed(2)}%`).padEnd(12);
        })
        .join(' ')}`,
    );
    for (const other of results.slice(1)) {
      // The same readings, judged at the same end: statuses and active reasons (advisory included).
      const theirs = new Map(other.result.verdicts.map((v) => [v.sensorId, v]));
      const differ = first.result.verdicts.filter((v) => {
        const o = theirs.get(v.sensorId);
        return !o || o.status !== v.status || o.reasons.join() !== v.reasons.join();
      });
      console.log(
        `  final verdicts, ${first.mode} vs ${other.mode}: the same status and reasons for ${first.result.verdicts.length - differ.length} of ${first.result.verdicts.length} sensors`,
      );
      for (const v of differ.slice(0, 20)) {
        const o = theirs.get(v.sensorId);
        console.log(
          `    ${v.sensorId}: ${v.status} [${v.reasons.join(', ')}] vs ${o ? `${o.status} [${o.reasons.join(', ')}]` : 'missing'}`,
        );
      }
    }
    console.log();
  }
}
