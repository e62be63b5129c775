import { and, asc, desc, eq, inArray, isNotNull, lt, lte, notExists, sql } from 'drizzle-orm';
import { deadLetters, flowSchedules, flows, runSteps, runs, type Database } from '@joinery/store';
import { JoineryError } from '../errors.js';
import { pageLimit, parseCursor } from '../paging.js';
import { newId } from '../ids.js';
import { canonicalJson } from '../idempotency.js';
import type { Scope } from '../connections.js';
import { nextCronFire, parseFlow, type FlowDefinition } from './flow-definition.js';
import type { JobQueue } from './job-queue.js';
import { DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_LIMIT } from './limits.js';

export { DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_LIMIT } from './limits.js';

type RunRow = typeof runs.$inferSelect;
type StepRow = typeof runSteps.$inferSelect;
type FlowRow = typeof flows.$inferSelect;

/** Every state a run can be in, in the order a run passes through them. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** States a run ends in: nothing executes it again (a dead or failed one only by a replay). */
export const FINISHED_RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'dead'] as const;

/** Writes an event for the app's webhook endpoints in `tx` (the outgoing webhooks' outbox). */
export type RunEventEmitter = (
  tx: Database,
  environmentId: string,
  event: { type: string; data: Record<string, unknown> },
) => Promise<void>;

/** What a `Runs.prune` pass did. */
export interface PruneResult {
  /** Runs deleted, with their steps. */
  deleted: number;
  /** The pass stopped at its batch limit (or was stopped) with runs past retention left. */
  more: boolean;
}

export interface StepView {
  key: string;
  type: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  resumeAt: string | null;
}

export interface RunView {
  id: string;
  kind: 'action' | 'flow';
  status: RunStatus;
  connectionId: string | null;
  tenant: string | null;
  action: string | null;
  flowId: string | null;
  trigger: Record<string, unknown>;
  input: unknown;
  output: unknown;
  error: unknown;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When cancellation was asked for; a running run stays `running` until its worker stops it. */
  cancelRequestedAt: string | null;
  steps?: StepView[];
}

export interface FlowView {
  id: string;
  name: string;
  definition: FlowDefinition;
  createdAt: string;
  updatedAt: string;
  /** For a schedule trigger: when it fires next. */
  nextFireAt: string | null;
}

export interface RunQuery {
  status?: string;
  flowId?: string;
  connectionId?: string;
  limit?: number;
  cursor?: string;
}

/** What a new run needs; the run row and its job are written in one transaction. */
interface NewRun {
  environmentId: string;
  kind: 'action' | 'flow';
  connectionId?: string | null;
  tenant?: string | null;
  action?: string | null;
  flowId?: string | null;
  trigger: Record<string, unknown>;
  input: unknown;
  maxAttempts?: number;
  idempotencyKey?: string;
}

/**
 * Runs and flows: submitting runs (each row enqueued in its own transaction, so a run is never
 * lost between the database and the queue), reading them with their step timelines, flow
 * definitions and their triggers (API, cron, inbound webhook, connection event).
 */
export class Runs {
  readonly #db: Database;
  readonly #queue: JobQueue;

  constructor(db: Database, queue: JobQueue) {
    this.#db = db;
    this.#queue = queue;
  }

  /** Inserts a run and enqueues it, both in `tx` when given (or in a new transaction). */
  async create(run: NewRun, tx?: Database): Promise<RunRow> {
    const write = async (db: Database) => {
      const [row] = await db
        .insert(runs)
        .values({
          id: newId('run'),
          environmentId: run.environmentId,
          kind: run.kind,
          status: 'queued',
          connectionId: run.connectionId ?? null,
          tenant: run.tenant ?? null,
          action: run.action ?? null,
          flowId: run.flowId ?? null,
          trigger: run.trigger,
          input: run.input ?? {},
          maxAttempts: run.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          idempotencyKey: run.idempotencyKey ?? null,
        })
        .returning();
      if (!row) throw new Error('inserting a run returned no row');
      await this.#queue.enqueue(row.id, { tx: db });
      return row;
    };
    if (tx) return write(tx);
    await this.#queue.start();
    return this.#db.transaction(async (t) => write(t as unknown as Database));
  }

