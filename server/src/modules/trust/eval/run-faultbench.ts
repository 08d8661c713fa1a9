// npm run eval:bench — the Santander fault-injection benchmark (real outdoor temperature,
// labelled injected faults; data outside the repository, see santander.ts) through the engine,
// beside three simple baselines on the same series.
import { formatFaultbench, runFaultbench } from '../../../trust/eval/faultbench/run-faultbench.js';
import {
  loadSantander,
  santanderAvailable,
  santanderCases,
  santanderDir,
} from '../../../trust/eval/faultbench/santander.js';

const dir = santanderDir();
if (!santanderAvailable(dir)) {
  console.error(`no benchmark data at ${dir} (set FAULTBENCH_DIR)`);
  process.exit(1);
}
const cases = santanderCases(loadSantander(dir));
const started = performance.now();
const results = runFaultbench(cases);
console.log(formatFaultbench(results));
console.log(
  `\n${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (${results.map((r) => `${r.detector} ${r.seconds.toFixed(1)} s`).join(', ')})`,
);
