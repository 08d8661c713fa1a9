-- Retiring a sensor (issue 15): the sensor, its readings, trust history and tickets
-- stay, but it leaves every fleet figure, sweep and ticket. Fleet and zone figures
-- read the dashboard_trust read model (migration 20261128150000), so a retired
-- sensor simply has no row there: a trigger removes it when retired_at is set and
-- puts it back (from its trust row) when it is cleared. Sweeps skip retired sensors
-- in SQL; ingestion refuses their readings (SENSOR_RETIRED).

ALTER TABLE "sensor" ADD COLUMN "retired_at" TIMESTAMPTZ(3);

CREATE FUNCTION "dashboard_trust_retired"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."retired_at" IS NOT NULL THEN
    DELETE FROM "dashboard_trust" WHERE "sensor_id" = NEW."id";
  ELSE
    INSERT INTO "dashboard_trust" ("sensor_id", "zone_id", "status", "score")
    SELECT t."sensor_id", NEW."zone_id", t."status", t."score" FROM "trust_state" t WHERE t."sensor_id" = NEW."id"
    ON CONFLICT ("sensor_id") DO UPDATE SET "zone_id" = EXCLUDED."zone_id", "status" = EXCLUDED."status", "score" = EXCLUDED."score";
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "dashboard_trust_retired" AFTER UPDATE OF "retired_at" ON "sensor"
  FOR EACH ROW WHEN ((OLD."retired_at" IS NULL) <> (NEW."retired_at" IS NULL)) EXECUTE FUNCTION "dashboard_trust_retired"();
