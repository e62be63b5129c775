CREATE SEQUENCE "public"."record_change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "records" (
	"sync_id" text NOT NULL,
	"external_id" text NOT NULL,
	"environment_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"model" text NOT NULL,
	"payload" jsonb NOT NULL,
	"payload_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_run" text NOT NULL,
	"last_changed_run" text NOT NULL,
	"deleted_at" timestamp with time zone,
	"change_seq" bigint NOT NULL,
	"added_seq" bigint NOT NULL,
	CONSTRAINT "records_sync_id_external_id_pk" PRIMARY KEY("sync_id","external_id")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"sync_id" text NOT NULL,
	"environment_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"active_ms" bigint DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"records_seen" integer DEFAULT 0 NOT NULL,
	"records_added" integer DEFAULT 0 NOT NULL,
	"records_updated" integer DEFAULT 0 NOT NULL,
	"records_deleted" integer DEFAULT 0 NOT NULL,
	"records_total" integer,
	"pages" integer DEFAULT 0 NOT NULL,
	"from_cursor" text,
	"max_cursor" text,
	"resume" jsonb,
	"first_change_seq" bigint,
	"last_change_seq" bigint,
	"error" jsonb
);
--> statement-breakpoint
CREATE TABLE "syncs" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"name" text NOT NULL,
	"model" text NOT NULL,
	"frequency_seconds" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"checkpoint" text,
	"next_run_at" timestamp with time zone,
	"state" text DEFAULT 'idle' NOT NULL,
	"current_run_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "records_stream_idx" ON "records" USING btree ("connection_id","model","change_seq");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_idx" ON "sync_runs" USING btree ("sync_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "syncs_connection_model_idx" ON "syncs" USING btree ("connection_id","model");--> statement-breakpoint
CREATE INDEX "syncs_env_idx" ON "syncs" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE INDEX "syncs_next_run_idx" ON "syncs" USING btree ("next_run_at");