import PgBoss from 'pg-boss';
import { sqlExecutor, transactionExecutor, type Database } from '@joinery/store';
import type { Logger } from 'pino';

/** The pg-boss queue that carries "execute run X" jobs. */
export const RUN_QUEUE = 'joinery-runs';

/** The part of a Drizzle transaction a job is enqueued through. */
export type Transaction = Pick<Database, 'execute'>;

export interface RunJob {
  id: string;
  runId: string;
}

/**
 * pg-boss on the store's own connection (PGlite's single one, or the PostgreSQL pool). A job only
 * says "execute run X"; the `runs` row is the source of truth. Jobs are enqueued in the same
 * transaction as the run row, fetched by workers with `SKIP LOCKED`, and completed once the run's
 * state is saved. A run's own retries are scheduled as new jobs by the run executor, and a run
 * whose worker died mid-run is re-enqueued when its lease expires.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  #started: Promise<void> | null = null;
  #ready = false;

  readonly #expireInSeconds: number;

  /**
   * `leaseMs` is how long a worker holds a run without renewing its lease. A job fetched by a
   * worker that died before claiming its run expires after two leases and is fetched again, so a
   * run is never stranded in the queue; an extra fetch of a job whose run is already claimed
   * changes nothing.
   */
  constructor(db: Database, logger: Logger, options: { leaseMs: number }) {
    this.#expireInSeconds = Math.max(2, Math.ceil((2 * options.leaseMs) / 1000));
    this.#boss = new PgBoss({
      db: sqlExecutor(db),
      // Cron schedules are Joinery's own (flow_schedules); pg-boss's supervisor expires jobs
      // whose worker died and archives old ones.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: Math.max(1, Math.ceil(options.leaseMs / 1000)),
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 7,
    });
    this.#boss.on('error', (error: Error) => {
      logger.error({ err: error }, 'job queue error');
    });
  }

  /** Creates pg-boss's schema (first start) and the run queue; safe to call from every process. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await this.#boss.start();
      const queue = await this.#boss.getQueue(RUN_QUEUE);
      if (!queue) {
        await this.#boss
          .createQueue(RUN_QUEUE, {
            name: RUN_QUEUE,
            // An expired job goes back to the queue; retries of a run itself are new jobs.
            retryLimit: 1_000_000,
            retryDelay: 0,
          })
          .catch(async (error: unknown) => {
            // Another process created it between the check and the create.
            if (!(await this.#boss.getQueue(RUN_QUEUE))) throw error;
          });
      }
      this.#ready = true;
    })();
    return this.#started;
  }

  /** Enqueues a run inside `tx` (the transaction that wrote the run row), or on its own. */
  async enqueue(
    runId: string,
    options: { tx?: Transaction; startAfter?: Date } = {},
  ): Promise<void> {
    // Starting needs connections of its own: inside a transaction that would wait on the
    // transaction's connection (PGlite) or on a pool the transactions hold (PostgreSQL).
    if (options.tx && !this.#ready)
      throw new Error(
        'the job queue must be started (JobQueue.start) before enqueueing in a transaction',
      );
    await this.start();
    const id = await this.#boss.send(
      RUN_QUEUE,
      { runId },
      {
        expireInSeconds: this.#expireInSeconds,
        ...(options.tx ? { db: transactionExecutor(options.tx) } : {}),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      },
    );
    if (id === null) throw new Error(`the job queue refused run ${runId}`);
  }

  async fetch(max: number): Promise<RunJob[]> {
    await this.start();
    const jobs = await this.#boss.fetch<{ runId: string }>(RUN_QUEUE, { batchSize: max });
    return jobs.map((job) => ({ id: job.id, runId: job.data.runId }));
  }

  async complete(jobId: string): Promise<void> {
    await this.#boss.complete(RUN_QUEUE, jobId);
  }

  /** Jobs waiting to start (created or retry), for the queue-depth metric. */
  async depth(): Promise<number> {
    await this.start();
    return this.#boss.getQueueSize(RUN_QUEUE);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    await this.#started.catch(() => undefined);
    await this.#boss.stop({ graceful: false, wait: true, close: false });
  }
}
