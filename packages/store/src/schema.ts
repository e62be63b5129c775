import { sql } from 'drizzle-orm';
import {
  bigserial,
  doublePrecision,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** An isolated space of integrations and connections; every secret key belongs to one. */
export const environments = pgTable('environments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** API secret keys, stored as SHA-256 digests only (the keys are 256-bit random, so no KDF is needed). */
export const secretKeys = pgTable(
  'secret_keys',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id),
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key, so a person can tell keys apart without the key. */
    hint: text('hint').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('secret_keys_hash_idx').on(t.keyHash)],
);

/** Encrypted value: AES-256-GCM ciphertext and the id of the key that sealed it. */
export interface Sealed {
  keyId: string;
  data: string;
}

export const integrations = pgTable(
  'integrations',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id),
    key: text('key').notNull(),
    connector: text('connector').notNull(),
    baseUrl: text('base_url'),
    allowPrivateNetwork: boolean('allow_private_network').notNull().default(false),
    /** One sealed secret, or several (newest first) while the provider rotates them. */
    webhookSecret: jsonb('webhook_secret').$type<Sealed | Sealed[]>(),
    /** Overrides the connector's webhook signature scheme (e.g. `standard_webhooks`). */
    webhookScheme: text('webhook_scheme'),
    /** Overrides of the connector's declared rate limits (e.g. a plan with a higher allowance). */
    rateLimits: jsonb('rate_limits').$type<unknown[]>(),
    /** The OAuth client registered with the provider (its secret sealed inside), or null. */
    oauth: jsonb('oauth').$type<StoredOAuthClient>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.key] })],
);

/** Connection-level values learned from the provider (OAuth token response fields). */
export interface ConnectionSettings {
  baseUrl?: string;
  [key: string]: unknown;
}

/** An integration's OAuth client; the secret is sealed. */
export interface StoredOAuthClient {
  clientId: string;
  clientSecret: Sealed | null;
  scopes: string[];
  authorizationUrl?: string;
  tokenUrl?: string;
  /** When set, an authorization response's `iss` must equal it (RFC 9207). */
  issuer?: string;
}

export interface StoredError {
  code: string;
  message: string;
  at: string;
}

export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id),
    integrationKey: text('integration_key').notNull(),
    tenant: text('tenant').notNull(),
    authType: text('auth_type').notNull(),
    credentials: jsonb('credentials').$type<Sealed>().notNull(),
    state: text('state').notNull().default('healthy'),
    lastError: jsonb('last_error').$type<StoredError>(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    tokenIssuedAt: timestamp('token_issued_at', { withTimezone: true }),
    /** When the token manager should renew the token (ahead of expiry), or null. */
    refreshDueAt: timestamp('refresh_due_at', { withTimezone: true }),
    refreshFailures: integer('refresh_failures').notNull().default(0),
    /** Values a provider's token response sets for this connection, e.g. Salesforce's instance URL. */
    settings: jsonb('settings').$type<ConnectionSettings>().notNull().default({}),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('connections_env_tenant_idx').on(t.environmentId, t.tenant),
    index('connections_env_integration_idx').on(t.environmentId, t.integrationKey),
    index('connections_refresh_due_idx').on(t.refreshDueAt),
  ],
);

/** One row per outbound exchange. Never holds credentials: URLs are stored with secrets removed. */
export const requestLog = pgTable(
  'request_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    environmentId: text('environment_id').notNull(),
    connectionId: text('connection_id'),
    integrationKey: text('integration_key').notNull(),
    tenant: text('tenant'),
    source: text('source').notNull(),
    action: text('action'),
    method: text('method').notNull(),
    url: text('url').notNull(),
    status: integer('status'),
    durationMs: integer('duration_ms').notNull(),
    errorCode: text('error_code'),
    requestId: text('request_id').notNull(),
    /** 1 for the first try of a call, 2 for its first retry, … */
    attempt: integer('attempt').notNull().default(1),
    /** Why the pipeline did what it did after this exchange (retry, wait, give up), in words. */
    decision: text('decision'),
  },
  (t) => [
    index('request_log_env_at_idx').on(t.environmentId, t.at),
    index('request_log_connection_idx').on(t.connectionId, t.seq),
    uniqueIndex('request_log_id_idx').on(t.id),
  ],
);

