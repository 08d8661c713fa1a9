-- Incidents (docs/incidents.md): tickets that share a cause are grouped into one incident
-- and notify only through it. `group_key` names the open cause ("fleet",
-- "source:<source>", "zone:<zone>:<kind>", "environment:<zone>:<sensor kind>") while
-- tickets may still join it; the unique index makes it one incident per open cause,
-- whichever instance or restart opens it (INSERT … ON CONFLICT (group_key)). It is
-- cleared when the incident resolves or when no ticket joined for INCIDENT_WINDOW_SECONDS.

ALTER TABLE "sensor" ADD COLUMN "gateway_id" TEXT;

-- The source of each sensor's latest accepted readings (API key name, MQTT client, open mode),
-- written only when it changes.
CREATE TABLE "sensor_source" (
    "sensor_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "sensor_source_pkey" PRIMARY KEY ("sensor_id")
);

CREATE TABLE "incident" (
    "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    "cause" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "group_key" TEXT,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "severity" "Severity" NOT NULL,
    "summary" TEXT NOT NULL,
    "zone_id" TEXT,
    "source" TEXT,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "last_joined_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "sensor_count" INTEGER NOT NULL DEFAULT 0,
    "pending_joined" INTEGER NOT NULL DEFAULT 0,
    "pending_resolved" INTEGER NOT NULL DEFAULT 0,
    "notified_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "incident_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incident_cause_check" CHECK ("cause" IN ('FLEET_SILENT', 'SOURCE_SILENT', 'ZONE_FAULT', 'ENVIRONMENT')),
    CONSTRAINT "incident_status_check" CHECK ("status" IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED'))
);

CREATE UNIQUE INDEX "incident_group_key_key" ON "incident"("group_key");
CREATE INDEX "incident_status_opened_at_idx" ON "incident"("status", "opened_at" DESC);
CREATE INDEX "incident_opened_at_id_idx" ON "incident"("opened_at" DESC, "id");

CREATE TABLE "incident_event" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "type" TEXT NOT NULL,
    "actor" TEXT,
    "note" TEXT,
    CONSTRAINT "incident_event_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incident_event_incident_id_fkey" FOREIGN KEY ("incident_id")
        REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "incident_event_incident_id_at_idx" ON "incident_event"("incident_id", "at");

ALTER TABLE "ticket" ADD COLUMN "incident_id" TEXT;
ALTER TABLE "ticket" ADD CONSTRAINT "ticket_incident_id_fkey" FOREIGN KEY ("incident_id")
    REFERENCES "incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "ticket_incident_id_idx" ON "ticket"("incident_id");

-- Incident notifications travel through the same outbox as ticket notifications.
ALTER TABLE "notification_outbox" ALTER COLUMN "ticket_event_id" DROP NOT NULL;
ALTER TABLE "notification_outbox" ADD COLUMN "incident_event_id" BIGINT;
ALTER TABLE "notification_delivery" ADD COLUMN "incident_id" TEXT;

CREATE FUNCTION "notification_outbox_from_incident_event"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "notification_outbox" ("incident_event_id") VALUES (NEW."id");
  RETURN NULL;
END;
$$;

CREATE TRIGGER "notification_outbox_from_incident_event" AFTER INSERT ON "incident_event"
  FOR EACH ROW WHEN (NEW."type" IN ('opened', 'updated', 'repeated', 'resolved'))
  EXECUTE FUNCTION "notification_outbox_from_incident_event"();
