import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** A failure as runs store it: the error envelope's fields. */
export interface StoredRunError {
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  [key: string]: unknown;
}

/**
 * One execution of an async action or a flow. The row is the outbox: it is written in the same
 * transaction as the queue job that executes it, so a run is never lost between them. A worker
 * holds a lease (`worker_id`, `lease_until`) while it executes the run and renews it; a run whose
 * lease expired belongs to a worker that died and is picked up by another.
 */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    environmentId: text('environment_id').notNull(),
    /** `action` (an async action) or `flow`. */
    kind: text('kind').notNull(),
    /**
     * queued · running · waiting · succeeded · failed · cancelled · dead (retries exhausted, a
     * dead letter holds it).
     */
    status: text('status').notNull(),
    connectionId: text('connection_id'),
    tenant: text('tenant'),
    action: text('action'),
    flowId: text('flow_id'),
    /** What started the run: `{type: 'api'|'schedule'|'webhook'|'event'|'replay', …}`. */
    trigger: jsonb('trigger').$type<Record<string, unknown>>().notNull().default({}),
    input: jsonb('input').$type<unknown>().notNull(),
    output: jsonb('output').$type<unknown>(),
    error: jsonb('error').$type<StoredRunError>(),
    /** Executions started (a retry or a resume after a crash is one more). */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    /** The caller's `Idempotency-Key` when the run was submitted with one. */
    idempotencyKey: text('idempotency_key'),
    workerId: text('worker_id'),
    /**
     * When cancellation was asked for. A queued or waiting run is cancelled at once; a running one
     * by its worker, before it starts another step.
     */
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('runs_seq_idx').on(t.seq),
    index('runs_env_seq_idx').on(t.environmentId, t.seq),
    index('runs_status_idx').on(t.status),
    // Retention deletes finished runs by age.
    index('runs_finished_at_idx')
      .on(t.finishedAt)
      .where(sql`${t.finishedAt} IS NOT NULL`),
    uniqueIndex('runs_idempotency_idx')
      .on(t.environmentId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} IS NOT NULL`),
  ],
);

/**
 * A run's steps, each persisted when it starts and when it ends: a resumed run replays the
 * outputs of completed steps instead of executing them again.
 */
export const runSteps = pgTable(
  'run_steps',
  {
    runId: text('run_id').notNull(),
    /** Unique within the run: the step's id, with `[i]` per for-each iteration. */
    key: text('key').notNull(),
    position: integer('position').notNull(),
    /** action · transform · condition · forEach · wait · webhook */
    type: text('type').notNull(),
    /** running · succeeded · failed · waiting · cancelled (a wait its run's cancellation ended) */
    status: text('status').notNull(),
    input: jsonb('input').$type<unknown>(),
    output: jsonb('output').$type<unknown>(),
    error: jsonb('error').$type<StoredRunError>(),
    attempts: integer('attempts').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** For a wait step: when the run continues. */
    resumeAt: timestamp('resume_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
);

/** Flows as data: a trigger, then steps. */
export const flows = pgTable(
  'flows',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id').notNull(),
    name: text('name').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('flows_env_name_idx').on(t.environmentId, t.name)],
);

/**
 * Cron triggers. Each due row is claimed by one process (`FOR UPDATE SKIP LOCKED`) which starts
 * the run and moves `next_fire_at` in the same transaction: one run per tick across all workers.
 */
export const flowSchedules = pgTable(
  'flow_schedules',
  {
    flowId: text('flow_id').primaryKey(),
    environmentId: text('environment_id').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    nextFireAt: timestamp('next_fire_at', { withTimezone: true }).notNull(),
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true }),
  },
  (t) => [index('flow_schedules_due_idx').on(t.nextFireAt)],
);