/**
 * Stripe-style idempotency for action calls: the first response to a key is kept and replayed;
 * the same key with a different request is a conflict. Rows are kept at least 24 hours.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    environmentId: text('environment_id').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of what the request asked for (connection, action, input). */
    requestHash: text('request_hash').notNull(),
    state: text('state').notNull(),
    status: integer('status'),
    response: jsonb('response'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.environmentId, t.key] }),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Sliding-window send schedules shared by every process: each row keeps the send times (ms since
 * epoch) of the last `max_requests` requests under one limit, so a new request is scheduled no
 * earlier than the oldest one leaving the window — pre-throttling before the provider says 429.
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: text('key').primaryKey(),
  maxRequests: integer('max_requests').notNull(),
  windowMs: integer('window_ms').notNull(),
  slots: doublePrecision('slots')
    .array()
    .notNull()
    .default(sql`'{}'::double precision[]`),
  /** Until when the provider told us to stop (Retry-After / reset), whatever the window holds. */
  blockedUntil: doublePrecision('blocked_until'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Provider quotas learned from headers (e.g. Salesforce's rolling 24-hour allocation). */
export const providerQuotas = pgTable(
  'provider_quotas',
  {
    environmentId: text('environment_id').notNull(),
    integrationKey: text('integration_key').notNull(),
    name: text('name').notNull(),
    used: integer('used').notNull(),
    limit: integer('limit').notNull(),
    resetsAt: timestamp('resets_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.integrationKey, t.name] })],
);

/** Where a provider's answers differ from the declared schema: unknown, missing or re-typed fields. */
export const schemaDrift = pgTable(
  'schema_drift',
  {
    environmentId: text('environment_id').notNull(),
    integrationKey: text('integration_key').notNull(),
    action: text('action').notNull(),
    path: text('path').notNull(),
    kind: text('kind').notNull(),
    example: text('example'),
    count: integer('count').notNull(),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.integrationKey, t.action, t.path, t.kind] })],
);

/** Hosted Connect sessions: single-use links that run an OAuth flow for one tenant. */
export const connectSessions = pgTable(
  'connect_sessions',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id),
    integrationKey: text('integration_key').notNull(),
    tenant: text('tenant').notNull(),
    /** Set for a reconnect session: re-authorise this connection in place. */
    connectionId: text('connection_id'),
    tokenHash: text('token_hash').notNull(),
    token: jsonb('token').$type<Sealed>().notNull(),
    origin: text('origin'),
    status: text('status').notNull().default('pending'),
    stateHash: text('state_hash'),
    codeVerifier: jsonb('code_verifier').$type<Sealed>(),
    browserBindingHash: text('browser_binding_hash'),
    resultConnectionId: text('result_connection_id'),
    lastError: jsonb('last_error').$type<StoredError>(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connect_sessions_token_idx').on(t.tokenHash),
    uniqueIndex('connect_sessions_state_idx').on(t.stateHash),
    index('connect_sessions_connection_idx').on(t.connectionId),
  ],
);

/** Connection lifecycle events (`connection.created`, `connection.needs_reauth`, …). */
export const events = pgTable(
  'events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    environmentId: text('environment_id').notNull(),
    type: text('type').notNull(),
    connectionId: text('connection_id'),
    integrationKey: text('integration_key').notNull(),
    tenant: text('tenant'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    uniqueIndex('events_id_idx').on(t.id),
    index('events_env_seq_idx').on(t.environmentId, t.seq),
    index('events_connection_idx').on(t.connectionId, t.seq),
  ],
);

/**
 * Inbound webhook deliveries, verified and stored before the provider gets its 2xx. The payload is
 * kept (it may hold personal data; it holds no credential); signature headers and secrets never are.
 * A provider's retry of the same delivery id hits the unique index and is answered as a duplicate.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id').notNull(),
    integrationKey: text('integration_key').notNull(),
    /** The provider's id for the delivery (`X-GitHub-Delivery`, Slack's `event_id`, …). */
    deliveryId: text('delivery_id').notNull(),
    eventType: text('event_type'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** The connections the delivery was routed to (empty when none matched). */
    connectionIds: jsonb('connection_ids').$type<string[]>().notNull().default([]),
    /** Their tenants, so a tenant-restricted caller sees only its own deliveries. */
    tenants: jsonb('tenants').$type<string[]>().notNull().default([]),
    payload: jsonb('payload').$type<unknown>().notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_id_idx').on(t.id),
    uniqueIndex('webhook_deliveries_delivery_idx').on(
      t.environmentId,
      t.integrationKey,
      t.deliveryId,
    ),
    index('webhook_deliveries_env_seq_idx').on(t.environmentId, t.seq),
  ],
);
