-- Per-sensor checkpoints of the trust stream (docs/trust-stream.md): the stream
-- keeps engine state in memory and writes a sensor's row at most about once a
-- second unless its verdict changed. Each row records the log position its state
-- includes; a replay after a crash skips, per sensor, the rows below it.
ALTER TABLE "trust_state" ADD COLUMN "stream_position" xid8 NOT NULL DEFAULT '0';

-- The minute rollup is counted in memory and written at checkpoints: the log
-- position it covers (null: the partition's position), so a replay from an
-- older partition position never counts a reading twice.
ALTER TABLE "trust_stream" ADD COLUMN "rollup_position" xid8;
