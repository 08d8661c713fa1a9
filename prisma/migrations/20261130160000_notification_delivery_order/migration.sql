-- Deliveries are sent to each receiver in the order their ticket changes happened:
-- a ticket that opens and escalates within one stream tick is told "opened" first.
-- next_attempt_at and created_at tie for everything fanned out in one transaction,
-- so the order needs its own column.
ALTER TABLE "notification_delivery" ADD COLUMN "seq" BIGSERIAL NOT NULL;
