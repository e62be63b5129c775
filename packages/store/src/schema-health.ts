import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { connections } from './schema.js';

/**
 * What the health monitor knows about one connection beyond `connections.state`: the reason for the
 * current state, when it began, the last synthetic check, and when the next one is due. Processes
 * sharing PostgreSQL claim due rows with `FOR UPDATE SKIP LOCKED`, so each connection is checked at
 * most once per interval across all of them. The row goes with its connection (ON DELETE CASCADE).
 */
export const connectionHealth = pgTable(
  'connection_health',
  {
    connectionId: text('connection_id')
      .primaryKey()
      .references(() => connections.id, { onDelete: 'cascade' }),
    environmentId: text('environment_id').notNull(),
    /** The state last observed (compared with `connections.state` to notice a change). */
    state: text('state').notNull(),
    reason: text('reason').notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }).notNull(),
    lastCheckAt: timestamp('last_check_at', { withTimezone: true }),
    /** Error code of the last synthetic check, or null when it passed. */
    lastCheckError: text('last_check_error'),
    consecutiveCheckFailures: integer('consecutive_check_failures').notNull().default(0),
    /** Silent-failure findings open right now (detector name → message). */
    findings: jsonb('findings').$type<Record<string, string>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('connection_health_next_check_idx').on(t.nextCheckAt)],
);

/** Every change of a connection's state, with the reason: `healthy → degraded: 3 checks failed (…)`. */
export const connectionTransitions = pgTable(
  'connection_transitions',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    environmentId: text('environment_id').notNull(),
    connectionId: text('connection_id').notNull(),
    integrationKey: text('integration_key').notNull(),
    tenant: text('tenant').notNull(),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('connection_transitions_connection_idx').on(t.connectionId, t.seq)],
);

/**
 * Alerts: one row per firing episode of a rule for a subject. The partial unique index lets only
 * one episode of a dedupe key fire at a time, in every process: a second insert is a no-op, so a
 * problem is announced once and its recovery once.
 */
export const alerts = pgTable(
  'alerts',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id').notNull(),
    rule: text('rule').notNull(),
    /** What the alert is about: a connection id, an integration key, or the environment. */
    subject: text('subject').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status').notNull(),
    severity: text('severity').notNull(),
    summary: text('summary').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    firstFiredAt: timestamp('first_fired_at', { withTimezone: true }).notNull(),
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** When the firing and the recovery notices were handed to every channel, or null. */
    notifiedFiringAt: timestamp('notified_firing_at', { withTimezone: true }),
    notifiedResolvedAt: timestamp('notified_resolved_at', { withTimezone: true }),
    /** The last delivery failure, if any (never a URL or secret). */
    deliveryError: text('delivery_error'),
  },
  (t) => [
    uniqueIndex('alerts_id_idx').on(t.id),
    uniqueIndex('alerts_firing_idx')
      .on(t.environmentId, t.dedupeKey)
      .where(sql`${t.status} = 'firing'`),
    index('alerts_env_seq_idx').on(t.environmentId, t.seq),
  ],
);
