-- Every ingest batch rewrites its sensors' trust_state rows. Leaving half of each
-- page free lets PostgreSQL keep the new row version on the same page (a HOT
-- update: no index entries to add, less to vacuum) whenever the status does not
-- change, which is nearly always. Applies to pages written from now on.
ALTER TABLE "trust_state" SET (fillfactor = 50);
ALTER TABLE "reading_minute" SET (fillfactor = 50);
