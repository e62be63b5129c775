import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { syncRuns, syncs, type Database, type SyncResumeState } from '@joinery/store';
import type { Pagination } from '../connector/types.js';
import { JoineryError, isJoineryError } from '../errors.js';
import { readPath } from '../outbound/classify.js';
import type { CallPipeline, ConnectionContext } from '../outbound/pipeline.js';
import type { ProviderResponse } from '../outbound/types.js';
import type { PayloadMapper } from './mapping.js';
import {
  cursorMs,
  firstRequest,
  formatCursor,
  nextPageRequest,
  toProviderRequest,
  type PageRequest,
} from './paging.js';
import {
  markDeleted,
  markUnseenDeleted,
  stageRecord,
  storeBatch,
  type RecordOwner,
  type StagedRecord,
} from './record-store.js';
import type { DeletionsTemplate, SyncDefinition } from './types.js';

export interface RunnerOptions {
  /** Records stored per transaction (and per checkpoint). Defaults to 1,000. */
  batchSize: number;
  /** How long the caller waits for one page, throttling and retries included. Defaults to 120 s. */
  pageTimeoutMs: number;
  /** Attempts per page for requests the pipeline does not retry itself (POST searches). Defaults to 3. */
  pageAttempts: number;
}

export const defaultRunnerOptions: RunnerOptions = {
  batchSize: 1000,
  pageTimeoutMs: 120_000,
  pageAttempts: 3,
};

/** The run being executed, as read when it started or resumed. */
export interface RunPlan {
  runId: string;
  /**
   * The run's `attempts` when this executor started it. A run resumed elsewhere after its
   * heartbeat went stale keeps its id but counts another attempt: every write of this executor
   * requires this attempt, so an executor that was only paused cannot write over its successor.
   */
  attempt: number;
  kind: 'full' | 'incremental';
  owner: RecordOwner;
  definition: SyncDefinition;
  context: ConnectionContext;
  resume: SyncResumeState;
  /** The newest cursor value the run saw before it (re)started, as ISO 8601. */
  maxCursor: string | null;
  /**
   * Where an incremental run's deletions query starts (ISO 8601): shortly before the sync's
   * latest succeeded run started, since that run saw every deletion up to its start. Null for a
   * full run, or a sync without a deletions query.
   */
  deletionsFrom: string | null;
  /** Batches stored before it (re)started: the next batch token continues after them. */
  batchesBefore: number;
  /** Provider record → stored payload (the unified model when the connector maps it). */
  toPayload: PayloadMapper;
}

export interface RunOutcome {
  /** Records this attempt marked deleted: unseen by a full run, or named by the deletions query. */
  deleted: number;
  maxCursor: string | null;
}

/** The template a run of this kind starts from. */
export function templateFor(definition: SyncDefinition, kind: 'full' | 'incremental') {
  if (kind === 'incremental') {
    if (!definition.incremental)
      throw new JoineryError('internal', `sync "${definition.name}" has no incremental query`);
    return definition.incremental;
  }
  return definition.full;
}

/** Where a run starts: the first page of its query, from `checkpoint` for an incremental run. */
export function initialResume(
  definition: SyncDefinition,
  kind: 'full' | 'incremental',
  checkpoint: string | null,
  fields: readonly string[] | null,
): SyncResumeState {
  const named = fields === null ? {} : { fields };
  if (kind === 'full')
    return {
      request: firstRequest(definition.full, null),
      queryCursor: null,
      queryResults: 0,
      ...named,
    };
  const template = templateFor(definition, 'incremental');
  const from = checkpoint === null ? undefined : cursorMs(checkpoint);
  if (from === undefined)
    throw new JoineryError('internal', `an incremental run needs a checkpoint (got ${checkpoint})`);
  return {
    request: firstRequest(
      template,
      formatCursor(from, definition.incremental?.cursorFormat ?? 'iso'),
    ),
    queryCursor: new Date(from).toISOString(),
    queryResults: 0,
    ...named,
  };
}

/** Whether a stored position's requests name the same provider fields (in any order) as `fields`. */
export function requestsFields(resume: SyncResumeState, fields: readonly string[] | null): boolean {
  // Read from a JSON column: checked, not trusted.
  const stored: unknown = resume.fields;
  if (!Array.isArray(stored)) return fields === null;
  if (fields === null) return false;
  const named = new Set(fields);
  return (
    stored.length === named.size &&
    stored.every((field) => typeof field === 'string' && named.has(field))
  );
}

