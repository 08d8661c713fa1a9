-- Who retired a sensor and why, on the sensor itself: kept even when no ticket was open
-- (the note was only on the events of the tickets the retirement resolved).
ALTER TABLE "sensor" ADD COLUMN "retired_by" TEXT;
ALTER TABLE "sensor" ADD COLUMN "retire_note" TEXT;