  /**
   * Submits an async action. With an idempotency key, a repeat of the same submission returns the
   * first run; the same key with a different submission is a `conflict`.
   */
  async submitAction(
    scope: Scope,
    connection: { id: string; tenant: string },
    action: string,
    input: unknown,
    options: { idempotencyKey?: string; maxAttempts?: number } = {},
  ): Promise<{ run: RunView; replayed: boolean }> {
    const key = options.idempotencyKey;
    const max = options.maxAttempts;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > MAX_ATTEMPTS_LIMIT))
      throw new JoineryError(
        'invalid_input',
        `retry.maxAttempts: ${max} is not valid; expected a whole number of executions from 1 to ${MAX_ATTEMPTS_LIMIT} (default ${DEFAULT_MAX_ATTEMPTS})`,
        { path: 'body.retry.maxAttempts' },
      );
    const submit = (): NewRun => ({
      environmentId: scope.environmentId,
      kind: 'action',
      connectionId: connection.id,
      tenant: connection.tenant,
      action,
      trigger: { type: 'api' },
      input: input ?? {},
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    try {
      return { run: toView(await this.create(submit())), replayed: false };
    } catch (error) {
      // A repeat of an Idempotency-Key: the unique index refused the second run.
      if (key === undefined || !isUniqueViolation(error)) throw error;
      const [existing] = await this.#db
        .select()
        .from(runs)
        .where(and(eq(runs.environmentId, scope.environmentId), eq(runs.idempotencyKey, key)));
      if (!existing) throw error;
      const same =
        existing.kind === 'action' &&
        existing.connectionId === connection.id &&
        existing.action === action &&
        existing.maxAttempts === (max ?? DEFAULT_MAX_ATTEMPTS) &&
        canonicalJson(existing.input) === canonicalJson(input ?? {});
      if (!same)
        throw new JoineryError(
          'conflict',
          `Idempotency-Key "${key}" was already used for a different submission (run ${existing.id}); send a new key for a new run`,
        );
      return { run: toView(existing), replayed: true };
    }
  }

  async get(scope: Scope, id: string): Promise<RunView> {
    const [row] = await this.#db
      .select()
      .from(runs)
      .where(and(eq(runs.id, id), eq(runs.environmentId, scope.environmentId)));
    if (!row || (scope.tenant !== undefined && row.tenant !== scope.tenant))
      throw new JoineryError('not_found', `no run ${id}`);
    const steps = await this.#db
      .select()
      .from(runSteps)
      .where(eq(runSteps.runId, id))
      .orderBy(asc(runSteps.position), asc(runSteps.startedAt));
    return { ...toView(row), steps: steps.map(stepView) };
  }

  /**
   * Cancels a run. A queued run (also one backing off before a retry) or a waiting one is
   * `cancelled` at once, with its `run.cancelled` event written by `emit` in the same transaction;
   * its queued job then finds nothing to claim. A running run is marked (`pending: true`): its
   * worker sees the mark when it renews its lease and stops before starting another step — the
   * step in flight completes and is recorded. Cancelling a cancelled run changes nothing; a run
   * that ended otherwise is a `conflict`.
   */
  async cancel(
    scope: Scope,
    id: string,
    emit: RunEventEmitter,
  ): Promise<{ run: RunView; pending: boolean }> {
    return this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      // Locked, so a worker's claim (or its lease renewal) waits for this decision and sees it.
      const [row] = await tx
        .select()
        .from(runs)
        .where(and(eq(runs.id, id), eq(runs.environmentId, scope.environmentId)))
        .for('update');
      if (!row || (scope.tenant !== undefined && row.tenant !== scope.tenant))
        throw new JoineryError('not_found', `no run ${id}`);
      if (row.status === 'cancelled') return { run: toView(row), pending: false };
      if ((FINISHED_RUN_STATUSES as readonly string[]).includes(row.status))
        throw new JoineryError(
          'conflict',
          `run ${id} cannot be cancelled: it already ended as ${row.status}${row.finishedAt ? ` at ${row.finishedAt.toISOString()}` : ''}; only a queued, waiting or running run can be`,
        );
      const now = new Date();
      const requested = sql`coalesce(${runs.cancelRequestedAt}, ${now})`;
      if (row.status === 'running') {
        const [marked] = await tx
          .update(runs)
          .set({ cancelRequestedAt: requested, updatedAt: now })
          .where(eq(runs.id, id))
          .returning();
        if (!marked) throw new Error(`marking run ${id} for cancellation returned no row`);
        return { run: toView(marked), pending: true };
      }
      const [cancelled] = await tx
        .update(runs)
        .set({
          status: 'cancelled',
          cancelRequestedAt: requested,
          finishedAt: now,
          updatedAt: now,
          workerId: null,
          leaseUntil: null,
        })
        .where(eq(runs.id, id))
        .returning();
      if (!cancelled) throw new Error(`cancelling run ${id} returned no row`);
      // The wait that was to resume the run never will.
      await tx
        .update(runSteps)
        .set({ status: 'cancelled', finishedAt: now })
        .where(and(eq(runSteps.runId, id), eq(runSteps.status, 'waiting')));
      const view = toView(cancelled);
      await emit(tx, row.environmentId, runEvent(view));
      return { run: view, pending: false };
    });
  }

  /**
   * Deletes runs that ended (succeeded, failed, cancelled, dead) before `before`, with their steps:
   * `batchSize` runs per transaction (default 100), at most `maxBatches` transactions per call
   * (default 50), oldest first. A run a dead letter points to is kept as long as the letter is, so
   * a dead letter stays inspectable and replayable. Processes sharing a database may prune at
   * once: each batch skips the rows another one has locked.
   */
  async prune(
    before: Date,
    options: { batchSize?: number; maxBatches?: number; signal?: AbortSignal } = {},
  ): Promise<PruneResult> {
    const batchSize = options.batchSize ?? 100;
    const maxBatches = options.maxBatches ?? 50;
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      if (options.signal?.aborted) return { deleted, more: true };
      const count = await this.#db.transaction(async (t) => {
        const tx = t as unknown as Database;
        const due = await tx
          .select({ id: runs.id })
          .from(runs)
          .where(
            and(
              inArray(runs.status, [...FINISHED_RUN_STATUSES]),
              isNotNull(runs.finishedAt),
              lt(runs.finishedAt, before),
              notExists(
                tx
                  .select({ one: sql`1` })
                  .from(deadLetters)
                  .where(and(eq(deadLetters.kind, 'run'), eq(deadLetters.refId, runs.id))),
              ),
            ),
          )
          .orderBy(asc(runs.finishedAt))
          .limit(batchSize)
          .for('update', { skipLocked: true });
        if (due.length === 0) return 0;
        const ids = due.map((run) => run.id);
        await tx.delete(runSteps).where(inArray(runSteps.runId, ids));
        await tx.delete(runs).where(inArray(runs.id, ids));
        return ids.length;
      });
      deleted += count;
      if (count < batchSize) return { deleted, more: false };
    }
    return { deleted, more: true };
  }

  async list(
    scope: Scope,
    query: RunQuery,
  ): Promise<{ data: RunView[]; nextCursor: string | null }> {
    const limit = pageLimit(query.limit, 50);
    const conditions = [eq(runs.environmentId, scope.environmentId)];
    if (scope.tenant !== undefined) conditions.push(eq(runs.tenant, scope.tenant));
    if (query.status) conditions.push(eq(runs.status, query.status));
    if (query.flowId) conditions.push(eq(runs.flowId, query.flowId));
    if (query.connectionId) conditions.push(eq(runs.connectionId, query.connectionId));
    const before = parseCursor(query.cursor);
    if (before !== undefined) conditions.push(lt(runs.seq, before));
    const rows = await this.#db
      .select()
      .from(runs)
      .where(and(...conditions))
      .orderBy(desc(runs.seq))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toView),
      nextCursor: rows.length > limit && last ? String(last.seq) : null,
    };
  }

  /** Counts by kind and status, for metrics and `joinery status`. */
  async counts(): Promise<{ kind: string; status: string; count: number }[]> {
    const rows = await this.#db
      .select({ kind: runs.kind, status: runs.status, count: sql<number>`count(*)::int` })
      .from(runs)
      .groupBy(runs.kind, runs.status);
    return rows.map((row) => ({ kind: row.kind, status: row.status, count: Number(row.count) }));
  }

  // ---- flows ----

  /** Creates a flow, or replaces the definition of the flow with the same name. */
  async putFlow(environmentId: string, raw: unknown): Promise<FlowView> {
    const definition = parseFlow(raw);
    const now = new Date();
    return this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const [row] = await tx
        .insert(flows)
        .values({
          id: newId('flow'),
          environmentId,
          name: definition.name,
          definition: definition as unknown as Record<string, unknown>,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [flows.environmentId, flows.name],
          set: { definition: definition as unknown as Record<string, unknown>, updatedAt: now },
        })
        .returning();
      if (!row) throw new Error('storing a flow returned no row');
      await tx.delete(flowSchedules).where(eq(flowSchedules.flowId, row.id));
      let nextFireAt: Date | null = null;
      if (definition.trigger.type === 'schedule') {
        nextFireAt = nextCronFire(definition.trigger, now);
        await tx.insert(flowSchedules).values({
          flowId: row.id,
          environmentId,
          cron: definition.trigger.cron,
          timezone: definition.trigger.timezone ?? 'UTC',
          nextFireAt,
        });
      }
      return flowView(row, nextFireAt);
    });
  }

  async getFlow(environmentId: string, id: string): Promise<FlowView> {
    const [row] = await this.#db
      .select()
      .from(flows)
      .where(and(eq(flows.environmentId, environmentId), eq(flows.id, id)));
    if (!row) throw new JoineryError('not_found', `no flow ${id}`);
    const [schedule] = await this.#db
      .select()
      .from(flowSchedules)
      .where(eq(flowSchedules.flowId, id));
    return flowView(row, schedule?.nextFireAt ?? null);
  }

  async listFlows(environmentId: string): Promise<FlowView[]> {
    const rows = await this.#db
      .select()
      .from(flows)
      .where(eq(flows.environmentId, environmentId))
      .orderBy(asc(flows.name));
    const schedules = await this.#db
      .select()
      .from(flowSchedules)
      .where(eq(flowSchedules.environmentId, environmentId));
    const next = new Map(schedules.map((s) => [s.flowId, s.nextFireAt]));
    return rows.map((row) => flowView(row, next.get(row.id) ?? null));
  }

  async deleteFlow(environmentId: string, id: string): Promise<void> {
    await this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const deleted = await tx
        .delete(flows)
        .where(and(eq(flows.environmentId, environmentId), eq(flows.id, id)))
        .returning({ id: flows.id });
      if (deleted.length === 0) throw new JoineryError('not_found', `no flow ${id}`);
      await tx.delete(flowSchedules).where(eq(flowSchedules.flowId, id));
    });
  }

  /** `POST /v1/flows/{id}/runs`: a run of the flow with `input` as its trigger data. */
  async startFlow(
    scope: Scope,
    flowId: string,
    input: unknown,
    trigger: Record<string, unknown> = { type: 'api' },
  ): Promise<RunView> {
    await this.getFlow(scope.environmentId, flowId);
    const row = await this.create({
      environmentId: scope.environmentId,
      kind: 'flow',
      flowId,
      tenant: scope.tenant ?? null,
      trigger,
      input: input ?? {},
    });
    return toView(row);
  }

  async flowDefinition(flowId: string): Promise<FlowDefinition> {
    const [row] = await this.#db.select().from(flows).where(eq(flows.id, flowId));
    if (!row) throw new JoineryError('not_found', `flow ${flowId} was deleted`);
    return row.definition as unknown as FlowDefinition;
  }

  /**
   * Starts the flows an inbound webhook or a connection event triggers, in `tx` — the transaction
   * that stored the delivery or event, so a stored delivery always has its runs.
   */
  async trigger(
    tx: Database,
    environmentId: string,
    match:
      | { type: 'webhook'; integration: string; event: string | null }
      | { type: 'event'; event: string },
    data: { input: unknown; tenant?: string | null; trigger: Record<string, unknown> },
  ): Promise<string[]> {
    // Every delivery and connection event passes here: read only the flows with this trigger type.
    const candidates = await tx
      .select({ id: flows.id, definition: flows.definition })
      .from(flows)
      .where(
        and(
          eq(flows.environmentId, environmentId),
          sql`${flows.definition}->'trigger'->>'type' = ${match.type}`,
        ),
      );
    const started: string[] = [];
    for (const flow of candidates) {
      const trigger = (flow.definition as unknown as FlowDefinition).trigger;
      const matches =
        match.type === 'webhook'
          ? trigger.type === 'webhook' &&
            trigger.integration === match.integration &&
            (trigger.event === undefined || trigger.event === match.event)
          : trigger.type === 'event' && trigger.event === match.event;
      if (!matches) continue;
      const run = await this.create(
        {
          environmentId,
          kind: 'flow',
          flowId: flow.id,
          tenant: data.tenant ?? null,
          trigger: data.trigger,
          input: data.input,
        },
        tx,
      );
      started.push(run.id);
    }
    return started;
  }

  /**
   * Fires due cron schedules: each due row is locked by one process (`SKIP LOCKED`), which starts
   * the run and moves the schedule to its next tick in the same transaction — one run per tick
   * across every worker. A tick missed while nothing ran fires once, not once per missed tick.
   */
  async fireDueSchedules(now = new Date()): Promise<number> {
    await this.#queue.start();
    return this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const due = await tx
        .select()
        .from(flowSchedules)
        .where(lte(flowSchedules.nextFireAt, now))
        .limit(50)
        .for('update', { skipLocked: true });
      for (const schedule of due) {
        await this.create(
          {
            environmentId: schedule.environmentId,
            kind: 'flow',
            flowId: schedule.flowId,
            trigger: { type: 'schedule', at: schedule.nextFireAt.toISOString() },
            input: { scheduledAt: schedule.nextFireAt.toISOString() },
          },
          tx,
        );
        await tx
          .update(flowSchedules)
          .set({
            lastFiredAt: schedule.nextFireAt,
            nextFireAt: nextCronFire({ cron: schedule.cron, timezone: schedule.timezone }, now),
          })
          .where(eq(flowSchedules.flowId, schedule.flowId));
      }
      return due.length;
    });
  }

  /**
   * Runs whose worker died: still `running` with a lease that expired. Each is put back in the
   * queue (with a new job) so another worker resumes it from its last completed step.
   */
  async requeueAbandoned(now = new Date()): Promise<string[]> {
    await this.#queue.start();
    return this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const stale = await tx
        .select({ id: runs.id })
        .from(runs)
        .where(and(inArray(runs.status, ['running']), lt(runs.leaseUntil, now)))
        .limit(200)
        .for('update', { skipLocked: true });
      for (const run of stale) {
        await tx
          .update(runs)
          .set({ status: 'queued', workerId: null, leaseUntil: null, updatedAt: now })
          .where(eq(runs.id, run.id));
        await this.#queue.enqueue(run.id, { tx });
      }
      return stale.map((run) => run.id);
    });
  }
}