/**
 * Executes one run page by page: each page is fetched through the outbound pipeline (throttling,
 * retries, classification), its records staged, and every `batchSize` records stored in one
 * transaction together with the run's counters and the request for the next page — so a run that
 * stops resumes after the last stored batch, and memory holds one batch and one page at most.
 */
export class SyncRunner {
  readonly #db: Database;
  readonly #pipeline: CallPipeline;
  readonly #options: RunnerOptions;

  constructor(db: Database, pipeline: CallPipeline, options: RunnerOptions) {
    this.#db = db;
    this.#pipeline = pipeline;
    this.#options = options;
  }

  async execute(plan: RunPlan, signal: AbortSignal): Promise<RunOutcome> {
    const { definition, context, kind } = plan;
    const template = templateFor(definition, kind);
    const pagination: Pagination = template.pagination ??
      definition.pagination ??
      context.connector.pagination ?? { type: 'none' };
    let resume: SyncResumeState = plan.resume;
    let maxCursor = plan.maxCursor === null ? undefined : cursorMs(plan.maxCursor);
    let batchNo = plan.batchesBefore;
    let staged = new Map<string, StagedRecord>();
    let pagesStaged = 0;
    /** What the provider says the current query holds, and the first such figure of the run. */
    let queryTotal: number | null = null;
    let runTotal: number | null = null;
    let segmentStart = Date.now();
    let request: PageRequest | null = resume.request;
    let prefetch: Promise<ProviderResponse> | null = null;
    /** Records an incremental run's deletions query marked deleted in this attempt. */
    let deletedNow = 0;

    /**
     * Stores the staged batch with the run's counters and the request for the page after it, in
     * one transaction. Everything it writes is taken now, so fetching goes on while it runs.
     */
    const store = async (next: PageRequest | null): Promise<void> => {
      batchNo += 1;
      const token = `${plan.runId}/${batchNo}`;
      const records = [...staged.values()];
      const pages = pagesStaged;
      const now = Date.now();
      const activeMs = now - segmentStart;
      segmentStart = now;
      const nextResume: SyncResumeState | null =
        next === null ? null : { ...resume, request: next };
      const total = runTotal;
      const newest = maxCursor === undefined ? undefined : new Date(maxCursor).toISOString();
      staged = new Map();
      pagesStaged = 0;
      await this.#db.transaction(async (tx) => {
        await fence(tx, plan, 'batch');
        const outcome = await storeBatch(tx, plan.owner, plan.runId, token, records);
        await updateOwnedRun(tx, plan, 'batch', {
          recordsSeen: sql`${syncRuns.recordsSeen} + ${records.length}`,
          recordsAdded: sql`${syncRuns.recordsAdded} + ${outcome.added}`,
          recordsUpdated: sql`${syncRuns.recordsUpdated} + ${outcome.updated}`,
          pages: sql`${syncRuns.pages} + ${pages}`,
          activeMs: sql`${syncRuns.activeMs} + ${activeMs}`,
          heartbeatAt: new Date(now),
          ...(nextResume ? { resume: nextResume } : {}),
          ...(total !== null ? { recordsTotal: total } : {}),
          ...(newest !== undefined ? { maxCursor: newest } : {}),
          ...(outcome.firstSeq !== null
            ? {
                firstChangeSeq: sql`coalesce(${syncRuns.firstChangeSeq}, ${outcome.firstSeq})`,
                lastChangeSeq: sql`greatest(${syncRuns.lastChangeSeq}, ${outcome.lastSeq})`,
              }
            : {}),
        });
      });
    };
    /** The batch being stored while the next pages are fetched; at most one at a time. */
    let storing: Promise<void> | null = null;

    try {
      while (request !== null) {
        if (signal.aborted) throw stopped(signal);
        const response: ProviderResponse = await (prefetch ??
          this.#fetch(context, request, definition, signal));
        prefetch = null;
        const items = listAt(response, definition.recordsPath, plan, 'a page');
        if (definition.totalPath !== undefined && resume.queryResults === 0) {
          const reported = readPath(response.body, definition.totalPath);
          queryTotal = typeof reported === 'number' ? reported : null;
          if (runTotal === null && queryTotal !== null && plan.batchesBefore === 0)
            runTotal = queryTotal;
        }
        for (const item of items) {
          const id = readPath(item, definition.idPath);
          if ((typeof id !== 'string' && typeof id !== 'number') || id === '')
            throw new JoineryError(
              'malformed_response',
              `${context.connector.name} sent a record without an id at "${definition.idPath}" in sync "${definition.name}"`,
              { requestId: response.requestId, connectionId: context.id },
            );
          const modified = cursorMs(readPath(item, definition.cursorPath));
          if (modified !== undefined && (maxCursor === undefined || modified > maxCursor))
            maxCursor = modified;
          const key = String(id);
          staged.set(key, stageRecord(key, await plan.toPayload(item, key)));
        }
        pagesStaged += 1;
        resume = { ...resume, queryResults: resume.queryResults + items.length };
        let following: PageRequest | null = nextPageRequest(pagination, request, response);
        if (following === null) {
          const restart = this.#restartedQuery(plan, resume, maxCursor, queryTotal);
          if (restart !== null) {
            resume = { ...resume, queryCursor: restart.queryCursor, queryResults: 0 };
            following = restart.request;
          }
        }
        // The next page is on its way while this one is staged and earlier batches are stored:
        // fetching and writing overlap, and memory holds one batch, one being stored, one page.
        if (following !== null) prefetch = this.#fetch(context, following, definition, signal);
        if (staged.size >= this.#options.batchSize || following === null) {
          await storing;
          storing = store(following);
          // Awaited before the next batch and at the end; this handler only keeps a failure from
          // counting as unhandled while the next pages are fetched.
          storing.catch(() => undefined);
        }
        request = following;
      }
      await storing;
      if (plan.kind === 'incremental') deletedNow = await this.#readDeletions(plan, signal);
    } catch (error) {
      // The run stops here; a page fetched ahead or a batch being stored is not waited for by
      // anyone else, whatever became of it (a stored batch is a valid checkpoint either way).
      await Promise.allSettled([prefetch, storing]);
      throw error;
    }

    return this.#complete(plan, maxCursor, deletedNow);
  }

  /**
   * A provider that stops paging a query after N results (HubSpot search: 10,000) leaves the rest
   * unread: the run starts a new query from the newest cursor value it has seen.
   */
  #restartedQuery(
    plan: RunPlan,
    resume: SyncResumeState,
    maxCursor: number | undefined,
    queryTotal: number | null,
  ): { request: PageRequest; queryCursor: string } | null {
    const incremental = plan.definition.incremental;
    const cap = plan.kind === 'incremental' ? incremental?.maxResultsPerQuery : undefined;
    if (!incremental || cap === undefined || resume.queryResults < cap) return null;
    // The provider said how many the query holds, and all of them were read.
    if (queryTotal !== null && queryTotal <= resume.queryResults) return null;
    const from = resume.queryCursor === null ? undefined : cursorMs(resume.queryCursor);
    if (maxCursor === undefined || (from !== undefined && maxCursor <= from))
      throw new JoineryError(
        'provider_rejected',
        `${plan.context.connector.name} returns at most ${cap} results per query and more than that share the modification time ${resume.queryCursor}: the incremental run cannot page past them. Run a full sync (POST /v1/syncs/{id}/runs {"full": true}).`,
      );
    return {
      request: firstRequest(incremental, formatCursor(maxCursor, incremental.cursorFormat)),
      queryCursor: new Date(maxCursor).toISOString(),
    };
  }

  /**
   * An incremental run's deletions: pages the definition's deletions query from
   * `plan.deletionsFrom` to now and marks the records it names deleted, `batchSize` ids per
   * transaction, each fenced and counted on the run like a batch of records. Not resumed from a
   * page: a run stopped here reads the deletions again from the start, and records it already
   * marked are no change.
   */
  async #readDeletions(plan: RunPlan, signal: AbortSignal): Promise<number> {
    const { definition, context } = plan;
    const template = definition.deletions;
    if (template === undefined || plan.deletionsFrom === null) return 0;
    let deleted = 0;
    const from = cursorMs(plan.deletionsFrom);
    if (from === undefined)
      throw new JoineryError('internal', `unreadable deletions start ${plan.deletionsFrom}`);
    const now = Date.now();
    if (template.maxAgeSeconds !== undefined && now - from > template.maxAgeSeconds * 1000)
      throw fullRunNeeded(
        plan,
        `answers deletions of the last ${template.maxAgeSeconds / 86_400} days only`,
      );
    const pagination: Pagination = template.pagination ??
      definition.pagination ??
      context.connector.pagination ?? { type: 'none' };
    let request: PageRequest | null = firstRequest(
      withNow(template, formatCursor(now, template.cursorFormat)),
      formatCursor(from, template.cursorFormat),
    );
    let ids = new Set<string>();
    let pages = 0;
    let batchNo = 0;
    let first = true;
    while (request !== null) {
      if (signal.aborted) throw stopped(signal);
      const response = await this.#fetch(context, request, definition, signal);
      if (first && template.earliestPath !== undefined) {
        const earliest = cursorMs(readPath(response.body, template.earliestPath));
        if (earliest !== undefined && earliest > from)
          throw fullRunNeeded(
            plan,
            `keeps deletions only since ${new Date(earliest).toISOString()} (${template.earliestPath})`,
          );
      }
      first = false;
      const items = listAt(response, template.recordsPath, plan, 'the deletions');
      for (const item of items) {
        const id = readPath(item, template.idPath);
        if ((typeof id !== 'string' && typeof id !== 'number') || id === '')
          throw new JoineryError(
            'malformed_response',
            `${context.connector.name} named a deleted record without an id at "${template.idPath}" in sync "${definition.name}"`,
            { requestId: response.requestId, connectionId: context.id },
          );
        const deletedAt = cursorMs(readPath(item, template.cursorPath));
        if (deletedAt === undefined || deletedAt >= from) ids.add(String(id));
      }
      pages += 1;
      request = nextPageRequest(pagination, request, response);
      if (ids.size >= this.#options.batchSize || request === null) {
        batchNo += 1;
        deleted += await this.#storeDeletions(
          plan,
          `${plan.runId}/deleted/${batchNo}`,
          [...ids],
          pages,
        );
        ids = new Set();
        pages = 0;
      }
    }
    return deleted;
  }

  /** One batch of deletions, with the run's counters, in one fenced transaction. */
  async #storeDeletions(
    plan: RunPlan,
    token: string,
    ids: readonly string[],
    pages: number,
  ): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await fence(tx, plan, 'deletions');
      const outcome = await markDeleted(tx, plan.owner.syncId, plan.runId, token, ids);
      await updateOwnedRun(tx, plan, 'deletions', {
        recordsDeleted: sql`${syncRuns.recordsDeleted} + ${outcome.deleted}`,
        pages: sql`${syncRuns.pages} + ${pages}`,
        heartbeatAt: new Date(),
        ...(outcome.firstSeq !== null
          ? {
              firstChangeSeq: sql`coalesce(${syncRuns.firstChangeSeq}, ${outcome.firstSeq})`,
              lastChangeSeq: sql`greatest(${syncRuns.lastChangeSeq}, ${outcome.lastSeq})`,
            }
          : {}),
      });
      return outcome.deleted;
    });
  }

  async #fetch(
    context: ConnectionContext,
    request: PageRequest,
    definition: SyncDefinition,
    signal: AbortSignal,
  ): Promise<ProviderResponse> {
    const meta = {
      source: 'sync' as const,
      action: `sync:${definition.name}`,
      signal,
      timeoutMs: this.#options.pageTimeoutMs,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#pipeline.call(context, toProviderRequest(request), meta);
      } catch (error) {
        // The pipeline retries idempotent methods itself. A search sent as POST only reads, so
        // the sync retries it here, within the same bounds.
        if (
          request.method === 'GET' ||
          attempt >= this.#options.pageAttempts ||
          !isJoineryError(error) ||
          !error.retryable ||
          signal.aborted
        )
          throw error;
        const waitMs = Math.min(error.retryAfterMs ?? 500 * 2 ** attempt, 30_000);
        await sleep(waitMs, undefined, { signal });
      }
    }
  }

  async #complete(
    plan: RunPlan,
    maxCursor: number | undefined,
    deletedBefore: number,
  ): Promise<RunOutcome> {
    let deleted = deletedBefore;
    await this.#db.transaction(async (tx) => {
      await fence(tx, plan, 'deletions');
      let seqs: { firstSeq: number | null; lastSeq: number | null } = {
        firstSeq: null,
        lastSeq: null,
      };
      if (plan.kind === 'full') {
        const outcome = await markUnseenDeleted(
          tx,
          plan.owner.syncId,
          plan.runId,
          `${plan.runId}/deletions`,
        );
        deleted = outcome.deleted;
        seqs = outcome;
      }
      await updateOwnedRun(tx, plan, 'deletions', {
        heartbeatAt: new Date(),
        // An incremental run counted its deletions batch by batch (`#readDeletions`).
        ...(plan.kind === 'full' ? { recordsDeleted: deleted } : {}),
        ...(seqs.firstSeq !== null
          ? {
              firstChangeSeq: sql`coalesce(${syncRuns.firstChangeSeq}, ${seqs.firstSeq})`,
              lastChangeSeq: sql`greatest(${syncRuns.lastChangeSeq}, ${seqs.lastSeq})`,
            }
          : {}),
      });
    });
    return {
      deleted,
      maxCursor: maxCursor === undefined ? null : new Date(maxCursor).toISOString(),
    };
  }
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * The condition every write to a run's row carries: the run, at the attempt this executor
 * started, still running. A takeover bumps `attempts`; an end sets `status`.
 */
