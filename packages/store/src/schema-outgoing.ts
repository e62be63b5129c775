import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Encrypted value: AES-256-GCM ciphertext and the id of the key that sealed it (as in schema.ts). */
interface SealedValue {
  keyId: string;
  data: string;
}

/** The last failure of an outgoing delivery or a run, as stored. Never holds a secret. */
export interface StoredDeliveryError {
  code: string;
  message: string;
  status?: number;
  at: string;
}

/**
 * Where the app receives Joinery's events (Standard Webhooks). The signing secret is sealed like
 * connection credentials; it is shown once, when the endpoint is created.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id').notNull(),
    url: text('url').notNull(),
    /** Event types delivered here (`connection.*` patterns allowed); empty means every event. */
    eventTypes: jsonb('event_types').$type<string[]>().notNull().default([]),
    secret: jsonb('secret').$type<SealedValue>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why the endpoint was disabled (e.g. it answered 410 Gone), or null. */
    disabledReason: text('disabled_reason'),
    allowPrivateNetwork: boolean('allow_private_network').notNull().default(false),
    /** Breaker: consecutive failed attempts, and until when it stays open. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    openUntil: timestamp('open_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('webhook_endpoints_id_idx').on(t.id),
    index('webhook_endpoints_env_idx').on(t.environmentId, t.seq),
  ],
);

/**
 * One event for one endpoint (the outbox). `id` is the Standard Webhooks `webhook-id`: the same for
 * every attempt and replay, so a receiver that deduplicates by it sees one event.
 */
export const outgoingDeliveries = pgTable(
  'outgoing_deliveries',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** pending | delivering | delivered | failed | dead */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** While a dispatcher holds the delivery; past it, another dispatcher may take it over. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: jsonb('last_error').$type<StoredDeliveryError>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outgoing_deliveries_id_idx').on(t.id),
    index('outgoing_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('outgoing_deliveries_endpoint_idx').on(t.endpointId, t.seq),
  ],
);

/** A run or delivery that exhausted its retries: kept, inspectable, replayable. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id').notNull(),
    /** delivery | run */
    kind: text('kind').notNull(),
    /** The id of the delivery or run. */
    refId: text('ref_id').notNull(),
    reason: text('reason').notNull(),
    lastError: jsonb('last_error').$type<Record<string, unknown>>(),
    payload: jsonb('payload').$type<unknown>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    replayCount: integer('replay_count').notNull().default(0),
    lastReplayedAt: timestamp('last_replayed_at', { withTimezone: true }),
    /** When a replay succeeded (the delivery was delivered, the run completed), or null. */
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('dead_letters_id_idx').on(t.id),
    uniqueIndex('dead_letters_ref_idx').on(t.kind, t.refId),
    index('dead_letters_env_seq_idx').on(t.environmentId, t.seq),
  ],
);
