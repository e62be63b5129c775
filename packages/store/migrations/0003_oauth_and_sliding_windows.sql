CREATE TABLE "connect_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"tenant" text NOT NULL,
	"connection_id" text,
	"token_hash" text NOT NULL,
	"token" jsonb NOT NULL,
	"origin" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"state_hash" text,
	"code_verifier" jsonb,
	"browser_binding_hash" text,
	"result_connection_id" text,
	"last_error" jsonb,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"environment_id" text NOT NULL,
	"type" text NOT NULL,
	"connection_id" text,
	"integration_key" text NOT NULL,
	"tenant" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" ALTER COLUMN "updated_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "token_issued_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "refresh_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "refresh_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "connect_sessions_token_idx" ON "connect_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "connect_sessions_state_idx" ON "connect_sessions" USING btree ("state_hash");--> statement-breakpoint
CREATE INDEX "connect_sessions_connection_idx" ON "connect_sessions" USING btree ("connection_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_id_idx" ON "events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "events_env_seq_idx" ON "events" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE INDEX "events_connection_idx" ON "events" USING btree ("connection_id","seq");--> statement-breakpoint
CREATE INDEX "connections_refresh_due_idx" ON "connections" USING btree ("refresh_due_at");--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" DROP COLUMN "tokens";--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" DROP COLUMN "capacity";--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" DROP COLUMN "refill_per_second";--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" DROP COLUMN "blocked_until";