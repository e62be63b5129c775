import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import jsonata from 'jsonata';
import { hostname } from 'node:os';
import { runs, type Database } from '@joinery/store';
import type { Logger } from 'pino';
import { JoineryError, isJoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { Scope } from '../connections.js';
import type { FlowDefinition, FlowStep } from './flow-definition.js';
import type { JobQueue, RunJob } from './job-queue.js';
import { runEvent, toView, type RunEventEmitter, type RunView, type Runs } from './runs.js';
import {
  Cancelled,
  StepRunner,
  Suspend,
  asJoineryError,
  storedError,
  type StepInfo,
} from './steps.js';

type RunRow = typeof runs.$inferSelect;

/** What the executor needs from the rest of the engine. */
export interface RunExecutorDeps {
  db: Database;
  queue: JobQueue;
  runs: Runs;
  logger: Logger;
  /**
   * Runs an action for a step. `stepKey` is stable across retries and resumes: it is the
   * idempotency key passed to Joinery's own idempotency store and to providers that accept one.
   */
  runAction(
    scope: Scope,
    connectionId: string,
    action: string,
    input: unknown,
    options: { stepKey: string; uncertain: boolean; signal: AbortSignal },
  ): Promise<unknown>;
  /**
   * Events for the app's webhook endpoints (`run.succeeded`, `run.failed`, `run.cancelled`, flow
   * webhook steps), in `tx`.
   */
  emit?: RunEventEmitter;
  /** Wraps one execution of a run (a trace span); step spans nest under it. */
  traceRun?: (
    run: { id: string; kind: string; attempt: number },
    work: () => Promise<void>,
  ) => Promise<void>;
  /** Marks a run's dead letter resolved (a replayed run succeeded), in `tx`. */
  resolveDeadLetter?(tx: Database, runId: string): Promise<void>;
  /** Keeps a run that exhausted its retries as a dead letter, in `tx`. */
  deadLetter?(
    tx: Database,
    environmentId: string,
    run: RunView,
    error: Record<string, unknown>,
  ): Promise<void>;
}

export interface RunExecutorOptions {
  /** Identifies this worker in leases; defaults to host, pid and a random suffix. */
  workerId?: string;
  /** Runs executed at once by this process (default 16). */
  concurrency?: number;
  /** How long a claimed run is this worker's without renewal (default 30 s); renewed every third. */
  leaseMs?: number;
  /** How often an idle worker asks the queue for work (default 500 ms). */
  pollMs?: number;
  /** How often cron schedules and expired leases are checked (default 1 s). */
  tickMs?: number;
  /** First retry delay (default 1 s), doubled per attempt with full jitter, capped by `retryMaxMs` (5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * How long a run may keep waiting for a provider that refuses before sending (open circuit,
   * rate limit), which costs no attempt (default 24 h); after it the run is dead-lettered.
   */
  maxRunAgeMs?: number;
  /**
   * Runs that ended more than this many days ago are deleted with their steps (default 30;
   * `JOINERY_RUN_RETENTION_DAYS`); 0 keeps them forever. A run a dead letter holds is kept.
   */
  retentionDays?: number;
  /** How often this worker deletes runs past retention (default 10 min; the first pass at its first tick). */
  pruneIntervalMs?: number;
}

/** Runs kept by default, in days (`JOINERY_RUN_RETENTION_DAYS`). */
export const DEFAULT_RUN_RETENTION_DAYS = 30;

/**
 * Executes runs: fetches jobs, claims each run with a lease (so two workers never execute one run
 * at once), replays completed steps, executes the rest, and records the outcome — succeeded,
 * retried later with backoff, suspended (wait), or failed/dead with a dead letter. Also fires cron
 * schedules and requeues runs whose worker died once their lease has expired.
 */
export class RunExecutor {
  readonly #deps: RunExecutorDeps;
  readonly workerId: string;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #tickMs: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #maxRunAgeMs: number;
  readonly #retentionDays: number;
  readonly #pruneIntervalMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #running = false;
  #loop: Promise<void> | null = null;
  #ticker: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #nextPruneAt = 0;
  #pruning: Promise<void> | null = null;
  #pruneStop = new AbortController();

  constructor(deps: RunExecutorDeps, options: RunExecutorOptions = {}) {
    this.#deps = deps;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${newId('w', 4)}`;
    this.#concurrency = options.concurrency ?? 16;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 500;
    this.#tickMs = options.tickMs ?? 1000;
    this.#retryBaseMs = options.retryBaseMs ?? 1000;
    this.#retryMaxMs = options.retryMaxMs ?? 5 * 60_000;
    this.#maxRunAgeMs = options.maxRunAgeMs ?? 24 * 3600_000;
    this.#retentionDays = options.retentionDays ?? DEFAULT_RUN_RETENTION_DAYS;
    if (!(this.#retentionDays >= 0))
      throw new Error(
        `retentionDays must be 0 (keep runs forever) or more, not ${this.#retentionDays}`,
      );
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 10 * 60_000;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pruneStop = new AbortController();
    this.#loop = this.#fetchLoop();
    this.#ticker = setInterval(() => void this.#tick(), this.#tickMs);
  }

  /** Asks the queue now instead of at the next poll (a run was just submitted in this process). */
  wake(): void {
    this.#wake?.();
  }

  /** Stops fetching, aborts executions in flight (their runs resume elsewhere after the lease). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#ticker) clearInterval(this.#ticker);
    this.wake();
    for (const controller of this.#controllers) controller.abort(new Error('worker stopping'));
    this.#pruneStop.abort();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    await this.#pruning;
  }

  /**
   * Deletes runs past retention, every `pruneIntervalMs` — at the next tick while a pass leaves
   * some behind — beside the tick rather than in it: a long pass never delays schedules or the
   * requeueing of abandoned runs.
   */
  #prune(): void {
    if (this.#retentionDays === 0 || this.#pruning || Date.now() < this.#nextPruneAt) return;
    this.#nextPruneAt = Date.now() + this.#pruneIntervalMs;
    const before = new Date(Date.now() - this.#retentionDays * 86_400_000);
    this.#pruning = this.#deps.runs
      .prune(before, { signal: this.#pruneStop.signal })
      .then(({ deleted, more }) => {
        if (more) this.#nextPruneAt = 0;
        if (deleted > 0)
          this.#deps.logger.info(
            {
              runs: deleted,
              endedBefore: before.toISOString(),
              retentionDays: this.#retentionDays,
            },
            'deleted runs past their retention, with their steps',
          );
      })
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error }, 'deleting runs past their retention failed');
      })
      .finally(() => {
        this.#pruning = null;
      });
  }

  async #tick(): Promise<void> {
    this.#prune();
    try {
      const fired = await this.#deps.runs.fireDueSchedules();
      const requeued = await this.#deps.runs.requeueAbandoned();
      if (requeued.length > 0)
        this.#deps.logger.warn(
          { runs: requeued },
          'runs whose worker stopped renewing its lease were requeued',
        );
      if (fired + requeued.length > 0) this.wake();
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'run scheduler tick failed');
    }
  }

  async #fetchLoop(): Promise<void> {
    while (this.#running) {
      const free = this.#concurrency - this.#inFlight.size;
      if (free <= 0) {
        await Promise.race(this.#inFlight);
        continue;
      }
      let jobs: RunJob[] = [];
      try {
        jobs = await this.#deps.queue.fetch(free);
      } catch (error) {
        if (!this.#running) break;
        this.#deps.logger.error({ err: error }, 'fetching runs from the job queue failed');
      }
      if (jobs.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
        continue;
      }
      for (const job of jobs) {
        const execution: Promise<void> = this.#execute(job).finally(() =>
          this.#inFlight.delete(execution),
        );
        this.#inFlight.add(execution);
      }
    }
  }

  async #execute(job: RunJob): Promise<void> {
    let run: RunRow | null;
    try {
      run = await this.#claim(job.runId);
    } catch (error) {
      // Not claimed: the job expires and is fetched again.
      this.#deps.logger.error({ err: error, runId: job.runId }, 'claiming a run failed');
      return;
    }
    // The job's work ends with the claim. Completed now, its expiry cannot hand the run out
    // again while it executes, waits out a backoff or sleeps in a wait step; a worker that dies
    // from here on is covered by the run's lease.
    await this.#deps.queue.complete(job.id).catch((error: unknown) => {
      this.#deps.logger.error({ err: error, jobId: job.id }, 'completing a run job failed');
    });
    if (!run) return;
    const claimed = run;
    try {
      const traceRun = this.#deps.traceRun;
      if (traceRun)
        await traceRun({ id: claimed.id, kind: claimed.kind, attempt: claimed.attempts }, () =>
          this.#executeClaimed(claimed),
        );
      else await this.#executeClaimed(claimed);
    } catch (error) {
      this.#deps.logger.error({ err: error, runId: job.runId }, 'executing a run failed');
    }
  }

  /** Takes the run if it is waiting for a worker; null when it is done or another worker has it. */
  async #claim(runId: string): Promise<RunRow | null> {
    const now = new Date();
    const [row] = await this.#deps.db
      .update(runs)
      .set({
        status: 'running',
        workerId: this.workerId,
        leaseUntil: new Date(now.getTime() + this.#leaseMs),
        attempts: sql`${runs.attempts} + 1`,
        startedAt: sql`coalesce(${runs.startedAt}, ${now})`,
        updatedAt: now,
      })
      .where(and(eq(runs.id, runId), inArray(runs.status, ['queued', 'waiting'])))
      .returning();
    return row ?? null;
  }

  async #executeClaimed(run: RunRow): Promise<void> {
    const controller = new AbortController();
    this.#controllers.add(controller);
    // Cancellation asked for before the claim (a run requeued after its worker died) or seen at a
    // lease renewal: the next step boundary stops the run.
    const cancel = new AbortController();
    if (run.cancelRequestedAt !== null) cancel.abort();
    let leaseUntil = Date.now() + this.#leaseMs;
    const renewEveryMs = Math.max(50, Math.floor(this.#leaseMs / 3));
    const heartbeat = setInterval(() => {
      // Renewals failing until the lease would run out before the next one: another worker may
      // take the run over then, so this one stops executing it first.
      if (Date.now() + renewEveryMs >= leaseUntil)
        controller.abort(new Error('lease about to expire without renewal'));
      const until = Date.now() + this.#leaseMs;
      void this.#deps.db
        .update(runs)
        .set({ leaseUntil: new Date(until) })
        .where(and(eq(runs.id, run.id), eq(runs.workerId, this.workerId)))
        .returning({ id: runs.id, cancelRequestedAt: runs.cancelRequestedAt })
        .then(([renewed]) => {
          if (!renewed) controller.abort(new Error('lease lost'));
          else {
            leaseUntil = until;
            if (renewed.cancelRequestedAt !== null) cancel.abort();
          }
        })
        .catch((error: unknown) => {
          this.#deps.logger.error({ err: error, runId: run.id }, 'renewing a run lease failed');
        });
    }, renewEveryMs);
    try {
      const steps = new StepRunner(this.#deps.db, run.id, {
        signal: controller.signal,
        cancel: cancel.signal,
      });
      const output =
        run.kind === 'action'
          ? await this.#actionStep(run, steps, controller.signal)
          : await this.#flow(run, steps, controller.signal);
      if (controller.signal.aborted) return;
      await this.#finish(run, 'succeeded', { output });
    } catch (error) {
      if (controller.signal.aborted) {
        this.#deps.logger.warn(
          { runId: run.id, reason: String(controller.signal.reason) },
          'run execution stopped; it resumes after its lease expires',
        );
        return;
      }
      if (error instanceof Cancelled) {
        this.#deps.logger.info({ runId: run.id, before: error.beforeStep }, 'run cancelled');
        await this.#finish(run, 'cancelled', {});
        return;
      }
      if (error instanceof Suspend) {
        await this.#reschedule(run, 'waiting', error.resumeAt, null, { consumeAttempt: false });
        return;
      }
      await this.#failed(run, error);
    } finally {
      clearInterval(heartbeat);
      this.#controllers.delete(controller);
    }
  }

  #scope(run: RunRow): Scope {
    return {
      environmentId: run.environmentId,
      ...(run.tenant === null ? {} : { tenant: run.tenant }),
    };
  }

  async #actionStep(run: RunRow, steps: StepRunner, signal: AbortSignal): Promise<unknown> {
    const connectionId = run.connectionId;
    const action = run.action;
    if (!connectionId || !action)
      throw new JoineryError('internal', `run ${run.id} names no action`);
    return steps.step('action', 'action', run.input, (info) =>
      this.#deps.runAction(this.#scope(run), connectionId, action, run.input, {
        stepKey: `${run.id}:action`,
        uncertain: info.uncertain,
        signal,
      }),
    );
  }

  async #flow(run: RunRow, steps: StepRunner, signal: AbortSignal): Promise<unknown> {
    if (!run.flowId) throw new JoineryError('internal', `run ${run.id} names no flow`);
    const flow: FlowDefinition = await this.#deps.runs.flowDefinition(run.flowId);
    const scope: FlowScope = { trigger: run.input, steps: {} };
    let last: unknown = null;
    const execute = async (list: FlowStep[], into: FlowScope, prefix: string): Promise<void> => {
      for (const step of list) {
        if (signal.aborted) throw signal.reason;
        const key = `${prefix}${step.id}`;
        let output: unknown;
        switch (step.type) {
          case 'action': {
            const connectionId = step.connection.startsWith('=')
              ? String(await evaluate(step.connection.slice(1), into))
              : step.connection;
            const input = step.inputExpression
              ? await evaluate(step.inputExpression, into)
              : (step.input ?? {});
            output = await steps.step(
              key,
              'action',
              { connectionId, action: step.action, input },
              (info: StepInfo) =>
                this.#deps
                  .runAction(this.#scope(run), connectionId, step.action, input, {
                    stepKey: `${run.id}:${key}`,
                    uncertain: info.uncertain,
                    signal,
                  })
                  .catch((error: unknown) => {
                    const max = step.retry?.maxAttempts;
                    if (
                      max !== undefined &&
                      info.attempt >= max &&
                      isJoineryError(error) &&
                      error.retryable
                    )
                      throw new JoineryError(
                        error.code,
                        `${error.message} (step ${key} gave up after ${info.attempt} attempts)`,
                        { retryable: false, details: { ...error.details, exhausted: true } },
                      );
                    throw error;
                  }),
            );
            break;
          }
          case 'transform':
            output = await steps.step(key, 'transform', null, () =>
              evaluate(step.expression, into),
            );
            break;
          case 'condition': {
            const passed = await steps.step(key, 'condition', null, async () =>
              Boolean(await evaluate(step.if, into)),
            );
            await execute(passed ? step.then : (step.else ?? []), into, prefix);
            output = passed;
            break;
          }
          case 'forEach': {
            const items = await steps.step(key, 'forEach', null, async () => {
              const value = await evaluate(step.items, into);
              const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
              if (list.length > 1000)
                throw new JoineryError(
                  'invalid_input',
                  `step ${key}: items gave ${list.length} values; a for-each takes at most 1,000 (split the work into several runs)`,
                );
              return list as unknown[];
            });
            const results: unknown[] = [];
            for (const [index, item] of items.entries()) {
              const child: FlowScope = { ...into, steps: { ...into.steps }, item, index };
              await execute(step.steps, child, `${key}[${index}].`);
              const lastChild = step.steps.at(-1);
              results.push(lastChild ? child.steps[lastChild.id] : null);
            }
            output = results;
            break;
          }
          case 'wait':
            await steps.wait(key, step.seconds);
            output = null;
            break;
          case 'webhook': {
            const deps = this.#deps;
            if (!deps.emit)
              throw new JoineryError(
                'internal',
                `step ${key} calls the app's webhook, but this Joinery has no outgoing webhooks`,
              );
            const data = step.data ? await evaluate(step.data, into) : { steps: into.steps };
            output = await steps.step(
              key,
              'webhook',
              { event: step.event },
              () => Promise.resolve({ event: step.event }),
              async (tx) =>
                await deps.emit?.(tx, run.environmentId, {
                  type: step.event,
                  data: {
                    runId: run.id,
                    flowId: run.flowId,
                    ...(data !== null && typeof data === 'object' && !Array.isArray(data)
                      ? (data as Record<string, unknown>)
                      : { value: data }),
                  },
                }),
            );
            break;
          }
        }
        into.steps[step.id] = output;
        if (prefix === '') last = output;
      }
    };
    await execute(flow.steps, scope, '');
    return last;
  }

  /** Records the end of a run (only while this worker still holds it), with its event. */
  async #finish(
    run: RunRow,
    status: 'succeeded' | 'failed' | 'cancelled' | 'dead',
    result: { output?: unknown; error?: Record<string, unknown> },
  ): Promise<void> {
    const now = new Date();
    await this.#deps.db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const [row] = await tx
        .update(runs)
        .set({
          status,
          output: result.output ?? null,
          error: (result.error ?? null) as RunRow['error'],
          finishedAt: now,
          updatedAt: now,
          workerId: null,
          leaseUntil: null,
        })
        .where(
          and(
            eq(runs.id, run.id),
            eq(runs.workerId, this.workerId),
            status === 'cancelled' ? isNotNull(runs.cancelRequestedAt) : undefined,
          ),
        )
        .returning();
      if (!row) return; // Another worker took the run over after this one's lease expired.
      const view = toView(row);
      if (status === 'dead' && this.#deps.deadLetter)
        await this.#deps.deadLetter(tx, run.environmentId, view, result.error ?? {});
      if (status === 'succeeded' && run.trigger.type === 'replay')
        await this.#deps.resolveDeadLetter?.(tx, run.id);
      await this.#deps.emit?.(tx, run.environmentId, runEvent(view));
    });
  }

  /**
   * Puts the run back for a retry or a wait. A run whose cancellation was asked for (even after
   * the last lease renewal) is not put back: it ends as `cancelled` instead.
   */
  async #reschedule(
    run: RunRow,
    status: 'queued' | 'waiting',
    at: Date,
    error: Record<string, unknown> | null,
    options: { consumeAttempt: boolean },
  ): Promise<void> {
    const rescheduled = await this.#deps.db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const [row] = await tx
        .update(runs)
        .set({
          status,
          error: error as RunRow['error'],
          workerId: null,
          leaseUntil: null,
          updatedAt: new Date(),
          ...(options.consumeAttempt ? {} : { attempts: sql`${runs.attempts} - 1` }),
        })
        .where(
          and(
            eq(runs.id, run.id),
            eq(runs.workerId, this.workerId),
            isNull(runs.cancelRequestedAt),
          ),
        )
        .returning({ id: runs.id });
      if (row) await this.#deps.queue.enqueue(run.id, { tx, startAfter: at });
      return row !== undefined;
    });
    // Not ours any more (nothing to do: #finish changes nothing either), or cancelled meanwhile.
    if (!rescheduled) await this.#finish(run, 'cancelled', {});
  }

  async #failed(run: RunRow, error: unknown): Promise<void> {
    const failure = asJoineryError(error);
    if (!isJoineryError(error))
      this.#deps.logger.error({ err: error, runId: run.id }, 'a run failed on an unexpected error');
    const stored = storedError(failure);
    const age = Date.now() - run.createdAt.getTime();
    // Refused before sending (open circuit, throttled past the deadline): the provider never saw
    // the request, so waiting costs no attempt — queued work drains once the provider recovers.
    const free = failure.notSent && failure.retryable;
    if (failure.retryable && (free || run.attempts < run.maxAttempts) && age < this.#maxRunAgeMs) {
      const backoff = Math.min(
        this.#retryMaxMs,
        this.#retryBaseMs * 2 ** Math.max(0, run.attempts - 1),
      );
      const delay = failure.retryAfterMs ?? Math.random() * backoff;
      await this.#reschedule(run, 'queued', new Date(Date.now() + Math.max(delay, 10)), stored, {
        consumeAttempt: !free,
      });
      return;
    }
    // Retries exhausted, or a write whose effect is unknown: a dead letter keeps it for a person.
    const dead =
      failure.retryable ||
      failure.details?.uncertain === true ||
      failure.details?.exhausted === true;
    await this.#finish(run, dead ? 'dead' : 'failed', {
      error: {
        ...stored,
        ...(failure.retryable
          ? {
              message: `${stored.message} (gave up after ${run.attempts} attempt${run.attempts === 1 ? '' : 's'}${age >= this.#maxRunAgeMs ? ' and the maximum run age' : ''})`,
            }
          : {}),
      },
    });
  }
}

interface FlowScope {
  trigger: unknown;
  steps: Record<string, unknown>;
  item?: unknown;
  index?: number;
}

const compiled = new Map<string, ReturnType<typeof jsonata>>();

async function evaluate(expression: string, scope: FlowScope): Promise<unknown> {
  let program = compiled.get(expression);
  if (!program) {
    program = jsonata(expression);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(expression, program);
  }
  try {
    return (await program.evaluate(scope)) as unknown;
  } catch (error) {
    throw new JoineryError(
      'invalid_input',
      `the expression ${JSON.stringify(expression)} failed: ${(error as Error).message}`,
    );
  }
}
