ALTER TABLE "syncs" ADD COLUMN "full_frequency_seconds" integer;--> statement-breakpoint
ALTER TABLE "syncs" ADD COLUMN "last_full_run_at" timestamp with time zone;--> statement-breakpoint
-- Syncs that existed before: their full frequency counts from their newest succeeded full run.
UPDATE "syncs" SET "last_full_run_at" = (SELECT max("finished_at") FROM "sync_runs" WHERE "sync_runs"."sync_id" = "syncs"."id" AND "sync_runs"."kind" = 'full' AND "sync_runs"."status" = 'succeeded');
