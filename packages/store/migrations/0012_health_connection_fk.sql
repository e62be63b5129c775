-- Health rows of connections deleted before the foreign key existed: removed first, so the constraint can be added on any older database.
DELETE FROM "connection_health" h WHERE NOT EXISTS (SELECT 1 FROM "connections" c WHERE c."id" = h."connection_id");--> statement-breakpoint
ALTER TABLE "connection_health" ADD CONSTRAINT "connection_health_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;
