// A temporary PostgreSQL database for an evaluation run, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function temporaryDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
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
