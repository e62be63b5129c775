import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import {
  connections,
  syncRuns,
  syncs,
  type Database,
  type StoredSyncError,
  type SyncResumeState,
} from '@joinery/store';
import type { Connections, Scope } from '../connections.js';
import { JoineryError, isJoineryError, withoutReconnectLink } from '../errors.js';
import { pageLimit, parseCursor } from '../paging.js';
import { newId } from '../ids.js';
import type { CallPipeline, ConnectionContext } from '../outbound/pipeline.js';
import type { Finding, MappingOverrides } from '@joinery/data';
import { decodeConflictCursor, encodeConflictCursor, readConflictPage } from './conflicts.js';
import { syncMapping } from './mapping.js';
import { readChanges } from './record-store.js';
import {
  SyncRunner,
  defaultRunnerOptions,
  initialResume,
  ownedRun,
  requestsFields,
  type RunPlan,
  type RunnerOptions,
} from './runner.js';
import type { SyncDefinition } from './types.js';

export const SYNC_RUN_STATUSES = ['running', 'succeeded', 'failed', 'interrupted'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

export interface SyncRunView {
  id: string;
  syncId: string;
  kind: 'full' | 'incremental';
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  /** How many times the run was started: more than 1 when it resumed after an interruption. */
  attempts: number;
  records: { seen: number; added: number; updated: number; deleted: number; total: number | null };
  pages: number;
  /** Records seen per second of running time (resumptions summed), or null before the first batch. */
  recordsPerSecond: number | null;
  /** The change stream range the run wrote: changes after `from` up to and including `to`. */
  changes: { from: string; to: string } | null;
  error: StoredSyncError | null;
}

export interface SyncView {
  id: string;
  connectionId: string;
  name: string;
  model: string;
  frequencySeconds: number;
  /** How often a scheduled run is full (deletion detection); null = only when asked for. */
  fullFrequencySeconds: number | null;
  /** When the latest full run that succeeded ended. */
  lastFullRunAt: string | null;
  /**
   * From when the scheduler's runs are full: the latest succeeded full run's end plus the full
   * frequency (the creation time before any full run succeeded); null without a full frequency.
   */
  fullRunDueAt: string | null;
  enabled: boolean;
  /** The newest modification time a completed run stored: where the next incremental run starts. */
  checkpoint: string | null;
  nextRunAt: string | null;
  state: 'idle' | 'running';
  createdAt: string;
  latestRun: SyncRunView | null;
}

export interface ChangeView {
  op: 'added' | 'updated' | 'deleted';
  id: string;
  record: unknown;
}

/** What `sync.changes` and `sync.failed` carry: counts and the change cursor range, never records. */
export interface SyncEvent {
  type: 'sync.changes' | 'sync.failed';
  data: Record<string, unknown>;
}

export interface SyncsOptions extends Partial<RunnerOptions> {
  /**
   * A running run whose heartbeat is older than this belongs to a process that stopped; it is
   * marked interrupted and resumed by the next trigger. Defaults to 60 s.
   */
  staleAfterMs?: number;
  /** Syncs started per scheduler tick and process. Defaults to 4. */
  maxStartsPerTick?: number;
}

export interface SyncsDeps {
  db: Database;
  connections: Connections;
  pipeline: CallPipeline;
  logger: Logger;
  /** The connection's mapping overrides, applied when records are mapped to the unified model. */
  mappingOverrides?: (context: ConnectionContext) => Promise<MappingOverrides>;
  /**
   * Emits an outgoing webhook event (`sync.changes`, `sync.failed`) after a run, in the
   * transaction that records the run's end (so the event is never lost or sent for nothing).
   */
  emit?: (environmentId: string, event: SyncEvent, tx: EventWriter) => Promise<void>;
}

/** What an event emitter may write with: the finishing transaction. */
export type EventWriter = Pick<Database, 'insert' | 'select' | 'update'>;

type SyncRow = typeof syncs.$inferSelect;
type RunRow = typeof syncRuns.$inferSelect;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** What a frequency may be, and the field an error names. */
export interface FrequencyBounds {
  field: string;
  minSeconds: number;
  maxSeconds: number;
  /** The bounds as people say them, for the error message. */
  range: string;
}

/** A sync's run frequency: from 10 s to 30 days. */
export const RUN_FREQUENCY: FrequencyBounds = {
  field: 'frequency',
  minSeconds: 10,
  maxSeconds: 30 * 86_400,
  range: 'from 10 seconds to 30 days',
};

/**
 * How often a sync's scheduled run is full: from 1 hour (a full run reads every record, so more
 * often would make most runs full) to 90 days.
 */
export const FULL_RUN_FREQUENCY: FrequencyBounds = {
  field: 'fullFrequency',
  minSeconds: 3600,
  maxSeconds: 90 * 86_400,
  range: 'from 1 hour to 90 days',
};

/** `30s`, `15m`, `1h`, `1d`, or a number of seconds, within `bounds` (a run frequency's by default). */
export function parseFrequency(
  value: string | number,
  bounds: FrequencyBounds = RUN_FREQUENCY,
): number {
  const match = typeof value === 'number' ? null : /^(\d+)\s*([smhd])$/.exec(value.trim());
  const seconds =
    typeof value === 'number'
      ? value
      : match
        ? Number(match[1]) * (UNITS[match[2] as string] ?? 1)
        : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < bounds.minSeconds || seconds > bounds.maxSeconds)
    throw new JoineryError(
      'invalid_input',
      `${bounds.field} must be a duration like "30s", "15m", "1h" or "1d" (or whole seconds), ${bounds.range}; got ${JSON.stringify(value)}`,
      { path: `body.${bounds.field}` },
    );
  return seconds;
}

