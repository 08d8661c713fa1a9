-- Fail closed (issue 23): once an API key has existed on this database the API never
-- runs open again by itself, even when every key is revoked. One row, written in the
-- same transaction as the first key; open mode after that only with OPEN_MODE=true.
CREATE TABLE "auth_state" (
  "id" INTEGER NOT NULL,
  "keys_required_since" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "auth_state_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "auth_state_single_row" CHECK ("id" = 1)
);

-- Databases that already hold keys (revoked ones too) stay closed.
INSERT INTO "auth_state" ("id", "keys_required_since")
SELECT 1, MIN("created_at") FROM "api_key" HAVING COUNT(*) > 0;
