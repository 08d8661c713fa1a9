-- Trust as a stream beside ingestion (docs/trust-stream.md). Every reading row
-- carries the id of the transaction that inserted it; the trust stream reads
-- rows committed below pg_snapshot_xmin(pg_current_snapshot()) from its last
-- position, which is correct under concurrent writers (a sequence is not).
ALTER TABLE "reading" ADD COLUMN "xid" xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX "reading_xid_idx" ON "reading" ("xid");
-- When the server received it (its clock at ingestion): the engine judges "live or
-- history" against it, so a reading applied a moment later, or replayed after a
-- crash, is judged as it was when it arrived.
ALTER TABLE "reading" ADD COLUMN "received_at" TIMESTAMPTZ(3);

-- One row per partition of the stream (hashtext(sensor_id) & (partitions - 1)):
-- the log position its trust state covers, advanced in the same transaction as
-- the trust writes (compare-and-set on the old position, so two consumers of a
-- partition can never both commit the same range). Created by the stream at start.
CREATE TABLE "trust_stream" (
    "partition" INTEGER NOT NULL,
    "position" xid8 NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "trust_stream_pkey" PRIMARY KEY ("partition")
);

-- Where a new partition row starts: after every reading stored so far (their
-- trust was computed by the ingest transaction before this migration).
CREATE TABLE "trust_stream_origin" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "position" xid8 NOT NULL,
    CONSTRAINT "trust_stream_origin_pkey" PRIMARY KEY ("id")
);
-- (Existing rows got this transaction's id as their xid: start just after it.)
INSERT INTO "trust_stream_origin" ("position") VALUES ((pg_current_xact_id()::text::bigint + 1)::text::xid8);
