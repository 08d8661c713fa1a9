// The only file that listens: loads config, builds the app, starts background
// jobs and drains gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config.js';

// graphql-js checks every instanceof with extra development-only work unless
// NODE_ENV is production, decided when it loads: set it before the app is imported.
process.env.NODE_ENV ??= 'production';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.message.split('\n')) console.error(`Configuration error: ${problem}`);
      process.exit(2);
    }
    throw err;
  }
  const { buildApp } = await import('./app.js');
  const { AuthSetupError } = await import('./modules/auth/auth-plugin.js');
  let app;
  try {
    app = await buildApp(config, { backgroundJobs: true });
  } catch (err) {
    if (err instanceof AuthSetupError) {
      console.error(`Refusing to start: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.shuttingDown = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error('shutdown took longer than 20 s, exiting');
      process.exit(1);
    }, 20_000);
    timer.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  const demo = process.env.DEMO === '1';
  const empty = !demo && (await app.services.dashboard.freshSummary()).sensorCount === 0;
  console.log(startupLine(config, address, { empty, demo }));
  // `npm run demo`: stream a simulated fleet through the API (server/src/demo/).
  // It keeps keys of its own once the API requires keys (demo/demo-keys.ts).
  if (demo) {
    const { demoCredentials } = await import('./demo/demo-keys.js');
    (await import('./demo/simulator.js')).startDemo({
      baseUrl: address,
      log: app.log,
      credentials: demoCredentials(app.services.auth),
    });
  }
}

/** The one human line at start-up: where to go, which database, and what to do when it is empty. */
function startupLine(config: Config, address: string, state: { empty: boolean; demo: boolean }): string {
  const urls = [`dashboard ${address}/`, `GraphQL ${address}/graphql`];
  if (config.graphiql) urls.push(`GraphiQL ${address}/graphiql`);
  const database = config.databaseUrl
    ? `PostgreSQL ${redactedUrl(config.databaseUrl)}${config.redisUrl ? ' with Redis' : ''}`
    : `embedded PGlite in ${config.dataDir}`;
  let hint = '';
  if (state.demo) hint = ' · demo: a simulated fleet is streaming in';
  else if (state.empty) hint = ' · the database is empty: `npm run demo` (or DEMO=1) streams a simulated fleet';
  return `Sensor Trust is up: ${urls.join(' · ')} · database: ${database}${hint}`;
}

function redactedUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
