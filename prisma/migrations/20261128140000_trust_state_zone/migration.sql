-- Dashboard read model: trust_state carries its sensor's zone so that zone stats
-- are one scan of trust_state (no join over every sensor). Kept in step by
-- triggers that fire on registry writes only (sensor insert/zone change and
-- trust_state insert), never on the trust updates of the ingestion path.

ALTER TABLE "trust_state" ADD COLUMN "zone_id" TEXT;

UPDATE "trust_state" t SET "zone_id" = s."zone_id" FROM "sensor" s WHERE s."id" = t."sensor_id";

CREATE FUNCTION "trust_state_fill_zone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s."zone_id" INTO NEW."zone_id" FROM "sensor" s WHERE s."id" = NEW."sensor_id";
  RETURN NEW;
END;
$$;

CREATE TRIGGER "trust_state_fill_zone" BEFORE INSERT ON "trust_state"
  FOR EACH ROW EXECUTE FUNCTION "trust_state_fill_zone"();

CREATE FUNCTION "sensor_sync_trust_zone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "trust_state" SET "zone_id" = NEW."zone_id" WHERE "sensor_id" = NEW."id";
  RETURN NULL;
END;
$$;

CREATE TRIGGER "sensor_sync_trust_zone" AFTER UPDATE OF "zone_id" ON "sensor"
  FOR EACH ROW WHEN (OLD."zone_id" IS DISTINCT FROM NEW."zone_id")
  EXECUTE FUNCTION "sensor_sync_trust_zone"();

-- Open tickets per zone and per severity read only the few unresolved rows.
CREATE INDEX "ticket_open_severity_idx" ON "ticket"("severity") WHERE "status" <> 'RESOLVED';
