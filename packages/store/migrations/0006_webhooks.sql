CREATE TABLE "webhook_deliveries" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"environment_id" text NOT NULL,
	"integration_key" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text,
	"received_at" timestamp with time zone NOT NULL,
	"connection_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tenants" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "webhook_scheme" text;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_id_idx" ON "webhook_deliveries" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_delivery_idx" ON "webhook_deliveries" USING btree ("environment_id","integration_key","delivery_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_env_seq_idx" ON "webhook_deliveries" USING btree ("environment_id","seq");