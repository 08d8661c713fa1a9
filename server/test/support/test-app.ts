// Builds the real app on a real database for a test, and a small GraphQL client.
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createTestDatabase, type TargetKind, type TestDatabase } from './databases.js';
import { takePglite } from './pglite-pool.js';

export interface GraphQLResponse<T = Record<string, any>> {
  data: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  /**
   * Sends a GraphQL request. Trust is applied by the trust stream beside ingestion, so
   * every request first waits until what was ingested before it has been processed
   * (read-your-writes for tests); `gqlNow` skips the wait.
   */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  gqlNow<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Waits until every reading stored so far has been applied to trust. */
  processed(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(
  kind: TargetKind,
  options: BuildAppOptions & { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(kind));
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    ...(database.url ? { DATABASE_URL: database.url, DB_POOL_SIZE: '8' } : {}),
    SWEEP_INTERVAL_SECONDS: '0',
    ...options.env,
  });
  // PGlite: a thread of this process reset to the template's state (pglite-pool.ts).
  const app = await buildApp(config, { logger: false, inMemoryDatabase: true, inMemoryPglite: takePglite, ...options });
  await app.ready();
  return {
    app,
    database,
    config,
    async gql(query, variables) {
      await app.services.trustStream.waitProcessed();
      const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
      return res.json();
    },
    async gqlNow(query, variables) {
      const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
      return res.json();
    },
    processed: () => app.services.trustStream.waitProcessed(),
    async close() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
