-- Initial data model (see prisma/schema.prisma). Runs on PostgreSQL 15+ and PGlite.

CREATE TYPE "TrustStatus" AS ENUM ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'FAULTY', 'OFFLINE');
CREATE TYPE "Severity" AS ENUM ('NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL');
CREATE TYPE "FaultKind" AS ENUM ('OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'DRIFT', 'OFFLINE', 'GAP', 'CLOCK');
CREATE TYPE "TicketStatus" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED');

CREATE TABLE "zone" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "zone_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "sensor" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "unit" TEXT,
    "zone_id" TEXT,
    "min_value" DOUBLE PRECISION,
    "max_value" DOUBLE PRECISION,
    "expected_interval_seconds" INTEGER NOT NULL DEFAULT 60,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sensor_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sensor_zone_id_id_idx" ON "sensor"("zone_id", "id");
CREATE INDEX "sensor_kind_id_idx" ON "sensor"("kind", "id");
ALTER TABLE "sensor" ADD CONSTRAINT "sensor_zone_id_fkey" FOREIGN KEY ("zone_id") REFERENCES "zone"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "reading" (
    "sensor_id" TEXT NOT NULL,
    "ts" TIMESTAMPTZ(3) NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "reading_pkey" PRIMARY KEY ("sensor_id", "ts")
);

CREATE TABLE "reading_minute" (
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "shard" SMALLINT NOT NULL,
    "count" BIGINT NOT NULL,
    CONSTRAINT "reading_minute_pkey" PRIMARY KEY ("minute", "shard")
);

CREATE TABLE "trust_state" (
    "sensor_id" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL DEFAULT 50,
    "status" "TrustStatus" NOT NULL DEFAULT 'UNKNOWN',
    "severity" "Severity" NOT NULL DEFAULT 'NONE',
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "engine_state" JSONB,
    "last_evaluated" TIMESTAMPTZ(3),
    "last_reading_at" TIMESTAMPTZ(3),
    "last_value" DOUBLE PRECISION,
    "status_since" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "trust_state_pkey" PRIMARY KEY ("sensor_id")
);
CREATE INDEX "trust_state_status_idx" ON "trust_state"("status");
ALTER TABLE "trust_state" ADD CONSTRAINT "trust_state_sensor_id_fkey" FOREIGN KEY ("sensor_id") REFERENCES "sensor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "trust_point" (
    "id" BIGSERIAL NOT NULL,
    "sensor_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "status" "TrustStatus" NOT NULL,
    CONSTRAINT "trust_point_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "trust_point_sensor_id_at_idx" ON "trust_point"("sensor_id", "at");

CREATE TABLE "ticket" (
    "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    "sensor_id" TEXT NOT NULL,
    "kind" "FaultKind" NOT NULL,
    "severity" "Severity" NOT NULL,
    "status" "TicketStatus" NOT NULL DEFAULT 'OPEN',
    "title" TEXT NOT NULL,
    "assignee" TEXT,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "recovered_at" TIMESTAMPTZ(3),
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "severity_manual" BOOLEAN NOT NULL DEFAULT false,
    "resolved_by" TEXT,
    CONSTRAINT "ticket_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ticket_status_severity_opened_at_idx" ON "ticket"("status", "severity", "opened_at" DESC);
CREATE INDEX "ticket_sensor_id_opened_at_idx" ON "ticket"("sensor_id", "opened_at" DESC);
CREATE INDEX "ticket_opened_at_id_idx" ON "ticket"("opened_at" DESC, "id");
-- One open ticket per sensor and fault kind, enforced by the database so that
-- concurrent batches and several instances can never open a duplicate.
CREATE UNIQUE INDEX "ticket_one_open_per_sensor_kind" ON "ticket"("sensor_id", "kind") WHERE "status" <> 'RESOLVED';
ALTER TABLE "ticket" ADD CONSTRAINT "ticket_sensor_id_fkey" FOREIGN KEY ("sensor_id") REFERENCES "sensor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ticket_event" (
    "id" BIGSERIAL NOT NULL,
    "ticket_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actor" TEXT,
    "note" TEXT,
    CONSTRAINT "ticket_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ticket_event_ticket_id_at_idx" ON "ticket_event"("ticket_id", "at");
ALTER TABLE "ticket_event" ADD CONSTRAINT "ticket_event_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "maintenance_window" (
    "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    "sensor_id" TEXT,
    "zone_id" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "maintenance_window_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "maintenance_window_sensor_id_ends_at_idx" ON "maintenance_window"("sensor_id", "ends_at");
CREATE INDEX "maintenance_window_zone_id_ends_at_idx" ON "maintenance_window"("zone_id", "ends_at");