export function ownedRun(plan: Pick<RunPlan, 'runId' | 'attempt'>) {
  return and(
    eq(syncRuns.id, plan.runId),
    eq(syncRuns.attempts, plan.attempt),
    eq(syncRuns.status, 'running'),
  );
}

function superseded(plan: RunPlan, what: string): JoineryError {
  return new JoineryError(
    'conflict',
    `run ${plan.runId} (attempt ${plan.attempt}) no longer owns sync ${plan.owner.syncId}: it ended, or another process resumed it after its heartbeat went stale; its ${what} was not stored`,
  );
}

/**
 * Locks the sync's row and refuses the write unless this run still owns it. Taken first in every
 * transaction that writes a run's records, as a start takes it first: the two never wait for each
 * other's locks in opposite orders.
 */
async function fence(tx: Tx, plan: RunPlan, what: string): Promise<void> {
  const owned = await tx
    .update(syncs)
    .set({ updatedAt: new Date() })
    .where(and(eq(syncs.id, plan.owner.syncId), eq(syncs.currentRunId, plan.runId)))
    .returning({ id: syncs.id });
  if (owned.length === 0) throw superseded(plan, what);
}

/**
 * Updates the run's row only while this executor's attempt owns it, else throws `conflict` and
 * the transaction (the batch with it) is rolled back. Checked by the last statement rather than a
 * first one: it costs no extra round trip per batch, and with the sync's row locked by `fence`, no
 * takeover can slip in between (a start locks that row first).
 */
