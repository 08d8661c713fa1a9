// Opens the database for the configured mode, runs migrations, decorates `app.db`
// and closes it last on shutdown.
import fp from 'fastify-plugin';
import { openDatabase, type Database, type DatabaseOptions } from '../db/database.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

export interface DatabasePluginOptions {
  databaseUrl: string | null;
  dataDir: string;
  poolSize: number;
  inMemory?: boolean;
  inMemoryPglite?: DatabaseOptions['inMemoryPglite'];
  countStatements?: boolean;
  readReplicas?: { urls: string[]; maxLagMs: number; checkMs: number };
  apiStatementTimeoutMs?: number;
}

export default fp<DatabasePluginOptions>(
  async (app, options) => {
    const db = await openDatabase({
      ...options,
      onReplicaChange: (r) =>
        r.up
          ? app.log.info({ replica: r.name, lagMs: r.lagMs }, 'read replica in use')
          : app.log.warn(
              { replica: r.name, lagMs: r.lagMs },
              'read replica skipped (down or lagging): the primary serves its reads',
            ),
    });
    app.log.info(
      { mode: db.kind, applied: db.migrations.applied, alreadyApplied: db.migrations.alreadyApplied },
      db.migrations.applied.length ? 'database migrated' : 'database up to date',
    );
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.close();
    });
  },
  { name: 'database' },
);
