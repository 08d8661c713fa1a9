-- Compacted values that are decimals (docs/history.md): a sensor reports at its resolution (21.37,
-- 1013.2), so a block whose every value v is exactly k / 10^scale for one scale of 0..6 decimal
-- places keeps the integer steps k_i - k_(i-1) ("steps", int4, small and repeating, which TOAST
-- compresses) instead of the float8 values. A block holding any other value (a long mantissa, a
-- value beyond 10^9 units) keeps "vals" as before. Exact by construction: a value qualifies only
-- when (k::float8 / 10^scale) has the same bits as v, the very expression the decoder evaluates.
ALTER TABLE "reading_block" ALTER COLUMN "vals" DROP NOT NULL,
  ADD COLUMN "scale" SMALLINT,
  ADD COLUMN "steps" INTEGER[],
  ADD CONSTRAINT "reading_block_one_encoding"
    CHECK ((scale IS NULL AND steps IS NULL AND vals IS NOT NULL) OR (scale BETWEEN 0 AND 6 AND steps IS NOT NULL AND vals IS NULL));

-- 10^scale, exact (literals, not pow()).
CREATE FUNCTION "reading_scale_factor"(scale integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ('{1,10,100,1000,10000,100000,1000000}'::float8[])[scale + 1]
$$;

-- The fewest decimal places (0..6) at which every value is exactly an integer over 10^scale
-- (bit for bit, -0 excluded), or NULL when there is none.
CREATE FUNCTION "reading_values_scale"(vals double precision[]) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT min(d)::smallint FROM generate_series(0, 6) d
   WHERE NOT EXISTS (
     SELECT 1 FROM unnest(vals) v
      WHERE NOT CASE WHEN abs(v) < 1e9 / "reading_scale_factor"(d)  -- CASE: never multiply a huge value (overflow)
                     THEN float8send(round(v * "reading_scale_factor"(d))::bigint::float8 / "reading_scale_factor"(d)) = float8send(v)
                     ELSE false END)
$$;

-- The integer steps of the values at that scale (the first from 0).
CREATE FUNCTION "reading_values_steps"(vals double precision[], scale smallint) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg((k - coalesce(prev, 0))::int ORDER BY i)
    FROM (SELECT i, k, lag(k) OVER (ORDER BY i) AS prev
            FROM (SELECT u.i, round(u.v * "reading_scale_factor"(scale))::bigint AS k
                    FROM unnest(vals) WITH ORDINALITY AS u(v, i)) s) d
$$;

UPDATE "reading_block" b SET scale = s.scale, steps = "reading_values_steps"(b.vals, s.scale), vals = NULL
  FROM (SELECT sensor_id, hour, "reading_values_scale"(vals) AS scale FROM "reading_block") s
 WHERE s.sensor_id = b.sensor_id AND s.hour = b.hour AND s.scale IS NOT NULL;

-- The readings of a block, in time order (ts exact to the millisecond, value bit for bit).
DROP FUNCTION "reading_block_rows"(timestamptz, integer[], double precision[]);
CREATE FUNCTION "reading_block_rows"(hour timestamptz, deltas integer[], vals double precision[], scale smallint, steps integer[])
RETURNS TABLE (ts timestamptz, value double precision)
LANGUAGE sql IMMUTABLE AS $$
  SELECT hour + (sum(u.dt) OVER w) * interval '1 millisecond',
         CASE WHEN scale IS NULL THEN u.v ELSE (sum(u.s) OVER w)::float8 / "reading_scale_factor"(scale) END
    FROM unnest(deltas, vals, steps) WITH ORDINALITY AS u(dt, v, s, i)
  WINDOW w AS (ORDER BY u.i)
   ORDER BY u.i
$$;

CREATE OR REPLACE FUNCTION "reading_range"(sid text, lo timestamptz, hi timestamptz)
RETURNS TABLE (ts timestamptz, value double precision)
LANGUAGE sql STABLE AS $$
  SELECT r.ts, r.value FROM "reading" r WHERE r.sensor_id = sid AND r.ts >= lo AND r.ts < hi
  UNION ALL
  SELECT d.ts, d.value
    FROM "reading_block" b CROSS JOIN LATERAL "reading_block_rows"(b.hour, b.deltas, b.vals, b.scale, b.steps) d
   WHERE b.sensor_id = sid AND b.hour > lo - interval '1 hour' AND b.hour < hi AND d.ts >= lo AND d.ts < hi
$$;

CREATE OR REPLACE FUNCTION "reading_compact"(name text, below xid8) RETURNS bigint
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
      SELECT o.sensor_id, d.ts, d.value, 1
        FROM old o CROSS JOIN LATERAL "reading_block_rows"(o.hour, o.deltas, o.vals, o.scale, o.steps) d),
    uniq AS (SELECT DISTINCT ON (sensor_id, ts) sensor_id, ts, value FROM rows ORDER BY sensor_id, ts, src DESC),
    placed AS (
      SELECT sensor_id, date_bin(interval '1 hour', ts, timestamptz '1970-01-01 00:00:00+00') AS hour, ts, value FROM uniq),
    coded AS (
      SELECT sensor_id, hour, ts, value,
             (extract(epoch FROM ts - COALESCE(lag(ts) OVER (PARTITION BY sensor_id, hour ORDER BY ts), hour)) * 1000)::int AS dt
        FROM placed),
    grouped AS (
      SELECT sensor_id, hour, array_agg(dt ORDER BY ts) AS deltas, array_agg(value ORDER BY ts) AS vs
        FROM coded GROUP BY sensor_id, hour),
    ins AS (
      INSERT INTO "reading_block" (sensor_id, hour, deltas, vals, scale, steps)
      SELECT g.sensor_id, g.hour, g.deltas, CASE WHEN s.scale IS NULL THEN g.vs END, s.scale,
             CASE WHEN s.scale IS NOT NULL THEN "reading_values_steps"(g.vs, s.scale) END
        FROM grouped g CROSS JOIN LATERAL (SELECT "reading_values_scale"(g.vs) AS scale) s
      RETURNING cardinality(deltas) AS k)
    SELECT coalesce(sum(k), 0)::bigint FROM ins$q$, name) USING lo, hi INTO n;
  EXECUTE format('DROP TABLE %I', name);
  RETURN n;
END $$;