/**
 * Whether a sync's next scheduled run is full: it has a full frequency and no full run succeeded
 * within it. A full run that failed or was interrupted does not count, so the pending full run is
 * still due (and resumes) until one succeeds.
 */
export function fullRunDue(
  sync: { fullFrequencySeconds: number | null; lastFullRunAt: Date | null },
  at: Date,
): boolean {
  if (sync.fullFrequencySeconds === null) return false;
  if (sync.lastFullRunAt === null) return true;
  return sync.lastFullRunAt.getTime() + sync.fullFrequencySeconds * 1000 <= at.getTime();
}

function runView(row: RunRow): SyncRunView {
  const seconds = row.activeMs / 1000;
  return {
    id: row.id,
    syncId: row.syncId,
    kind: row.kind as SyncRunView['kind'],
    status: row.status as SyncRunStatus,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    attempts: row.attempts,
    records: {
      seen: row.recordsSeen,
      added: row.recordsAdded,
      updated: row.recordsUpdated,
      deleted: row.recordsDeleted,
      total: row.recordsTotal,
    },
    pages: row.pages,
    recordsPerSecond: seconds > 0 ? Math.round(row.recordsSeen / seconds) : null,
    changes:
      row.firstChangeSeq === null || row.lastChangeSeq === null
        ? null
        : { from: String(row.firstChangeSeq - 1), to: String(row.lastChangeSeq) },
    error: row.error ?? null,
  };
}

/** What a run's row, its API view and its `sync.failed` event keep of an error: never a reconnect link. */
function storedError(error: unknown): StoredSyncError {
  if (isJoineryError(error))
    return {
      code: error.code,
      message: withoutReconnectLink(error.message, error.reconnectUrl),
      retryable: error.retryable,
      ...(error.requestId ? { requestId: error.requestId } : {}),
    };
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    retryable: false,
  };
}

interface ActiveRun {
  runId: string;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Syncs: keep a copy of a connection's records of one model, by incremental runs from a checkpoint
 * and full runs that detect deletions, and serve the changes as a stream. See docs/syncs.md.
 */
export class Syncs {
  readonly #db: Database;
  readonly #connections: Connections;
  readonly #logger: Logger;
  readonly #runner: SyncRunner;
  readonly #overrides: SyncsDeps['mappingOverrides'];
  readonly #staleAfterMs: number;
  readonly #maxStartsPerTick: number;
  readonly #active = new Map<string, ActiveRun>();
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  #closed = false;
  /** Set once outgoing webhooks exist: `sync.changes` / `sync.failed` after each run. */
  emit: SyncsDeps['emit'];

