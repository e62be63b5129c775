ALTER TABLE "integrations" ADD COLUMN "rate_limits" jsonb;--> statement-breakpoint
ALTER TABLE "request_log" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "request_log" ADD COLUMN "decision" text;