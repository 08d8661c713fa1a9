// `npm run eval [seed ...]`: the labelled fault-injection evaluation through the real
// ingestion path (HTTP GraphQL → database → trust shell). Embedded PGlite in memory by
// default; with DATABASE_URL, a temporary PostgreSQL database that is dropped afterwards.
// EVAL_ZONES / EVAL_FAULTS_PER_KIND shrink or grow the fleet.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { formatReport } from '../../../trust/eval/evaluate.js';
import { runRealPathEval } from './real-path-eval.js';

async function temporaryDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `st_eval_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const seeds = process.argv.slice(2).map(Number).filter(Number.isFinite);
const spec = {
  ...(process.env.EVAL_ZONES ? { zones: Number(process.env.EVAL_ZONES) } : {}),
  ...(process.env.EVAL_FAULTS_PER_KIND ? { faultsPerKind: Number(process.env.EVAL_FAULTS_PER_KIND) } : {}),
};
for (const seed of seeds.length ? seeds : [1]) {
  const db = process.env.DATABASE_URL ? await temporaryDatabase(process.env.DATABASE_URL) : null;
  try {
    const result = await runRealPathEval({
      spec: { ...spec, seed },
      databaseUrl: db?.url ?? null,
      progress: (line) => console.error(`  ${line}`),
    });
    const r = result.readings;
    console.log(
      `seed ${seed} on ${db ? 'PostgreSQL' : 'PGlite'}: ${result.sensors} sensors, ${r.sent} readings sent ` +
        `(${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected} rejected ${JSON.stringify(r.rejectedByCode)}), ` +
        `${result.requests} HTTP requests, ${result.seconds.toFixed(1)} s`,
    );
    console.log(formatReport(result.report));
    console.log();
  } finally {
    await db?.drop();
  }
}
