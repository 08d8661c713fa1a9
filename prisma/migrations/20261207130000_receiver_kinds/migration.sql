-- Receiver kinds: WEBHOOK (a signed JSON POST), SLACK (a Slack-compatible incoming-webhook
-- payload: {"text": …}) and EMAIL (mail over SMTP, `url` is mailto:address[,address]).
ALTER TABLE "notification_receiver" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'WEBHOOK';
ALTER TABLE "notification_receiver" ADD CONSTRAINT "notification_receiver_kind_check"
  CHECK ("kind" IN ('WEBHOOK', 'SLACK', 'EMAIL'));
