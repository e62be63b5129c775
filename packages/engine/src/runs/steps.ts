import { and, eq } from 'drizzle-orm';
import { runSteps, type Database, type StoredRunError } from '@joinery/store';
import { JoineryError, isJoineryError, withoutReconnectLink } from '../errors.js';

/** Thrown to end an execution early: the run continues at `resumeAt` (a wait step). */
export class Suspend extends Error {
  constructor(readonly resumeAt: Date) {
    super(`run suspended until ${resumeAt.toISOString()}`);
  }
}

/** Thrown at a step boundary once the run's cancellation was asked for: no further step starts. */
export class Cancelled extends Error {
  constructor(readonly beforeStep: string) {
    super(`run cancelled before step ${beforeStep}`);
  }
}

/** What an execution knows of one of its run's steps: the stored row, kept up to date as it writes. */
interface KnownStep {
  status: string;
  output: unknown;
  attempts: number;
  resumeAt: Date | null;
}

export interface StepInfo {
  /**
   * A previous execution started this step and never recorded its end (its worker died): the
   * step's effect at the provider is unknown.
   */
  uncertain: boolean;
  /** Executions of this step so far, this one included. */
  attempt: number;
}

/** Any failure as a JoineryError: unknown throws become `internal`, with their message. */
export function asJoineryError(error: unknown): JoineryError {
  return isJoineryError(error)
    ? error
    : new JoineryError('internal', error instanceof Error ? error.message : String(error));
}

/**
 * A failure as runs keep it (in `runs`, `run_steps`, dead letters and `run.failed` events). A
 * reconnect link is a bearer credential for the tenant's Connect page: it is never stored —
 * `GET /v1/connections/{id}` gives a fresh one.
 */
export function storedError(error: unknown): StoredRunError {
  const { reconnectUrl, ...json } = asJoineryError(error).toJSON().error as StoredRunError & {
    reconnectUrl?: string;
  };
  json.message = withoutReconnectLink(json.message, reconnectUrl);
  return json;
}

export interface StepRunnerOptions {
  /** Aborted when this worker lost the run: it then writes nothing more to the run's steps. */
  signal?: AbortSignal;
  /** Aborted when the run's cancellation was asked for: the next step throws `Cancelled` instead of starting. */
  cancel?: AbortSignal;
}

/**
 * One run's steps, persisted as they start and end. A step that succeeded in an earlier execution
 * is not executed again: its stored output is returned. Positions follow the order in which an
 * execution meets the steps, which is deterministic for a given flow and trigger.
 *
 * The run's step rows are read once, when the execution meets its first step, and then kept up
 * to date by this runner's own writes: while the worker holds the run's lease nothing else writes
 * its steps, so a run of N steps costs one read, not N.
 */
export class StepRunner {
  readonly #db: Database;
  readonly #runId: string;
  readonly #signal: AbortSignal | undefined;
  readonly #cancel: AbortSignal | undefined;
  #position = 0;
  #known: Promise<Map<string, KnownStep>> | null = null;

  constructor(db: Database, runId: string, options: StepRunnerOptions = {}) {
    this.#db = db;
    this.#runId = runId;
    this.#signal = options.signal;
    this.#cancel = options.cancel;
  }

  /** The run's stored steps by key, read on first use. */
  #steps(): Promise<Map<string, KnownStep>> {
    this.#known ??= this.#db
      .select({
        key: runSteps.key,
        status: runSteps.status,
        output: runSteps.output,
        attempts: runSteps.attempts,
        resumeAt: runSteps.resumeAt,
      })
      .from(runSteps)
      .where(eq(runSteps.runId, this.#runId))
      .then((rows) => new Map(rows.map(({ key, ...step }) => [key, step])));
    return this.#known;
  }

  /** A step boundary: once cancellation was asked for, no further step starts. */
  #checkCancelled(key: string): void {
    if (this.#cancel?.aborted) throw new Cancelled(key);
  }

  /**
   * Runs `fn` as step `key` unless it already succeeded. `complete`, when given, runs in the
   * transaction that records the step's success (so an effect inside Joinery — an outgoing
   * webhook enqueued — commits exactly with the step).
   */
  async step<T>(
    key: string,
    type: string,
    input: unknown,
    fn: (info: StepInfo) => Promise<T>,
    complete?: (tx: Database, output: T) => Promise<void>,
  ): Promise<T> {
    this.#checkCancelled(key);
    const position = this.#position++;
    const known = await this.#steps();
    const existing = known.get(key);
    if (existing?.status === 'succeeded') return existing.output as T;
    const attempt = (existing?.attempts ?? 0) + 1;
    const startedAt = new Date();
    await this.#db
      .insert(runSteps)
      .values({
        runId: this.#runId,
        key,
        position,
        type,
        status: 'running',
        input: input ?? null,
        attempts: attempt,
        startedAt,
      })
      .onConflictDoUpdate({
        target: [runSteps.runId, runSteps.key],
        set: {
          status: 'running',
          input: input ?? null,
          attempts: attempt,
          error: null,
          startedAt,
          finishedAt: null,
        },
      });
    known.set(key, { status: 'running', output: null, attempts: attempt, resumeAt: null });
    let output: T;
    try {
      output = await fn({ uncertain: existing?.status === 'running', attempt });
    } catch (error) {
      if (error instanceof Suspend || this.#signal?.aborted) throw error;
      await this.#db
        .update(runSteps)
        .set({ status: 'failed', error: storedError(error), finishedAt: new Date() })
        .where(and(eq(runSteps.runId, this.#runId), eq(runSteps.key, key)));
      known.set(key, { status: 'failed', output: null, attempts: attempt, resumeAt: null });
      throw error;
    }
    await this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      await tx
        .update(runSteps)
        .set({ status: 'succeeded', output: output ?? null, finishedAt: new Date() })
        .where(and(eq(runSteps.runId, this.#runId), eq(runSteps.key, key)));
      if (complete) await complete(tx, output);
    });
    known.set(key, {
      status: 'succeeded',
      output: output ?? null,
      attempts: attempt,
      resumeAt: null,
    });
    return output;
  }

  /** A wait step: the first execution records when to resume and suspends the run until then. */
  async wait(key: string, seconds: number, now = new Date()): Promise<void> {
    this.#checkCancelled(key);
    const position = this.#position++;
    const known = await this.#steps();
    const existing = known.get(key);
    if (existing?.status === 'succeeded') return;
    if (existing?.resumeAt) {
      if (existing.resumeAt.getTime() > now.getTime()) throw new Suspend(existing.resumeAt);
      await this.#db
        .update(runSteps)
        .set({ status: 'succeeded', finishedAt: now })
        .where(and(eq(runSteps.runId, this.#runId), eq(runSteps.key, key)));
      known.set(key, { ...existing, status: 'succeeded', output: null });
      return;
    }
    const resumeAt = new Date(now.getTime() + seconds * 1000);
    await this.#db
      .insert(runSteps)
      .values({
        runId: this.#runId,
        key,
        position,
        type: 'wait',
        status: 'waiting',
        input: { seconds },
        attempts: 1,
        startedAt: now,
        resumeAt,
      })
      .onConflictDoNothing();
    known.set(key, { status: 'waiting', output: null, attempts: 1, resumeAt });
    throw new Suspend(resumeAt);
  }
}
