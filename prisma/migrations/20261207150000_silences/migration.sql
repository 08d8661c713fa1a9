-- Silences: for a while, tickets of a sensor, a zone, one ticket or an incident notify
-- nobody (they still open, escalate and resolve). Exactly one target; the incident id is
-- kept as given, without a foreign key (incidents live in their own table). Unsilencing
-- ends the silence now (until := now), so who silenced what and why stays as history.
CREATE TABLE "silence" (
  "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
  "sensor_id" TEXT,
  "ticket_id" TEXT,
  "zone_id" TEXT,
  "incident_id" TEXT,
  "until" TIMESTAMPTZ(3) NOT NULL,
  "note" TEXT NOT NULL,
  "created_by" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "silence_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "silence_one_target" CHECK (num_nonnulls("sensor_id", "ticket_id", "zone_id", "incident_id") = 1)
);
CREATE INDEX "silence_sensor_id_until_idx" ON "silence" ("sensor_id", "until");
CREATE INDEX "silence_ticket_id_until_idx" ON "silence" ("ticket_id", "until");
CREATE INDEX "silence_zone_id_until_idx" ON "silence" ("zone_id", "until");
CREATE INDEX "silence_incident_id_until_idx" ON "silence" ("incident_id", "until");
