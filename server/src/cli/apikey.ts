// `npm run apikey -- create --role integrator --name line-3 | list | revoke <id>`:
// API keys on the configured database (DATABASE_URL, else the embedded one in
// DATA_DIR). The embedded database belongs to one process at a time: stop the
// server first, or use the createApiKey mutation with an admin key.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createApiKeysRepository } from '../modules/auth/api-keys-repository.js';
import { createAuthService } from '../modules/auth/auth-service.js';
import { ROLES } from '../modules/auth/roles.js';

const USAGE = `Usage:
  npm run apikey -- create --role <${ROLES.map((r) => r.toLowerCase()).join('|')}> --name <name>
  npm run apikey -- list
  npm run apikey -- revoke <id>
Works on DATABASE_URL, else the embedded database in DATA_DIR (stop the server first).`;

const silentLog = {
  info: () => undefined,
  warn: (obj: unknown, msg?: string) => console.error(msg ?? obj),
} as unknown as Parameters<typeof createAuthService>[0]['log'];

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) fail(values.help ? '' : 'No command given.');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`Configuration error: ${err.message}`);
    throw err;
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded database in ${config.dataDir}`;
  const auth = createAuthService({
    repo: createApiKeysRepository(db.prisma),
    adminApiKey: null,
    recheckMs: 1000,
    clock: { now: () => new Date() },
    log: silentLog,
  });
  try {
    switch (command) {
      case 'create': {
        if (!values.role || !values.name) fail('create needs --role and --name.');
        const { key, apiKey } = await auth.create(values.name, values.role.toUpperCase());
        console.log(`Created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.id}) on ${where}.`);
        console.log(`Key (shown this once, store it now): ${key}`);
        console.log(`Send it as "Authorization: Bearer ${key}".`);
        break;
      }
      case 'list': {
        const keys = await auth.list();
        if (keys.length === 0) console.log(`No API keys on ${where}: the server runs open (loopback only).`);
        for (const k of keys) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
          console.log(`${k.id}  ${k.role.padEnd(10)}  ${k.name}  (${state}, ${used})`);
        }
        break;
      }
      case 'revoke': {
        const [id] = rest;
        if (!id) fail('revoke needs the key id (see `list`).');
        const key = await auth.revoke(id);
        console.log(`Revoked "${key.name}" (${key.id}) at ${key.revokedAt!.toISOString()}.`);
        console.log('Running servers refuse it within AUTH_RECHECK_SECONDS (default 30 s).');
        break;
      }
      default:
        fail(`Unknown command "${command}".`);
    }
  } catch (err) {
    const code = (err as { extensions?: { code?: string } }).extensions?.code;
    if (code) fail((err as Error).message);
    throw err;
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
