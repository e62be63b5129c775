CREATE TABLE "idempotency_keys" (
	"environment_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text NOT NULL,
	"status" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_environment_id_key_pk" PRIMARY KEY("environment_id","key")
);
--> statement-breakpoint
CREATE TABLE "provider_quotas" (
	"environment_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"name" text NOT NULL,
	"used" integer NOT NULL,
	"limit" integer NOT NULL,
	"resets_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_quotas_environment_id_integration_key_name_pk" PRIMARY KEY("environment_id","integration_key","name")
);
--> statement-breakpoint
CREATE TABLE "rate_limit_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"capacity" double precision NOT NULL,
	"refill_per_second" double precision NOT NULL,
	"blocked_until" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schema_drift" (
	"environment_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"action" text NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"example" text,
	"count" integer NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "schema_drift_environment_id_integration_key_action_path_kind_pk" PRIMARY KEY("environment_id","integration_key","action","path","kind")
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");