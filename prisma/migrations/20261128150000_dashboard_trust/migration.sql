-- Dashboard read model, second take. trust_state rows are wide (engine state,
-- reasons) and rewritten by every ingest batch, so scanning them for fleet and
-- zone aggregates costs tens of ms once the fleet has history. The dashboard
-- reads a narrow copy instead: one small row per sensor (zone, status, score),
-- kept in step by triggers. The trust_state trigger is statement-level (one
-- UPDATE per ingest statement, not one per row); it only touches rows the
-- statement has already locked in trust_state, so it adds no lock ordering of
-- its own. Replaces the zone column of migration 20261128140000.

DROP TRIGGER "trust_state_fill_zone" ON "trust_state";
DROP FUNCTION "trust_state_fill_zone"();
DROP TRIGGER "sensor_sync_trust_zone" ON "sensor";
DROP FUNCTION "sensor_sync_trust_zone"();
ALTER TABLE "trust_state" DROP COLUMN "zone_id";

CREATE TABLE "dashboard_trust" (
    "sensor_id" TEXT NOT NULL,
    "zone_id" TEXT,
    "status" "TrustStatus" NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "dashboard_trust_pkey" PRIMARY KEY ("sensor_id")
) WITH (fillfactor = 50);
ALTER TABLE "dashboard_trust" ADD CONSTRAINT "dashboard_trust_sensor_id_fkey" FOREIGN KEY ("sensor_id") REFERENCES "trust_state"("sensor_id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "dashboard_trust" ("sensor_id", "zone_id", "status", "score")
SELECT t."sensor_id", s."zone_id", t."status", t."score" FROM "trust_state" t JOIN "sensor" s ON s."id" = t."sensor_id";

CREATE FUNCTION "dashboard_trust_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "dashboard_trust" ("sensor_id", "zone_id", "status", "score")
  SELECT n."sensor_id", s."zone_id", n."status", n."score" FROM "new_rows" n JOIN "sensor" s ON s."id" = n."sensor_id"
  ON CONFLICT ("sensor_id") DO UPDATE SET "zone_id" = EXCLUDED."zone_id", "status" = EXCLUDED."status", "score" = EXCLUDED."score";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "dashboard_trust_inserted" AFTER INSERT ON "trust_state"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "dashboard_trust_inserted"();

CREATE FUNCTION "dashboard_trust_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "dashboard_trust" d SET "status" = n."status", "score" = n."score"
    FROM "new_rows" n
   WHERE d."sensor_id" = n."sensor_id" AND (d."status" <> n."status" OR d."score" <> n."score");
  RETURN NULL;
END;
$$;
CREATE TRIGGER "dashboard_trust_updated" AFTER UPDATE ON "trust_state"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "dashboard_trust_updated"();

CREATE FUNCTION "dashboard_trust_zone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "dashboard_trust" SET "zone_id" = NEW."zone_id" WHERE "sensor_id" = NEW."id";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "dashboard_trust_zone" AFTER UPDATE OF "zone_id" ON "sensor"
  FOR EACH ROW WHEN (OLD."zone_id" IS DISTINCT FROM NEW."zone_id") EXECUTE FUNCTION "dashboard_trust_zone"();
