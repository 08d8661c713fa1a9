// API keys in the database: rows hold the key's SHA-256 hash, never the key.
import type { ApiKey, PrismaClient } from '../../generated/prisma/client.js';

export type ApiKeyRow = ApiKey;

export function createApiKeysRepository(prisma: PrismaClient) {
  return {
    findByHash(keyHash: string): Promise<ApiKeyRow | null> {
      return prisma.apiKey.findUnique({ where: { keyHash } });
    },

    findById(id: string): Promise<ApiKeyRow | null> {
      return prisma.apiKey.findUnique({ where: { id } });
    },

    list(): Promise<ApiKeyRow[]> {
      return prisma.apiKey.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    },

    /** Creates the key and, with it, the fact that keys exist (auth_state): one transaction. */
    async create(data: { name: string; role: string; keyHash: string }): Promise<ApiKeyRow> {
      const [row] = await prisma.$transaction([
        prisma.apiKey.create({ data }),
        prisma.$executeRaw`INSERT INTO "auth_state" ("id", "keys_required_since") VALUES (1, now()) ON CONFLICT ("id") DO NOTHING`,
      ]);
      return row;
    },

    /** Whether an API key has ever been created here (revoked keys count: fail closed). */
    async keysEverExisted(): Promise<boolean> {
      return (await prisma.authState.count()) > 0;
    },

    /** Sets revoked_at once; a second revoke leaves the first time. */
    async revoke(id: string, at: Date): Promise<ApiKeyRow | null> {
      await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      return prisma.apiKey.findUnique({ where: { id } });
    },

    async touch(id: string, at: Date): Promise<void> {
      await prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
    },

    async countActive(): Promise<number> {
      return prisma.apiKey.count({ where: { revokedAt: null } });
    },

    /** Of these ids, the ones that are revoked or gone. */
    async invalidIds(ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const valid = await prisma.apiKey.findMany({ where: { id: { in: ids }, revokedAt: null }, select: { id: true } });
      const keep = new Set(valid.map((r) => r.id));
      return ids.filter((id) => !keep.has(id));
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
