// In-memory databases start from a cached, migrated template: the second one must
// come up with every migration recorded and a usable schema, and the cache key must
// follow the migrations.
import { rm, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { loadMigrations } from '../src/db/migrate.js';
import { templatePath } from '../src/db/pglite-template.js';

const options = { databaseUrl: null, dataDir: '', poolSize: 1, inMemory: true };

describe('in-memory PGlite template', () => {
  it('is written by a fresh in-memory database and gives the next one the whole migrated schema', async () => {
    const migrations = await loadMigrations();
    const path = await templatePath(migrations);
    await rm(path, { force: true });

    const first = await openDatabase(options);
    expect(first.migrations.applied).toEqual(migrations.map((m) => m.name));
    await first.close();
    expect((await stat(path)).size).toBeGreaterThan(0);

    const second = await openDatabase(options);
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: migrations.length });
    await second.prisma.zone.create({ data: { id: 'z1', name: 'Zone 1' } });
    expect(await second.prisma.zone.count()).toBe(1);
    await second.close();

    // Each database is its own copy: what the second wrote is not in the template.
    const third = await openDatabase(options);
    expect(await third.prisma.zone.count()).toBe(0);
    await third.close();
  });

  it('keys the template by every migration, so a changed migration makes a new one', async () => {
    const migrations = await loadMigrations();
    const edited = migrations.map((m, i) => (i === migrations.length - 1 ? { ...m, checksum: 'edited' } : m));
    expect(await templatePath(edited)).not.toBe(await templatePath(migrations));
    expect(await templatePath(migrations.slice(0, -1))).not.toBe(await templatePath(migrations));
  });
});
