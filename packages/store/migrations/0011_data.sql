CREATE TABLE "mapping_overrides" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"overrides" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mapping_overrides" ADD CONSTRAINT "mapping_overrides_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;