// The databases every API test runs against: embedded PGlite always, and the
// PostgreSQL of DATABASE_URL when it is reachable (each test file gets a fresh
// database of its own there, dropped afterwards).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TargetKind = 'pglite' | 'postgres';

const adminUrl = process.env.DATABASE_URL || null;
let reachable: Promise<boolean> | null = null;

export function postgresReachable(): Promise<boolean> {
  if (!adminUrl) return Promise.resolve(false);
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

const reachableNow = adminUrl ? await postgresReachable() : false;
if (!reachableNow) {
  console.warn(
    adminUrl
      ? `PostgreSQL at DATABASE_URL is not reachable: PostgreSQL tests are skipped (PGlite tests still run).`
      : 'DATABASE_URL is not set: PostgreSQL tests are skipped. Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them.',
  );
}

/** Targets to run a suite against (use with describe.each). */
export const TARGETS: TargetKind[] = reachableNow ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  kind: TargetKind;
  /** null for PGlite (in memory). */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: TargetKind): Promise<TestDatabase> {
  if (kind === 'pglite') return { kind, url: null, drop: async () => undefined };
  const name = `st_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl! });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl! });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
