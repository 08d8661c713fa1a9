-- Dashboard reads as plpgsql functions: PL/pgSQL keeps the plans of its
-- statements for the life of a connection, so the pooled connections stop
-- re-planning the aggregates on every (uncached) dashboard read. Each returns
-- one JSON document as text (one row: cheap for the Node side to decode).

CREATE FUNCTION "dashboard_zone_stats"("zone_ids" TEXT[]) RETURNS TEXT LANGUAGE plpgsql STABLE AS $$
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
               SELECT d."zone_id", count(*) AS "n"
                 FROM "ticket" o JOIN "dashboard_trust" d ON d."sensor_id" = o."sensor_id"
                WHERE o."status" <> 'RESOLVED' AND d."zone_id" IS NOT NULL
                  AND ("zone_ids" IS NULL OR d."zone_id" = ANY("zone_ids"))
                GROUP BY d."zone_id") k)
  )::text;
END;
$$;

CREATE FUNCTION "dashboard_summary"("since" TIMESTAMPTZ, "until" TIMESTAMPTZ) RETURNS TEXT LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN json_build_object(
    'trust', (SELECT json_agg(json_build_array(t."status", t."n", t."score_sum")) FROM (
               SELECT d."status", count(*) AS "n", sum(d."score") AS "score_sum" FROM "dashboard_trust" d GROUP BY d."status") t),
    'tickets', (SELECT json_agg(json_build_array(k."severity", k."n")) FROM (
               SELECT o."severity", count(*) AS "n" FROM "ticket" o WHERE o."status" <> 'RESOLVED' GROUP BY o."severity") k),
    'readings', (SELECT sum(m."count") FROM "reading_minute" m WHERE m."minute" > "since" AND m."minute" <= "until")
  )::text;
END;
$$;
