import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { connections } from './schema.js';

/**
 * A tenant's field-mapping overrides for one connection (`@joinery/data` `MappingOverrides`,
 * keyed by mapping id: custom fields, replaced and removed rules). A table of its own rather
 * than a key in `connections.settings`, which re-authorisation replaces with the provider's
 * token-response values.
 */
export const mappingOverrides = pgTable('mapping_overrides', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  environmentId: text('environment_id').notNull(),
  overrides: jsonb('overrides').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