async function updateOwnedRun(
  tx: Tx,
  plan: RunPlan,
  what: string,
  values: PgUpdateSetSource<typeof syncRuns>,
): Promise<void> {
  const updated = await tx
    .update(syncRuns)
    .set(values)
    .where(ownedRun(plan))
    .returning({ id: syncRuns.id });
  if (updated.length === 0) throw superseded(plan, what);
}

/** `template` with `{{now}}` in its path and query written as `now`. */
function withNow(template: DeletionsTemplate, now: string): DeletionsTemplate {
  const fill = (text: string) => text.replaceAll('{{now}}', now);
  return {
    ...template,
    path: fill(template.path),
    ...(template.query === undefined
      ? {}
      : {
          query: Object.fromEntries(
            Object.entries(template.query).map(([key, value]) => [
              key,
              typeof value === 'string' ? fill(value) : value,
            ]),
          ),
        }),
  };
}

/**
 * The provider no longer answers every deletion since the sync's last succeeded run: an
 * incremental run would miss some, so it fails and asks for a full run, which sees them all.
 */
function fullRunNeeded(plan: RunPlan, why: string): JoineryError {
  return new JoineryError(
    'provider_rejected',
    `${plan.context.connector.name} ${why}, but sync ${plan.owner.syncId} has read deletions only up to ${plan.deletionsFrom} (shortly before its last succeeded run started): an incremental run would miss the deletions in between. Run a full sync (POST /v1/syncs/${plan.owner.syncId}/runs {"full": true}); incremental runs read deletions again after it succeeds.`,
  );
}

/** The list of records at `path` in a page the provider answered; anything else is malformed. */
function listAt(response: ProviderResponse, path: string, plan: RunPlan, what: string): unknown[] {
  const items = readPath(response.body, path);
  if (Array.isArray(items)) return items as unknown[];
  throw new JoineryError(
    'malformed_response',
    `${plan.context.connector.name} answered ${what} of sync "${plan.definition.name}" without a list at "${path}"`,
    { requestId: response.requestId, connectionId: plan.context.id },
  );
}

function stopped(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the run was stopped');
}
