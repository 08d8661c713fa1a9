-- Webhook notifications of ticket changes (modules/notifications).
--
-- The outbox is filled by a trigger on ticket_event, in the same transaction as the
-- ticket change that wrote the event: a change that commits is notified even if the
-- instance dies right after, and one that rolls back never is. Only the changes a
-- person is told about queue a notification (opened, escalated, reopened, resolved),
-- never the per-reading 'repeated' events. A dispatcher on any instance fans the
-- outbox out to the matching receivers' deliveries (FOR UPDATE SKIP LOCKED) and sends
-- them with retries.

CREATE TABLE "notification_receiver" (
    "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "min_severity" "Severity",
    "zone_ids" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "notification_receiver_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "notification_outbox" (
    "id" BIGSERIAL NOT NULL,
    "ticket_event_id" BIGINT NOT NULL,
    CONSTRAINT "notification_outbox_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "notification_delivery" (
    "id" TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    "receiver_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "ticket_id" TEXT,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "notification_delivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "notification_delivery_receiver_id_fkey" FOREIGN KEY ("receiver_id")
        REFERENCES "notification_receiver"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "notification_delivery_receiver_id_created_at_idx" ON "notification_delivery"("receiver_id", "created_at" DESC);
CREATE INDEX "notification_delivery_due_idx" ON "notification_delivery"("next_attempt_at") WHERE "status" = 'PENDING';

CREATE FUNCTION "notification_outbox_from_ticket_event"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "notification_outbox" ("ticket_event_id") VALUES (NEW."id");
  RETURN NULL;
END;
$$;

CREATE TRIGGER "notification_outbox_from_ticket_event" AFTER INSERT ON "ticket_event"
  FOR EACH ROW WHEN (NEW."type" IN ('opened', 'escalated', 'reopened', 'resolved', 'auto_resolved'))
  EXECUTE FUNCTION "notification_outbox_from_ticket_event"();