/**
 * The event a run's end sends to the app's webhook endpoints: `run.succeeded` (with `output`),
 * `run.cancelled`, or `run.failed` (with `error`; `status` says `failed` or `dead`).
 */
export function runEvent(run: RunView): { type: string; data: Record<string, unknown> } {
  const data = {
    runId: run.id,
    kind: run.kind,
    status: run.status,
    connectionId: run.connectionId,
    action: run.action,
    flowId: run.flowId,
  };
  if (run.status === 'succeeded')
    return { type: 'run.succeeded', data: { ...data, output: run.output } };
  if (run.status === 'cancelled') return { type: 'run.cancelled', data };
  return { type: 'run.failed', data: { ...data, error: run.error } };
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function toView(row: RunRow): RunView {
  return {
    id: row.id,
    kind: row.kind as RunView['kind'],
    status: row.status as RunStatus,
    connectionId: row.connectionId,
    tenant: row.tenant,
    action: row.action,
    flowId: row.flowId,
    trigger: row.trigger,
    input: row.input,
    output: row.output ?? null,
    error: row.error ?? null,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    cancelRequestedAt: row.cancelRequestedAt?.toISOString() ?? null,
  };
}

function stepView(row: StepRow): StepView {
  return {
    key: row.key,
    type: row.type,
    status: row.status,
    input: row.input ?? null,
    output: row.output ?? null,
    error: row.error ?? null,
    attempts: row.attempts,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    resumeAt: row.resumeAt?.toISOString() ?? null,
  };
}

function flowView(row: FlowRow, nextFireAt: Date | null): FlowView {
  return {
    id: row.id,
    name: row.name,
    definition: row.definition as unknown as FlowDefinition,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    nextFireAt: nextFireAt?.toISOString() ?? null,
  };
}
