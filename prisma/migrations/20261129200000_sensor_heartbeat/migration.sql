-- Report-by-exception sensors: the longest silence (seconds) that still means "unchanged".
-- NULL for periodic sensors (the default). The trust engine judges GAP, OFFLINE and STUCK
-- against it (server/src/trust/README.md).
ALTER TABLE "sensor" ADD COLUMN "heartbeat_seconds" INTEGER;
