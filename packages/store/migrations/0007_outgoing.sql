CREATE TABLE "dead_letters" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref_id" text NOT NULL,
	"reason" text NOT NULL,
	"last_error" jsonb,
	"payload" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replay_count" integer DEFAULT 0 NOT NULL,
	"last_replayed_at" timestamp with time zone,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outgoing_deliveries" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"endpoint_id" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_status" integer,
	"last_error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"url" text NOT NULL,
	"event_types" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"secret" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"allow_private_network" boolean DEFAULT false NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"open_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_id_idx" ON "dead_letters" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_ref_idx" ON "dead_letters" USING btree ("kind","ref_id");--> statement-breakpoint
CREATE INDEX "dead_letters_env_seq_idx" ON "dead_letters" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "outgoing_deliveries_id_idx" ON "outgoing_deliveries" USING btree ("id");--> statement-breakpoint
CREATE INDEX "outgoing_deliveries_due_idx" ON "outgoing_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outgoing_deliveries_endpoint_idx" ON "outgoing_deliveries" USING btree ("endpoint_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_endpoints_id_idx" ON "webhook_endpoints" USING btree ("id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_env_idx" ON "webhook_endpoints" USING btree ("environment_id","seq");