  constructor(deps: SyncsDeps, options: SyncsOptions = {}) {
    this.#db = deps.db;
    this.#connections = deps.connections;
    this.#logger = deps.logger;
    this.#overrides = deps.mappingOverrides;
    this.emit = deps.emit;
    this.#runner = new SyncRunner(deps.db, deps.pipeline, {
      batchSize: options.batchSize ?? defaultRunnerOptions.batchSize,
      pageTimeoutMs: options.pageTimeoutMs ?? defaultRunnerOptions.pageTimeoutMs,
      pageAttempts: options.pageAttempts ?? defaultRunnerOptions.pageAttempts,
    });
    this.#staleAfterMs = options.staleAfterMs ?? 60_000;
    this.#maxStartsPerTick = options.maxStartsPerTick ?? 4;
  }

  async create(
    scope: Scope,
    input: {
      connectionId: string;
      sync: string;
      frequency?: string | number;
      /** How often a scheduled run is full; absent = only the first and those asked for. */
      fullFrequency?: string | number;
    },
  ): Promise<SyncView> {
    const context = await this.#connections.context(scope, input.connectionId);
    const definition = findSync(context.connector.syncs, input.sync, context.connector.id);
    const frequencySeconds =
      input.frequency === undefined
        ? (definition.defaultFrequencySeconds ?? 3600)
        : parseFrequency(input.frequency);
    const fullFrequencySeconds =
      input.fullFrequency === undefined
        ? null
        : parseFrequency(input.fullFrequency, FULL_RUN_FREQUENCY);
    const id = newId('sync');
    const inserted = await this.#db
      .insert(syncs)
      .values({
        id,
        environmentId: scope.environmentId,
        connectionId: input.connectionId,
        name: definition.name,
        model: definition.model,
        frequencySeconds,
        fullFrequencySeconds,
        nextRunAt: new Date(),
      })
      .onConflictDoNothing()
      .returning({ id: syncs.id });
    if (inserted.length === 0)
      throw new JoineryError(
        'conflict',
        `connection ${input.connectionId} already has a sync of ${definition.model} records; GET /v1/syncs?connection=${input.connectionId} shows it`,
      );
    return this.get(scope, id);
  }

  /**
   * Changes how often a sync runs and how often its scheduled run is full (`fullFrequency: null`
   * stops scheduled full runs). A shorter frequency brings the next run forward to one frequency
   * from now at the latest; a running run is not affected.
   */
  async update(
    scope: Scope,
    id: string,
    input: { frequency?: string | number; fullFrequency?: string | number | null },
  ): Promise<SyncView> {
    if (input.frequency === undefined && input.fullFrequency === undefined)
      throw new JoineryError(
        'invalid_input',
        'nothing to change: send frequency (e.g. "15m") and/or fullFrequency (e.g. "1d", or null for none)',
        { path: 'body' },
      );
    const frequencySeconds =
      input.frequency === undefined ? undefined : parseFrequency(input.frequency);
    const fullFrequencySeconds =
      input.fullFrequency === undefined || input.fullFrequency === null
        ? input.fullFrequency
        : parseFrequency(input.fullFrequency, FULL_RUN_FREQUENCY);
    await this.#row(scope, id);
    await this.#db
      .update(syncs)
      .set({
        updatedAt: new Date(),
        ...(frequencySeconds === undefined
          ? {}
          : {
              frequencySeconds,
              nextRunAt: sql`LEAST(${syncs.nextRunAt}, now() + make_interval(secs => ${frequencySeconds}))`,
            }),
        ...(fullFrequencySeconds === undefined ? {} : { fullFrequencySeconds }),
      })
      .where(and(eq(syncs.id, id), eq(syncs.environmentId, scope.environmentId)));
    return this.get(scope, id);
  }

  async list(scope: Scope, filter: { connectionId?: string } = {}): Promise<SyncView[]> {
    if (filter.connectionId) await this.#connections.get(scope, filter.connectionId);
    const rows = await this.#db
      .select()
      .from(syncs)
      .where(
        and(
          eq(syncs.environmentId, scope.environmentId),
          filter.connectionId ? eq(syncs.connectionId, filter.connectionId) : undefined,
          // A tenant-restricted caller sees its own connections' syncs, filtered before the cut.
          scope.tenant === undefined
            ? undefined
            : inArray(
                syncs.connectionId,
                this.#db
                  .select({ id: connections.id })
                  .from(connections)
                  .where(
                    and(
                      eq(connections.environmentId, scope.environmentId),
                      eq(connections.tenant, scope.tenant),
                    ),
                  ),
              ),
        ),
      )
      .orderBy(syncs.createdAt)
      .limit(1000);
    const latest = await this.#latestRuns(rows.map((row) => row.id));
    return rows.map((row) => syncView(row, latest.get(row.id) ?? null));
  }

  async get(scope: Scope, id: string): Promise<SyncView> {
    const row = await this.#row(scope, id);
    const latest = await this.#latestRuns([id]);
    return syncView(row, latest.get(id) ?? null);
  }

  /** Recent runs of a sync, newest first. */
  async runs(scope: Scope, id: string, limit = 20): Promise<SyncRunView[]> {
    await this.#row(scope, id);
    const rows = await this.#db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.syncId, id))
      .orderBy(desc(syncRuns.startedAt))
      .limit(Math.min(Math.max(limit, 1), 100));
    return rows.map(runView);
  }

  /**
   * Starts a run now (in the background) and returns it as it starts. An interrupted or failed run
   * with a stored position is resumed rather than started over, unless `full` asks for the other kind.
   */
  async trigger(scope: Scope, id: string, options: { full?: boolean } = {}): Promise<SyncRunView> {
    const row = await this.#row(scope, id);
    const run = await this.#start(row, options);
    return runView(run);
  }

  /** As `trigger`, then waits for the run to end (tests, benchmarks, the CLI's `--wait`). */
  async runNow(scope: Scope, id: string, options: { full?: boolean } = {}): Promise<SyncRunView> {
    const run = await this.trigger(scope, id, options);
    await this.#active.get(id)?.done;
    const [row] = await this.#db.select().from(syncRuns).where(eq(syncRuns.id, run.id));
    if (!row) throw new JoineryError('internal', `run ${run.id} disappeared`);
    return runView(row);
  }

  /** Waits for the sync's current run in this process, if any, to end. */
  async settled(id: string): Promise<void> {
    await this.#active.get(id)?.done;
  }

  /**
   * The change stream of one connection's records of one model: every record added, updated or
   * deleted after `cursor` (a position this API gave out; none = from the beginning), oldest first.
   * A record changed several times since the cursor appears once, in its latest state.
   */
  async changes(
    scope: Scope,
    query: { connectionId: string; model: string; cursor?: string; limit?: number },
  ): Promise<{ changes: ChangeView[]; nextCursor: string; hasMore: boolean }> {
    await this.#connections.get(scope, query.connectionId);
    const after = parseCursor(query.cursor) ?? 0;
    const limit = pageLimit(query.limit);
    const rows = await readChanges(this.#db, {
      environmentId: scope.environmentId,
      connectionId: query.connectionId,
      model: query.model,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      changes: page.map((row) => ({
        op: row.deleted ? 'deleted' : row.addedSeq > after ? 'added' : 'updated',
        id: row.externalId,
        record: row.payload,
      })),
      nextCursor: String(page.at(-1)?.changeSeq ?? after),
      hasMore: rows.length > limit,
    };
  }

  /**
   * Data-quality findings between two connections' synced records of one model (records on one
   * side only, contradicting values, duplicate or missing keys), from the stored records rather
   * than live calls, a page at a time in match-key order: see `readConflictPage`. Nothing is
   * picked or changed. `limit` is records per page, both sides together (default and at most
   * 5,000).
   */
  async conflicts(
    scope: Scope,
    query: {
      a: string;
      b: string;
      model: string;
      matchOn: string;
      fields?: readonly string[];
      nullIsContradiction?: boolean;
      cursor?: string;
      limit?: number;
    },
  ): Promise<{
    findings: Finding[];
    compared: { a: number; b: number };
    nextCursor: string | null;
  }> {
    if (query.a === query.b)
      throw new JoineryError('invalid_input', 'a and b are the same connection: compare two', {
        path: 'b',
      });
    await this.#connections.get(scope, query.a);
    await this.#connections.get(scope, query.b);
    const page = await readConflictPage(this.#db, {
      environmentId: scope.environmentId,
      model: query.model,
      a: query.a,
      b: query.b,
      matchOn: query.matchOn,
      ...(query.fields === undefined ? {} : { fields: query.fields }),
      ...(query.nullIsContradiction === undefined
        ? {}
        : { nullIsContradiction: query.nullIsContradiction }),
      // Large by default: each page scans both connections once, so fewer pages cost less.
      limit: pageLimit(query.limit, 5000, 5000),
      cursor: decodeConflictCursor(query.cursor),
    });
    return {
      findings: page.findings,
      compared: page.compared,
      nextCursor: page.next === null ? null : encodeConflictCursor(page.next),
    };
  }

  /**
   * Every `intervalMs`, starts the syncs that are due (`next_run_at` passed), claiming each with
   * `FOR UPDATE SKIP LOCKED`, so processes sharing PostgreSQL start each due sync once. Runs
   * whose process stopped (stale heartbeat) are marked interrupted and resumed. Stopped by `close()`.
   */
  startScheduler(intervalMs: number): void {
    if (this.#timer || this.#closed) return;
    const tick = () => {
      if (this.#tick) return;
      this.#tick = this.tick()
        .catch((error: unknown) => {
          this.#logger.error({ err: error }, 'sync scheduler tick failed');
        })
        .finally(() => {
          this.#tick = null;
        });
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    tick();
  }

  /**
   * One scheduler pass; public so tests can drive it. Returns when the due runs have started.
   * `at` makes the pass decide as at that time — which syncs are due, and whether their full run
   * is — so a test can see what the scheduler does hours or days from now; the database's clock
   * otherwise.
   */
  async tick(at?: Date): Promise<void> {
    await this.#recoverStale();
    const now = at === undefined ? sql`now()` : sql`${at.toISOString()}::timestamptz`;
    const claimed = await this.#db.transaction(async (tx) => {
      const due = await tx
        .select({ id: syncs.id })
        .from(syncs)
        .where(and(eq(syncs.enabled, true), eq(syncs.state, 'idle'), lt(syncs.nextRunAt, now)))
        .orderBy(syncs.nextRunAt)
        .limit(this.#maxStartsPerTick)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      // Pushed forward while still locked: another process's tick no longer sees them as due.
      return tx
        .update(syncs)
        .set({
          nextRunAt: sql`${now} + make_interval(secs => ${syncs.frequencySeconds})`,
        })
        .where(
          inArray(
            syncs.id,
            due.map((row) => row.id),
          ),
        )
        .returning();
    });
    for (const row of claimed) {
      try {
        await this.#start(row, { scheduledAt: at ?? new Date() });
      } catch (error) {
        // Already running elsewhere, or its connection is gone: recorded, the tick goes on.
        this.#logger.warn(
          { err: error, syncId: row.id },
          'the scheduler could not start a due sync',
        );
      }
    }
  }

  /** Stops the scheduler and interrupts running runs; they keep their position and resume later. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#tick;
    for (const active of this.#active.values())
      active.controller.abort(
        new JoineryError('internal', 'Joinery is shutting down; the run resumes on the next start'),
      );
    await Promise.allSettled([...this.#active.values()].map((active) => active.done));
  }

  async #recoverStale(): Promise<void> {
    const cutoff = new Date(Date.now() - this.#staleAfterMs);
    const stale = await this.#db
      .update(syncRuns)
      .set({
        status: 'interrupted',
        finishedAt: new Date(),
        error: {
          code: 'internal',
          message:
            'the process running this run stopped (no heartbeat); it resumes from its last stored batch',
          retryable: true,
        },
      })
      .where(and(eq(syncRuns.status, 'running'), lt(syncRuns.heartbeatAt, cutoff)))
      .returning({ id: syncRuns.id, syncId: syncRuns.syncId });
    for (const run of stale) {
      if (this.#active.has(run.syncId)) continue;
      await this.#db
        .update(syncs)
        .set({ state: 'idle', currentRunId: null, nextRunAt: new Date() })
        .where(and(eq(syncs.id, run.syncId), eq(syncs.currentRunId, run.id)));
    }
  }

  /**
   * `full` asks for a kind (resuming a stopped run of that kind); `scheduledAt` is the scheduler's
   * start, full when the sync's full run is due then (see `fullRunDue`), the next run otherwise.
   */
  async #start(row: SyncRow, options: { full?: boolean; scheduledAt?: Date }): Promise<RunRow> {
    if (this.#closed) throw new JoineryError('internal', 'Joinery is shutting down');
    const scope = { environmentId: row.environmentId };
    const context = await this.#connections.context(scope, row.connectionId);
    // The requests ask for what this connection's mapping (overrides included) reads.
    const { definition, fields, toPayload } = syncMapping(
      findSync(context.connector.syncs, row.name, context.connector.id),
      context.connector,
      this.#overrides ? await this.#overrides(context) : {},
    );
    const staleBefore = new Date(Date.now() - this.#staleAfterMs);
    const run = await this.#db.transaction(async (tx) => {
      const [sync] = await tx.select().from(syncs).where(eq(syncs.id, row.id)).for('update');
      if (!sync) throw new JoineryError('not_found', `no sync ${row.id}`);
      const [latest] = await tx
        .select()
        .from(syncRuns)
        .where(eq(syncRuns.syncId, sync.id))
        .orderBy(desc(syncRuns.startedAt))
        .limit(1);
      if (sync.state === 'running' && latest?.status === 'running') {
        if (latest.heartbeatAt > staleBefore)
          throw new JoineryError(
            'conflict',
            `sync ${sync.id} is already running (run ${latest.id}, ${latest.recordsSeen} records so far)`,
          );
        await tx
          .update(syncRuns)
          .set({ status: 'interrupted', finishedAt: new Date() })
          .where(eq(syncRuns.id, latest.id));
        latest.status = 'interrupted';
      }
      // Decided on the locked row, so a full run that just succeeded elsewhere counts.
      const full =
        options.full ??
        (options.scheduledAt !== undefined && fullRunDue(sync, options.scheduledAt)
          ? true
          : undefined);
      const wantKind = full === undefined ? undefined : full ? 'full' : 'incremental';
      let run: RunRow;
      if (
        latest &&
        (latest.status === 'interrupted' || latest.status === 'failed') &&
        latest.resume !== null &&
        (wantKind === undefined || wantKind === latest.kind) &&
        this.#resumable(latest, latest.resume, fields)
      ) {
        const [resumed] = await tx
          .update(syncRuns)
          .set({
            status: 'running',
            attempts: latest.attempts + 1,
            heartbeatAt: new Date(),
            finishedAt: null,
            error: null,
          })
          .where(eq(syncRuns.id, latest.id))
          .returning();
        run = resumed as RunRow;
      } else {
        const kind: 'full' | 'incremental' =
          wantKind === 'full' || !definition.incremental || sync.checkpoint === null
            ? 'full'
            : 'incremental';
        const [created] = await tx
          .insert(syncRuns)
          .values({
            id: newId('srun'),
            syncId: sync.id,
            environmentId: sync.environmentId,
            kind,
            status: 'running',
            fromCursor: kind === 'incremental' ? sync.checkpoint : null,
            resume: initialResume(definition, kind, sync.checkpoint, fields),
          })
          .returning();
        run = created as RunRow;
      }
      await tx
        .update(syncs)
        .set({ state: 'running', currentRunId: run.id, updatedAt: new Date() })
        .where(eq(syncs.id, sync.id));
      const deletionsFrom =
        run.kind === 'incremental' && definition.deletions
          ? await deletionsStart(tx, sync.id, sync.checkpoint)
          : null;
      return { ...run, deletionsFrom };
    });
    const plan: RunPlan = {
      runId: run.id,
      attempt: run.attempts,
      kind: run.kind as RunPlan['kind'],
      owner: {
        syncId: row.id,
        environmentId: row.environmentId,
        connectionId: row.connectionId,
        model: row.model,
      },
      definition,
      context,
      resume:
        run.resume ??
        initialResume(definition, run.kind as RunPlan['kind'], row.checkpoint, fields),
      maxCursor: run.maxCursor,
      deletionsFrom: run.deletionsFrom,
      batchesBefore: run.pages,
      toPayload,
    };
    const controller = new AbortController();
    const active: ActiveRun = {
      runId: run.id,
      controller,
      done: this.#execute(row, plan, controller.signal).finally(() => {
        if (this.#active.get(row.id) === active) this.#active.delete(row.id);
      }),
    };
    this.#active.set(row.id, active);
    return run;
  }

  /**
   * A stopped run resumes only with the provider fields it started with: its next page's request
   * names them, and one written before an override mapped another field would store that field
   * empty. Otherwise the next run starts over, and says why.
   */
  #resumable(run: RunRow, resume: SyncResumeState, fields: readonly string[] | null): boolean {
    if (requestsFields(resume, fields)) return true;
    this.#logger.info(
      { runId: run.id, syncId: run.syncId },
      `sync run ${run.id} is not resumed: the connection's mapping overrides now ask the provider for other fields; a new run starts`,
    );
    return false;
  }

  async #execute(row: SyncRow, plan: RunPlan, signal: AbortSignal): Promise<void> {
    const heartbeat = setInterval(
      () => {
        this.#db
          .update(syncRuns)
          .set({ heartbeatAt: new Date() })
          // Not once another process resumed the run: its heartbeat is that process's to keep.
          .where(ownedRun(plan))
          .catch((error: unknown) => {
            this.#logger.warn({ err: error, runId: plan.runId }, 'sync heartbeat failed');
          });
      },
      Math.max(Math.floor(this.#staleAfterMs / 3), 50),
    );
    heartbeat.unref();
    let status: SyncRunStatus;
    let error: StoredSyncError | null = null;
    let maxCursor: string | null = null;
    try {
      const outcome = await this.#runner.execute(plan, signal);
      status = 'succeeded';
      maxCursor = outcome.maxCursor;
    } catch (failure) {
      status = signal.aborted ? 'interrupted' : 'failed';
      error = storedError(signal.aborted ? (signal.reason ?? failure) : failure);
      this.#logger.warn(
        { runId: plan.runId, syncId: row.id, code: error.code, status },
        `sync run ${status}: ${error.message}`,
      );
    } finally {
      clearInterval(heartbeat);
    }
    try {
      await this.#finish(row, plan, status, error, maxCursor);
    } catch (failure) {
      // The run stays `running` until its heartbeat goes stale; the scheduler then marks it
      // interrupted and resumes it from its last stored batch.
      this.#logger.error(
        { err: failure, runId: plan.runId, syncId: row.id },
        `could not record the end of sync run ${plan.runId} (${status})`,
      );
    }
  }

  async #finish(
    row: SyncRow,
    plan: RunPlan,
    status: SyncRunStatus,
    error: StoredSyncError | null,
    maxCursor: string | null,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // The sync's row first, as a start and a batch lock it: no two wait in opposite orders.
      await tx.select({ id: syncs.id }).from(syncs).where(eq(syncs.id, row.id)).for('update');
      const [run] = await tx
        .update(syncRuns)
        .set({
          status,
          finishedAt: new Date(),
          error,
          ...(status === 'succeeded' ? { resume: null } : {}),
        })
        .where(ownedRun(plan))
        .returning();
      if (!run) {
        // This attempt no longer owns the run, and its end is not recorded. Either another
        // process resumed it after this one's heartbeat went stale (the run and the sync are that
        // process's now), or a scheduler marked it interrupted and, the run being active here,
        // left the sync for this process to release: due at once, so the run resumes.
        const [current] = await tx
          .select({ status: syncRuns.status })
          .from(syncRuns)
          .where(eq(syncRuns.id, plan.runId));
        if (current?.status !== 'running')
          await tx
            .update(syncs)
            .set({
              state: 'idle',
              currentRunId: null,
              nextRunAt: new Date(),
              updatedAt: new Date(),
            })
            .where(and(eq(syncs.id, row.id), eq(syncs.currentRunId, plan.runId)));
        this.#logger.warn(
          { runId: plan.runId, syncId: row.id, attempt: plan.attempt, status },
          `sync run ${plan.runId} (attempt ${plan.attempt}) no longer owns its sync; its end (${status}) is not recorded`,
        );
        return;
      }
      const checkpoint = boundedCheckpoint(maxCursor, run.startedAt);
      await tx
        .update(syncs)
        .set({
          state: 'idle',
          currentRunId: null,
          updatedAt: new Date(),
          // Interrupted by a shutdown: due again at once, so the next start resumes it.
          nextRunAt:
            status === 'interrupted'
              ? new Date()
              : sql`now() + make_interval(secs => ${syncs.frequencySeconds})`,
          // Only a full run that succeeded resets the full frequency's clock.
          ...(status === 'succeeded' && run.kind === 'full'
            ? { lastFullRunAt: run.finishedAt }
            : {}),
          ...(status === 'succeeded' && checkpoint !== null
            ? {
                checkpoint: sql`CASE WHEN ${syncs.checkpoint} IS NULL OR ${syncs.checkpoint}::timestamptz < ${checkpoint}::timestamptz THEN ${checkpoint} ELSE ${syncs.checkpoint} END`,
              }
            : {}),
        })
        .where(and(eq(syncs.id, row.id), eq(syncs.currentRunId, plan.runId)));
      await this.#emitOutcome(row, run, tx);
    });
  }

  async #emitOutcome(row: SyncRow, run: RunRow, tx: EventWriter): Promise<void> {
    const emit = this.emit;
    if (!emit) return;
    const view = runView(run);
    const base = {
      syncId: row.id,
      runId: run.id,
      connectionId: row.connectionId,
      model: row.model,
      kind: view.kind,
    };
    if (view.status === 'succeeded' && view.changes !== null)
      await emit(
        row.environmentId,
        {
          type: 'sync.changes',
          data: {
            ...base,
            added: view.records.added,
            updated: view.records.updated,
            deleted: view.records.deleted,
            cursor: view.changes,
          },
        },
        tx,
      );
    else if (view.status === 'failed')
      await emit(
        row.environmentId,
        {
          type: 'sync.failed',
          data: { ...base, error: view.error, records: view.records, pages: view.pages },
        },
        tx,
      );
  }

  async #row(scope: Scope, id: string): Promise<SyncRow> {
    const [row] = await this.#db
      .select()
      .from(syncs)
      .where(and(eq(syncs.id, id), eq(syncs.environmentId, scope.environmentId)));
    if (!row || !(await this.#visible(scope, row)))
      throw new JoineryError('not_found', `no sync "${id}"; GET /v1/syncs lists them`);
    return row;
  }

  /** A tenant-restricted caller sees only the syncs of its own connections. */
  async #visible(scope: Scope, row: SyncRow): Promise<boolean> {
    if (scope.tenant === undefined) return true;
    try {
      await this.#connections.get(scope, row.connectionId);
      return true;
    } catch (error) {
      if (isJoineryError(error) && error.code === 'not_found') return false;
      throw error;
    }
  }

  async #latestRuns(ids: string[]): Promise<Map<string, RunRow>> {
    const latest = new Map<string, RunRow>();
    if (ids.length === 0) return latest;
    const rows = await this.#db
      .selectDistinctOn([syncRuns.syncId])
      .from(syncRuns)
      .where(inArray(syncRuns.syncId, ids))
      .orderBy(syncRuns.syncId, desc(syncRuns.startedAt));
    for (const row of rows) latest.set(row.syncId, row);
    return latest;
  }
}

