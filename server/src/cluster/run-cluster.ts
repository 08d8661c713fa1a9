// `npm run cluster`: three instances (CLUSTER_INSTANCES) on DATABASE_URL and REDIS_URL
// (default: the local PostgreSQL's `sensortrust` database, created when missing, and the
// local Redis) behind nginx on CLUSTER_PORT (default 4000). Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startCluster } from './cluster.js';

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/sensortrust';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const adminKey = process.env.ADMIN_API_KEY || `st_cluster_${randomBytes(18).toString('hex')}`;
const instances = Number(process.env.CLUSTER_INSTANCES ?? 3);
const port = Number(process.env.CLUSTER_PORT ?? 4000);

/** Creates the database of DATABASE_URL when it does not exist yet. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

await ensureDatabase(databaseUrl);
const cluster = await startCluster({
  databaseUrl,
  redisUrl,
  adminKey,
  instances,
  port,
  onLog: (i, line) => console.log(`[${i}] ${line}`),
});
console.log(`Sensor Trust cluster: ${instances} instances behind nginx at ${cluster.url}/`);
for (const i of cluster.instances) console.log(`  instance ${i.index}: ${i.url} (pid ${i.child.pid})`);
if (!process.env.ADMIN_API_KEY) console.log(`  ADMIN_API_KEY (generated for this run): ${adminKey}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void cluster.stop().then((codes) => {
      console.log(`stopped (exit codes ${codes.join(', ')})`);
      process.exit(0);
    });
  });
}
