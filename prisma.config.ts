// Prisma CLI configuration. The server never reads this: it applies
// prisma/migrations itself (server/src/db/migrate.ts). The URL is only for
// `prisma migrate deploy` where the schema engine is available.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
});
