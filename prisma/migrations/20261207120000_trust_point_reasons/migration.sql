-- The fault kinds active at each trust-history point, with their severity then
-- ([{ "kind", "severity", "advisory" }], highest severity first; TrustPoint.reasons).
-- Points written before this column existed have none recorded: '[]'.
ALTER TABLE "trust_point" ADD COLUMN "reasons" JSONB NOT NULL DEFAULT '[]';
