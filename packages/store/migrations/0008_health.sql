CREATE TABLE "alerts" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"rule" text NOT NULL,
	"subject" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_fired_at" timestamp with time zone NOT NULL,
	"last_fired_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"notified_firing_at" timestamp with time zone,
	"notified_resolved_at" timestamp with time zone,
	"delivery_error" text
);
--> statement-breakpoint
CREATE TABLE "connection_health" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"state" text NOT NULL,
	"reason" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"next_check_at" timestamp with time zone NOT NULL,
	"last_check_at" timestamp with time zone,
	"last_check_error" text,
	"consecutive_check_failures" integer DEFAULT 0 NOT NULL,
	"findings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connection_transitions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"tenant" text NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_id_idx" ON "alerts" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_firing_idx" ON "alerts" USING btree ("environment_id","dedupe_key") WHERE "alerts"."status" = 'firing';--> statement-breakpoint
CREATE INDEX "alerts_env_seq_idx" ON "alerts" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE INDEX "connection_health_next_check_idx" ON "connection_health" USING btree ("next_check_at");--> statement-breakpoint
CREATE INDEX "connection_transitions_connection_idx" ON "connection_transitions" USING btree ("connection_id","seq");