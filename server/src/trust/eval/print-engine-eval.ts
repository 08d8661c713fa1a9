// Prints the in-process engine evaluation: `npx tsx server/src/trust/eval/print-engine-eval.ts [seed ...]`
import { formatReport } from './evaluate.js';
import { runEngineEval } from './run-engine-eval.js';

const seeds = process.argv.slice(2).map(Number).filter(Number.isFinite);
for (const seed of seeds.length ? seeds : [1]) {
  const started = performance.now();
  const { report, sensors, readings } = runEngineEval({ spec: { seed } });
  const ms = performance.now() - started;
  console.log(`seed ${seed}: ${sensors} sensors, ${readings} readings, ${(ms / 1000).toFixed(1)} s`);
  console.log(formatReport(report));
  console.log();
}
