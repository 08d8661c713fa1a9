-- Open tickets per zone without joining every sensor. With 10,000 open tickets
-- the zone-stats join of ticket × dashboard_trust was most of an uncached
-- zoneStats read (~6 of ~7 ms). Each ticket now carries its sensor's current
-- zone: set when the ticket is created (BEFORE INSERT, no second write) and
-- moved with the sensor. Lock order stays dashboard_trust before ticket
-- everywhere: a sensor move updates dashboard_trust (trigger
-- "dashboard_trust_zone") before its tickets (triggers fire in name order), as
-- an ingest batch does (trust rows, then ticket automation).

-- No index on it: the count scans open tickets either way, and with a partial
-- index on open tickets' zone the PGlite ingestion benchmark fell from 36-39k to
-- 28-31k readings/s (most likely a worse plan for ticket lookups: PGlite runs no
-- autovacuum, so its planner has no statistics).

ALTER TABLE "ticket" ADD COLUMN "zone_id" TEXT;
UPDATE "ticket" t SET "zone_id" = s."zone_id" FROM "sensor" s WHERE s."id" = t."sensor_id";

CREATE FUNCTION "ticket_zone_on_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."zone_id" := (SELECT s."zone_id" FROM "sensor" s WHERE s."id" = NEW."sensor_id");
  RETURN NEW;
END;
$$;
CREATE TRIGGER "ticket_zone_on_insert" BEFORE INSERT ON "ticket"
  FOR EACH ROW EXECUTE FUNCTION "ticket_zone_on_insert"();

CREATE FUNCTION "ticket_zone_follows_sensor"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ticket" SET "zone_id" = NEW."zone_id" WHERE "sensor_id" = NEW."id";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "ticket_zone_follows_sensor" AFTER UPDATE OF "zone_id" ON "sensor"
  FOR EACH ROW WHEN (OLD."zone_id" IS DISTINCT FROM NEW."zone_id") EXECUTE FUNCTION "ticket_zone_follows_sensor"();

CREATE OR REPLACE FUNCTION "dashboard_zone_stats"("zone_ids" TEXT[]) RETURNS TEXT LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'zones', (SELECT json_agg(json_build_array(z."id", z."name") ORDER BY z."id") FROM "zone" z
               WHERE "zone_ids" IS NULL OR z."id" = ANY("zone_ids")),
    'trust', (SELECT json_agg(json_build_array(t."zone_id", t."status", t."n", t."score_sum")) FROM (
               SELECT d."zone_id", d."status", count(*) AS "n", sum(d."score") AS "score_sum"
                 FROM "dashboard_trust" d
                WHERE d."zone_id" IS NOT NULL AND ("zone_ids" IS NULL OR d."zone_id" = ANY("zone_ids"))
                GROUP BY d."zone_id", d."status") t),
    'tickets', (SELECT json_agg(json_build_array(k."zone_id", k."n")) FROM (
               SELECT o."zone_id", count(*) AS "n"
                 FROM "ticket" o
                WHERE o."status" <> 'RESOLVED' AND o."zone_id" IS NOT NULL
                  AND ("zone_ids" IS NULL OR o."zone_id" = ANY("zone_ids"))
                GROUP BY o."zone_id") k)
  )::text;
END;
$$;
