-- Flagged readings in the series rollups (docs/history.md): the readings of each minute and hour
-- the trust engine judged against the sensor (a reason that is not advisory was active once it had
-- seen them). The trust stream adds them in the transaction that writes the state that judged
-- them, so a replay after a crash counts them exactly once. Rows rolled up before this migration
-- count none.
ALTER TABLE "reading_rollup_minute" ADD COLUMN "flagged" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reading_rollup_hour" ADD COLUMN "flagged" INTEGER NOT NULL DEFAULT 0;
