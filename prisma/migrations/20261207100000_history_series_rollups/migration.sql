-- Per-sensor rollups of readings for Sensor.series (docs/history.md): min, max,
-- sum and count per sensor and minute, and per sensor and hour. Kept by the trust
-- stream at its checkpoints, with the partition's rollup_position in the same
-- transaction: a reading of partition p is in them exactly when its xid is below
-- COALESCE(rollup_position, position) of p (or the origin when p has no row yet).
CREATE TABLE "reading_rollup_minute" (
    "sensor_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "count" INTEGER NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "reading_rollup_minute_pkey" PRIMARY KEY ("sensor_id", "bucket")
);

CREATE TABLE "reading_rollup_hour" (
    "sensor_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "count" INTEGER NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "reading_rollup_hour_pkey" PRIMARY KEY ("sensor_id", "bucket")
);

-- Readings stored before these tables existed, as far as the stream has already read
-- them (the rest it counts itself when it reads them). The partition count is the
-- number of trust_stream rows (TRUST_PARTITIONS when the stream last started).
WITH parts AS (SELECT count(*)::int AS n FROM "trust_stream"),
covered AS (
    SELECT r."sensor_id", r."ts", r."value"
      FROM "reading" r
      CROSS JOIN parts
      LEFT JOIN "trust_stream" t ON parts.n > 0 AND t."partition" = (hashtext(r."sensor_id") & (parts.n - 1))
     WHERE r."xid" < COALESCE(t."rollup_position", t."position", (SELECT "position" FROM "trust_stream_origin"))
)
INSERT INTO "reading_rollup_minute" ("sensor_id", "bucket", "count", "min", "max", "sum")
SELECT "sensor_id", date_trunc('minute', "ts", 'UTC'), count(*), min("value"), max("value"), sum("value")
  FROM covered GROUP BY 1, 2;

INSERT INTO "reading_rollup_hour" ("sensor_id", "bucket", "count", "min", "max", "sum")
SELECT "sensor_id", date_trunc('hour', "bucket", 'UTC'), sum("count"), min("min"), max("max"), sum("sum")
  FROM "reading_rollup_minute" GROUP BY 1, 2;
