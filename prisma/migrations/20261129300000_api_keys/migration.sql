-- API keys (issue 14): each key has a name and one role; only a SHA-256 hash of
-- the key is stored (keys are 192 random bits, so a fast hash is enough: there
-- is nothing to guess). Revoked keys stay, with revoked_at, for the audit trail.
CREATE TABLE "api_key" (
  "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
  "name" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "key_hash" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_used_at" TIMESTAMPTZ(3),
  "revoked_at" TIMESTAMPTZ(3),
  CONSTRAINT "api_key_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "api_key_role_check" CHECK ("role" IN ('VIEWER', 'INTEGRATOR', 'OPERATOR', 'ADMIN'))
);
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key" ("key_hash");
