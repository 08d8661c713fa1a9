-- Compacted history (docs/history.md): a day partition older than READINGS_COMPACT_AFTER_HOURS
-- is rewritten into one "reading_block" row per sensor and UTC hour, then dropped, in one
-- transaction (reading_compact). A block holds its readings in time order as two arrays:
-- "deltas" (ms from the hour's start for the first, from the previous reading after it) and
-- "vals" (the values, float8 bit for bit). Regular intervals make the deltas repeat, which
-- TOAST's compression folds. received_at and xid are not kept: only partitions the trust stream
-- has fully processed and rolled up are compacted, so nothing reads them by xid again.
CREATE TABLE "reading_block" (
    "sensor_id" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "deltas" INTEGER[] NOT NULL,
    "vals" DOUBLE PRECISION[] NOT NULL,
    CONSTRAINT "reading_block_pkey" PRIMARY KEY ("sensor_id", "hour")
);
-- TOAST compresses the largest attributes first and stops once the row is under the target: with
-- the default (about 2 kB) the values are tried (noisy floats rarely compress) and moved out of
-- line, and the deltas, which compress to almost nothing, were left as they were.
ALTER TABLE "reading_block" SET (toast_tuple_target = 128);

-- The readings of a block, in time order (ts exact to the millisecond).
CREATE FUNCTION "reading_block_rows"(hour timestamptz, deltas integer[], vals double precision[])
RETURNS TABLE (ts timestamptz, value double precision)
LANGUAGE sql IMMUTABLE AS $$
  SELECT hour + (sum(u.dt) OVER (ORDER BY u.i)) * interval '1 millisecond', u.v
    FROM unnest(deltas, vals) WITH ORDINALITY AS u(dt, v, i)
   ORDER BY u.i
$$;

-- Every stored reading of one sensor with lo <= ts < hi, hot or compacted (any order).
-- Every query that reads raw readings by sensor and time reads through this.
CREATE FUNCTION "reading_range"(sid text, lo timestamptz, hi timestamptz)
RETURNS TABLE (ts timestamptz, value double precision)
LANGUAGE sql STABLE AS $$
  SELECT r.ts, r.value FROM "reading" r WHERE r.sensor_id = sid AND r.ts >= lo AND r.ts < hi
  UNION ALL
  SELECT d.ts, d.value
    FROM "reading_block" b CROSS JOIN LATERAL "reading_block_rows"(b.hour, b.deltas, b.vals) d
   WHERE b.sensor_id = sid AND b.hour > lo - interval '1 hour' AND b.hour < hi AND d.ts >= lo AND d.ts < hi
$$;

-- Compacts one day partition (by name) into blocks and drops it; returns the readings moved,
-- 0 when the partition no longer exists (done already: idempotent), or -1 when it holds a row
-- at or above `below` (the lowest position of the trust stream and its rollups): such a row is
-- not processed yet, so the partition stays hot and a later run tries again. Blocks already
-- stored for that day (a day imported again after compaction) are merged; a reading present in
-- both keeps the block's value (the first stored wins, as in the ingest). Serialised with the
-- partition upkeep by its advisory lock; one transaction, so a crash leaves the day either hot
-- or compacted, never both or half.
CREATE FUNCTION "reading_compact"(name text, below xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz;
  hi timestamptz;
  pending boolean;
  n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(72716026);
  IF name !~ '^reading_p[0-9]{8}$' THEN RAISE EXCEPTION 'not a reading partition: %', name; END IF;
  IF to_regclass(quote_ident(name)) IS NULL THEN RETURN 0; END IF;
  lo := (substr(name, 10, 4) || '-' || substr(name, 14, 2) || '-' || substr(name, 16, 2) || ' 00:00:00+00')::timestamptz;
  hi := lo + interval '1 day';
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE xid >= $1)', name) USING below INTO pending;
  IF pending THEN RETURN -1; END IF;
  EXECUTE format($q$
    WITH old AS (DELETE FROM "reading_block" WHERE hour >= $1 AND hour < $2 RETURNING *),
    rows AS (
      SELECT p.sensor_id, p.ts, p.value, 0 AS src FROM %I p
      UNION ALL
      SELECT o.sensor_id, d.ts, d.value, 1 FROM old o CROSS JOIN LATERAL "reading_block_rows"(o.hour, o.deltas, o.vals) d),
    uniq AS (SELECT DISTINCT ON (sensor_id, ts) sensor_id, ts, value FROM rows ORDER BY sensor_id, ts, src DESC),
    placed AS (
      SELECT sensor_id, date_bin(interval '1 hour', ts, timestamptz '1970-01-01 00:00:00+00') AS hour, ts, value FROM uniq),
    coded AS (
      SELECT sensor_id, hour, ts, value,
             (extract(epoch FROM ts - COALESCE(lag(ts) OVER (PARTITION BY sensor_id, hour ORDER BY ts), hour)) * 1000)::int AS dt
        FROM placed),
    ins AS (
      INSERT INTO "reading_block" (sensor_id, hour, deltas, vals)
      SELECT sensor_id, hour, array_agg(dt ORDER BY ts), array_agg(value ORDER BY ts) FROM coded GROUP BY sensor_id, hour
      RETURNING cardinality(vals) AS k)
    SELECT coalesce(sum(k), 0)::bigint FROM ins$q$, name) USING lo, hi INTO n;
  EXECUTE format('DROP TABLE %I', name);
  RETURN n;
END $$;
