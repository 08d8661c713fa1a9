-- The server clock at ingestion is kept once per ingest transaction (docs/history.md): every
-- row of an ingest transaction carries the same received_at, so "reading" no longer repeats it
-- (8 bytes a row of heap), and "reading_receipt" holds one row per transaction, found by the
-- rows' xid. The trust stream reads it with the log (the engine's "now"); the partition upkeep
-- deletes receipts below the lowest position the stream reads from, so the table holds about
-- the unprocessed tail of the log.
CREATE TABLE "reading_receipt" (
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "reading_receipt_pkey" PRIMARY KEY ("xid")
);

-- Rows stored before: the newest received_at of each transaction (the engine's "now" for a
-- sensor is already the newest among its new readings).
INSERT INTO "reading_receipt" ("xid", "received_at")
SELECT "xid", max("received_at") FROM "reading" WHERE "received_at" IS NOT NULL GROUP BY "xid";

-- Existing rows keep the dropped column's bytes until their day is compacted or dropped;
-- rows stored from now on do not have it.
ALTER TABLE "reading" DROP COLUMN "received_at";
