import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** A sync run's failure, as the error envelope's fields. */
export interface StoredSyncError {
  code: string;
  message: string;
  retryable: boolean;
  requestId?: string;
}

/**
 * Where an unfinished run continues: the request for the next page (not yet stored) and the
 * newest cursor value seen so far. Written in the same transaction as the records it follows.
 */
export interface SyncResumeState {
  /** The next page's request, relative to the connection's base URL (or the provider's next URL). */
  request: {
    method: 'GET' | 'POST';
    path: string;
    query?: Record<string, string | number | boolean>;
    json?: unknown;
  };
  /** The cursor value the query started from (incremental runs). */
  queryCursor: string | null;
  /** How many results the current query has returned (for providers that cap a query's results). */
  queryResults: number;
  /**
   * The provider fields the run's requests name (the mapping's, with the connection's overrides);
   * absent for a sync whose requests name none. A run resumes only while they are still the same.
   */
  fields?: readonly string[];
}

/**
 * One sync of one connection: which of the connector's syncs, how often, and the checkpoint an
 * incremental run starts from. One sync per (connection, model), so each record stream has a
 * single writer and its change sequence is committed in order.
 */
export const syncs = pgTable(
  'syncs',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id').notNull(),
    connectionId: text('connection_id').notNull(),
    /** The connector's sync name, e.g. `contacts`. */
    name: text('name').notNull(),
    model: text('model').notNull(),
    frequencySeconds: integer('frequency_seconds').notNull(),
    /**
     * How often a scheduled run is full (deletion detection) rather than incremental; null = only
     * the first run and runs asked for (`{"full": true}`) are full.
     */
    fullFrequencySeconds: integer('full_frequency_seconds'),
    /** When the latest full run that succeeded ended; the full frequency counts from it. */
    lastFullRunAt: timestamp('last_full_run_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    /** The newest cursor value (e.g. last-modified time) a completed run stored; null before the first. */
    checkpoint: text('checkpoint'),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    /** `idle` or `running`. */
    state: text('state').notNull().default('idle'),
    /** The run that may write records now; writes of any other run are refused (fencing). */
    currentRunId: text('current_run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('syncs_connection_model_idx').on(t.connectionId, t.model),
    index('syncs_env_idx').on(t.environmentId, t.createdAt),
    index('syncs_next_run_idx').on(t.nextRunAt),
  ],
);

/** One execution of a sync, with its progress and where it continues if it stopped. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: text('id').primaryKey(),
    syncId: text('sync_id').notNull(),
    environmentId: text('environment_id').notNull(),
    /** `full` or `incremental`. */
    kind: text('kind').notNull(),
    /** `running`, `succeeded`, `failed` or `interrupted`. */
    status: text('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Renewed with every stored batch; a running run whose heartbeat is stale was interrupted. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    /** Time spent running, summed over resumptions (ms), for the rate. */
    activeMs: bigint('active_ms', { mode: 'number' }).notNull().default(0),
    attempts: integer('attempts').notNull().default(1),
    recordsSeen: integer('records_seen').notNull().default(0),
    recordsAdded: integer('records_added').notNull().default(0),
    recordsUpdated: integer('records_updated').notNull().default(0),
    recordsDeleted: integer('records_deleted').notNull().default(0),
    /** What the provider says the query will return, when it says (HubSpot search `total`). */
    recordsTotal: integer('records_total'),
    pages: integer('pages').notNull().default(0),
    /** The checkpoint this run started from (incremental), and the newest cursor value it saw. */
    fromCursor: text('from_cursor'),
    maxCursor: text('max_cursor'),
    resume: jsonb('resume').$type<SyncResumeState>(),
    /** The change stream positions this run wrote: (firstChangeSeq - 1, lastChangeSeq]. */
    firstChangeSeq: bigint('first_change_seq', { mode: 'number' }),
    lastChangeSeq: bigint('last_change_seq', { mode: 'number' }),
    error: jsonb('error').$type<StoredSyncError>(),
  },
  (t) => [index('sync_runs_sync_idx').on(t.syncId, t.startedAt)],
);

/**
 * The change stream's positions: every added, updated or deleted record takes the next value, so
 * `GET /v1/records?cursor=` reads "changes after N" from one index.
 */
export const recordChangeSeq = pgSequence('record_change_seq');

/**
 * The synced copy: one row per provider record, with the latest payload, its hash (an unchanged
 * record is not a change) and its position in the change stream. Rows are kept after deletion
 * (`deleted_at`) so the stream can say `deleted`.
 */
export const records = pgTable(
  'records',
  {
    syncId: text('sync_id').notNull(),
    externalId: text('external_id').notNull(),
    environmentId: text('environment_id').notNull(),
    connectionId: text('connection_id').notNull(),
    model: text('model').notNull(),
    payload: jsonb('payload').notNull(),
    payloadHash: text('payload_hash').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenRun: text('last_seen_run').notNull(),
    /** The run that last changed the row, so a batch can count what it changed. */
    lastChangedRun: text('last_changed_run').notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** The change stream position of the row's latest change. */
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
    /** The position at which the record was (last) added: later than a reader's cursor = `added`. */
    addedSeq: bigint('added_seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.syncId, t.externalId] }),
    index('records_stream_idx').on(t.connectionId, t.model, t.changeSeq),
  ],
);
