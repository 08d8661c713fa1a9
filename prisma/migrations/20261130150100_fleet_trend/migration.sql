-- The overview's trend (issue 15): the fleet's figures sampled every few minutes
-- (TREND_SAMPLE_SECONDS) by a background job on each instance. A sample's time is
-- rounded down to the sampling interval and is the primary key, so several
-- instances write one row per interval (ON CONFLICT DO NOTHING). Reading 24 h is
-- at most a few hundred tiny rows; samples older than 8 days are deleted by the job.

CREATE TABLE "fleet_trend_sample" (
    "at" TIMESTAMPTZ(3) NOT NULL,
    "sensor_count" INTEGER NOT NULL,
    "average_trust" DOUBLE PRECISION,
    "open_tickets" INTEGER NOT NULL,
    "faulty" INTEGER NOT NULL,
    "offline" INTEGER NOT NULL,
    CONSTRAINT "fleet_trend_sample_pkey" PRIMARY KEY ("at")
);