function syncView(row: SyncRow, latest: RunRow | null): SyncView {
  return {
    id: row.id,
    connectionId: row.connectionId,
    name: row.name,
    model: row.model,
    frequencySeconds: row.frequencySeconds,
    fullFrequencySeconds: row.fullFrequencySeconds,
    lastFullRunAt: row.lastFullRunAt?.toISOString() ?? null,
    fullRunDueAt: fullRunDueAt(row)?.toISOString() ?? null,
    enabled: row.enabled,
    checkpoint: row.checkpoint,
    nextRunAt: row.nextRunAt?.toISOString() ?? null,
    state: row.state as SyncView['state'],
    createdAt: row.createdAt.toISOString(),
    latestRun: latest ? runView(latest) : null,
  };
}

/** See `SyncView.fullRunDueAt`. */
function fullRunDueAt(row: SyncRow): Date | null {
  if (row.fullFrequencySeconds === null) return null;
  if (row.lastFullRunAt === null) return row.createdAt;
  return new Date(row.lastFullRunAt.getTime() + row.fullFrequencySeconds * 1000);
}

export function findSync(
  definitions: readonly SyncDefinition[] | undefined,
  name: string,
  connectorId: string,
): SyncDefinition {
  const found = definitions?.find((definition) => definition.name === name);
  if (!found) {
    const names = (definitions ?? []).map((definition) => definition.name);
    throw new JoineryError(
      'invalid_input',
      names.length === 0
        ? `connector "${connectorId}" offers no syncs`
        : `connector "${connectorId}" has no sync "${name}"; it offers: ${names.join(', ')}`,
      { path: 'body.sync' },
    );
  }
  return found;
}

