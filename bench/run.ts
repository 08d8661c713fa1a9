// `npm run bench`: the real server (child process) on PostgreSQL and on
// PGlite, 10,000 sensors, ≥ 1,000,000 readings through HTTP GraphQL, a bare
// unnest insert of the same rows as the ceiling, then the dashboard and
// subscriber benches; prints one table and writes bench/results.json.
// What it measures and the knobs: bench/README.md.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, installSignalHandlers, isInterrupted } from './cleanup.js';
import { createFleet, generateReadings } from './fleet.js';
import { runHistoryBench } from './history.js';
import { describeMachine } from './machine.js';
import { runPglite, runPostgres } from './modes.js';
import { runStatementsBench } from './statements.js';
import { renderSections, runSection, type SectionResult } from './scale.js';
import { budgets, renderReport, type ModeResult } from './report.js';
import { log, redacted, settings } from './settings.js';
import { round } from './stats.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

async function main() {
  installSignalHandlers();
  // BENCH_SECTION=history: only the long-history section (bench/history.ts).
  if (process.env.BENCH_SECTION === 'history') return runHistoryBench();
  // BENCH_SECTION=statements: the candidate ingest statements, bare (bench/statements.ts).
  if (process.env.BENCH_SECTION === 'statements') return runStatementsBench();
  const machine = describeMachine();
  log(`settings: ${JSON.stringify({ ...settings, postgresUrl: redacted(settings.postgresUrl) })}`);
  const modes: ModeResult[] = [];
  const sections: SectionResult[] = [];
  let shape = 'not run (BENCH_SECTIONS without modes)';
  for (const section of settings.sections) {
    if (isInterrupted()) break;
    if (section !== 'modes') {
      sections.push(await runSection(section));
      continue;
    }
    const fleet = createFleet(settings.zones, settings.sensorsPerZone);
    // The ceilings insert these rows as generated; each server run gets them
    // shifted in time to end just before its ingestion starts.
    const set = generateReadings(fleet, settings.readings, settings.batch, Date.now());
    shape = set.shape;
    log(`generated ${set.count.toLocaleString('en-US')} readings, batches of ${settings.batch}: ${set.shape}`);
    for (const mode of settings.modes) {
      if (isInterrupted()) break;
      if (mode === 'postgres') modes.push(await runPostgres(fleet, set));
      else if (mode === 'pglite') modes.push(await runPglite(fleet, set));
      else throw new Error(`BENCH_MODES: unknown mode "${mode}" (postgres, pglite)`);
    }
  }

  if (isInterrupted()) return 130;
  const pg = modes.find((m) => m.mode === 'postgres');
  const lite = modes.find((m) => m.mode === 'pglite');
  const budgetLines = budgets(pg, lite);
  const databaseVersions = modes.filter((m) => m.database).map((m) => m.database!);
  const clientNote = `${settings.clients} concurrent keep-alive HTTP clients in the bench process, sharing the ${machine.cores} cores with the server and the database; request bodies pre-built before timing; timestamps shifted so the newest reading is 1 s before the ingestion starts`;
  const loadAfter = round(os.loadavg()[0]!, 2);
  console.log(
    renderReport({
      machine,
      databaseVersions,
      shape: `${settings.batch} readings: ${shape}`,
      clientNote,
      modes,
      budgetLines,
      loadAfter,
    }),
  );
  if (sections.length) console.log(renderSections(sections));

  const resultsPath = join(BENCH_DIR, 'results.json');
  await writeFile(
    resultsPath,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine,
        loadAverage1mAtEnd: loadAfter,
        settings: { ...settings, postgresUrl: redacted(settings.postgresUrl) },
        batchShape: shape,
        modes,
        sections,
        budgets: budgetLines,
      },
      null,
      2,
    ),
  );
  console.log(`\nresults written to ${resultsPath}`);
  const failed = [
    ...modes.filter((m) => m.status === 'failed').map((m) => `the ${m.mode} run`),
    ...sections.filter((s) => s.status === 'failed').map((s) => `the ${s.section} section`),
  ];
  if (failed.length) {
    console.log(`\nFAILED: ${failed.join(' and ')} did not complete (see above); exit code 1`);
    return 1;
  }
  return 0;
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanupAll();
    process.exit(1);
  });
