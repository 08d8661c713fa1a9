-- Readings partitioned by time (docs/history.md): "reading" becomes a table partitioned by
-- RANGE ("ts") with one partition a UTC day, named reading_pYYYYMMDD. Same columns, same
-- primary key (sensor_id, ts) and xid index (declared on the parent, so every partition has
-- them): the ingest's ON CONFLICT duplicate check and the trust stream's reads by xid work
-- as before. Partitions are created ahead by a job and on demand by the ingest for a day
-- that has none (reading_ensure_partitions); retention drops whole partitions.

CREATE FUNCTION "reading_partition_name"(day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'reading_p' || to_char(day, 'YYYYMMDD') $$;

-- Creates the partitions of the given UTC days that do not exist yet and returns how many it
-- created. Rows of such a day already in the default partition (stored by SQL that did not
-- ask for a partition first) move into the new one with their xid, in this transaction.
-- Serialised by a transaction-scoped advisory lock, so concurrent callers never race on a name.
CREATE FUNCTION "reading_ensure_partitions"(days date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  d date;
  n integer := 0;
  name text;
  lo timestamptz;
  hi timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(72716026);
  FOR d IN SELECT DISTINCT x FROM unnest(days) AS x WHERE x IS NOT NULL ORDER BY 1 LOOP
    name := "reading_partition_name"(d);
    IF to_regclass(quote_ident(name)) IS NULL THEN
      lo := (to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00')::timestamptz;
      hi := lo + interval '1 day';
      IF EXISTS (SELECT 1 FROM "reading_default" WHERE "ts" >= lo AND "ts" < hi) THEN
        EXECUTE format('CREATE TABLE %I (LIKE "reading" INCLUDING DEFAULTS)', name);
        EXECUTE format(
          'WITH moved AS (DELETE FROM "reading_default" WHERE "ts" >= $1 AND "ts" < $2 RETURNING *)
           INSERT INTO %I SELECT * FROM moved', name) USING lo, hi;
        EXECUTE format('ALTER TABLE "reading" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
      ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF "reading" FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
      END IF;
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;

ALTER TABLE "reading" RENAME TO "reading_unpartitioned";
ALTER TABLE "reading_unpartitioned" RENAME CONSTRAINT "reading_pkey" TO "reading_unpartitioned_pkey";
ALTER INDEX "reading_xid_idx" RENAME TO "reading_unpartitioned_xid_idx";

CREATE TABLE "reading" (
    "sensor_id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ(3) NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "received_at" TIMESTAMPTZ(3),
    CONSTRAINT "reading_pkey" PRIMARY KEY ("sensor_id", "ts")
) PARTITION BY RANGE ("ts");
CREATE INDEX "reading_xid_idx" ON "reading" ("xid");
-- Catches a row of a day with no partition (nothing is ever refused for lack of one); the
-- partition job moves such rows into their day's partition.
CREATE TABLE "reading_default" PARTITION OF "reading" DEFAULT;

-- A partition for every day that holds readings, and for yesterday to a week ahead.
SELECT "reading_ensure_partitions"(ARRAY(
    SELECT DISTINCT (r."ts" AT TIME ZONE 'UTC')::date FROM "reading_unpartitioned" r
    UNION
    SELECT (now() AT TIME ZONE 'UTC')::date + i FROM generate_series(-1, 7) AS i));

-- The rows move with their xid: the trust stream's positions stay valid.
INSERT INTO "reading" ("sensor_id", "ts", "value", "xid", "received_at")
SELECT "sensor_id", "ts", "value", "xid", "received_at" FROM "reading_unpartitioned";

DROP TABLE "reading_unpartitioned";