/**
 * Where an incremental run's deletions query starts: shortly before the sync's latest succeeded
 * run started. That run saw every deletion up to its start (a full run marked what it did not
 * list, an incremental run read the deletions after it began), so earlier ones are stored. It
 * is not the checkpoint: a checkpoint moves only when records change, and with a provider that
 * keeps deletions for days (Salesforce) a quiet sync would fall out of the window.
 */
async function deletionsStart(
  tx: Pick<Database, 'select'>,
  syncId: string,
  checkpoint: string | null,
): Promise<string | null> {
  const [latest] = await tx
    .select({ startedAt: syncRuns.startedAt })
    .from(syncRuns)
    .where(and(eq(syncRuns.syncId, syncId), eq(syncRuns.status, 'succeeded')))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  if (!latest) return checkpoint;
  return new Date(latest.startedAt.getTime() - CHECKPOINT_MARGIN_MS).toISOString();
}

/** How far before a run's start its checkpoint may reach: covers clock skew with the provider. */
const CHECKPOINT_MARGIN_MS = 60_000;

/**
 * The checkpoint a succeeded run leaves: the newest modification it saw, but never later than
 * shortly before the run started. A record that changed while the run was paging (its page
 * already read, or shifted past by the change) is then read again by the next incremental run —
 * for nothing if it had not changed, thanks to the payload hash — instead of being skipped.
 */
export function boundedCheckpoint(
  maxCursor: string | null,
  runStartedAt: Date | undefined,
): string | null {
  if (maxCursor === null || runStartedAt === undefined) return maxCursor;
  const cap = runStartedAt.getTime() - CHECKPOINT_MARGIN_MS;
  return Date.parse(maxCursor) > cap ? new Date(cap).toISOString() : maxCursor;
}
