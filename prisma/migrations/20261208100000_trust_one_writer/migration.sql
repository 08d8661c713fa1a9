-- One writer per sensor (docs/trust-stream.md, "One writer"). The trust stream's partitions
-- are keyed by zone (the sensor id when it has none), so DRIFT's peers are in one owner's
-- memory: the key is stored on the sensor, computed by the database from its zone.
ALTER TABLE "sensor" ADD COLUMN "trust_key" INTEGER GENERATED ALWAYS AS (hashtext(COALESCE("zone_id", "id"))) STORED;

-- The partition whose owner last wrote the state: a sensor loaded into another partition
-- (its zone changed) reads its own rows between its stream_position and the new partition's
-- read position once (the handover), since the new partition's cursor may be past them.
ALTER TABLE "trust_state" ADD COLUMN "stream_partition" INTEGER;

-- Time-driven judgements asked of a partition's owner (evaluateTrust on any instance):
-- sweep_seq counts requests, sweep_at is the time to judge at, sweep_ids the sensors asked
-- about (null: all; the owner judges them with their zones), sweep_done the last request the
-- owner committed (with its checkpoint, in the same transaction).
ALTER TABLE "trust_stream" ADD COLUMN "sweep_seq" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "trust_stream" ADD COLUMN "sweep_done" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "trust_stream" ADD COLUMN "sweep_at" TIMESTAMPTZ(3);
ALTER TABLE "trust_stream" ADD COLUMN "sweep_ids" TEXT[];

-- The partitions were keyed by sensor id: a sensor's unapplied rows may now fall in a
-- partition whose position is past them. Every partition restarts at the lowest position
-- (each sensor's stream_position skips what its state includes). The rollup positions stay:
-- the readings of the last moments before the upgrade may count twice in the minute rollup.
UPDATE "trust_stream" SET "rollup_position" = COALESCE("rollup_position", "position");
UPDATE "trust_stream" SET "position" = (SELECT min("position") FROM "trust_stream");
