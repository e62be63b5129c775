CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"tenant" text NOT NULL,
	"auth_type" text NOT NULL,
	"credentials" jsonb NOT NULL,
	"state" text DEFAULT 'healthy' NOT NULL,
	"last_error" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"token_expires_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "environments" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"environment_id" text NOT NULL,
	"key" text NOT NULL,
	"connector" text NOT NULL,
	"base_url" text,
	"allow_private_network" boolean DEFAULT false NOT NULL,
	"webhook_secret" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_environment_id_key_pk" PRIMARY KEY("environment_id","key")
);
--> statement-breakpoint
CREATE TABLE "request_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"environment_id" text NOT NULL,
	"connection_id" text,
	"integration_key" text NOT NULL,
	"tenant" text,
	"source" text NOT NULL,
	"action" text,
	"method" text NOT NULL,
	"url" text NOT NULL,
	"status" integer,
	"duration_ms" integer NOT NULL,
	"error_code" text,
	"request_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "secret_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"hint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_keys" ADD CONSTRAINT "secret_keys_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connections_env_tenant_idx" ON "connections" USING btree ("environment_id","tenant");--> statement-breakpoint
CREATE INDEX "connections_env_integration_idx" ON "connections" USING btree ("environment_id","integration_key");--> statement-breakpoint
CREATE INDEX "request_log_env_at_idx" ON "request_log" USING btree ("environment_id","at");--> statement-breakpoint
CREATE INDEX "request_log_connection_idx" ON "request_log" USING btree ("connection_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "request_log_id_idx" ON "request_log" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "secret_keys_hash_idx" ON "secret_keys" USING btree ("key_hash");