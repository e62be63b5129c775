import { eq, inArray } from 'drizzle-orm';
import {
  createTestDatabase,
  deadLetters,
  openStore,
  runSteps,
  runs,
  type Store,
  type TestDatabase,
} from '@joinery/store';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JoineryError } from '../errors.js';
import { RunExecutor } from './executor.js';
import { JobQueue } from './job-queue.js';
import { Runs } from './runs.js';

const logger = pino({ level: 'silent' });
const DAY = 86_400_000;

/*
 * Retention: runs that ended before the cutoff go with their steps, in bounded batches, by the
 * worker's background loop; unfinished runs, recent ones and runs a dead letter holds stay.
 * Rows are backdated directly in the store.
 */
describe.each(['pglite', 'postgres'] as const)('run retention (%s)', (backend) => {
  let database: TestDatabase | null = null;
  let store: Store;
  let queue: JobQueue;
  let subject: Runs;

  beforeAll(async () => {
    if (backend === 'postgres') database = await createTestDatabase();
    store = await openStore(
      database ? { kind: 'postgres', url: database.url } : { kind: 'pglite', dataDir: null },
    );
    queue = new JobQueue(store.db, logger, { leaseMs: 5_000 });
    await queue.start();
    subject = new Runs(store.db, queue);
  });
  afterAll(async () => {
    await queue?.stop();
    await store?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await store.db.delete(runSteps);
    await store.db.delete(runs);
    await store.db.delete(deadLetters);
  });

  /** A run that ended (or not, with `endedDaysAgo` null) that long ago, with two steps. */
  async function backdated(id: string, status: string, endedDaysAgo: number | null) {
    const created = new Date(Date.now() - ((endedDaysAgo ?? 60) + 1) * DAY);
    await store.db.insert(runs).values({
      id,
      environmentId: 'env_default',
      kind: 'flow',
      status,
      flowId: 'flow_1',
      trigger: { type: 'api' },
      input: {},
      maxAttempts: 8,
      createdAt: created,
      updatedAt: created,
      finishedAt: endedDaysAgo === null ? null : new Date(Date.now() - endedDaysAgo * DAY),
    });
    await store.db.insert(runSteps).values(
      ['a', 'b'].map((key, position) => ({
        runId: id,
        key,
        position,
        type: 'transform',
        status: 'succeeded',
        attempts: 1,
        startedAt: created,
      })),
    );
  }

  const remaining = async () =>
    (await store.db.select({ id: runs.id }).from(runs)).map((r) => r.id).sort();
  const stepsOf = async (ids: string[]) =>
    (await store.db.select().from(runSteps).where(inArray(runSteps.runId, ids))).length;

  it('deletes runs that ended before the cutoff with their steps, and keeps the rest', async () => {
    await backdated('run_old_succeeded', 'succeeded', 40);
    await backdated('run_old_failed', 'failed', 35);
    await backdated('run_old_cancelled', 'cancelled', 31);
    await backdated('run_old_dead_gone', 'dead', 45);
    await backdated('run_old_dead_held', 'dead', 50);
    await store.db.insert(deadLetters).values({
      id: 'dlq_1',
      environmentId: 'env_default',
      kind: 'run',
      refId: 'run_old_dead_held',
      reason: 'flow flow_1 gave up',
    });
    // A delivery's dead letter with the same id as a run does not hold the run.
    await store.db.insert(deadLetters).values({
      id: 'dlq_2',
      environmentId: 'env_default',
      kind: 'delivery',
      refId: 'run_old_dead_gone',
      reason: 'endpoint gone',
    });
    await backdated('run_recent', 'succeeded', 29);
    await backdated('run_old_queued', 'queued', null);
    await backdated('run_old_waiting', 'waiting', null);
    await backdated('run_old_running', 'running', null);

    const pass = await subject.prune(new Date(Date.now() - 30 * DAY));

    expect(pass).toEqual({ deleted: 4, more: false });
    expect(await remaining()).toEqual([
      'run_old_dead_held',
      'run_old_queued',
      'run_old_running',
      'run_old_waiting',
      'run_recent',
    ]);
    expect(
      await stepsOf([
        'run_old_succeeded',
        'run_old_failed',
        'run_old_cancelled',
        'run_old_dead_gone',
      ]),
    ).toBe(0);
    expect(await stepsOf(['run_old_dead_held', 'run_recent', 'run_old_queued'])).toBe(6);
  });

  it('works in bounded batches, oldest first', async () => {
    for (let i = 0; i < 7; i++) await backdated(`run_${i}`, 'succeeded', 31 + i);
    const cutoff = new Date(Date.now() - 30 * DAY);

    expect(await subject.prune(cutoff, { batchSize: 2, maxBatches: 2 })).toEqual({
      deleted: 4,
      more: true,
    });
    // The four that ended longest ago went first.
    expect(await remaining()).toEqual(['run_0', 'run_1', 'run_2']);
    expect(await subject.prune(cutoff, { batchSize: 2, maxBatches: 10 })).toEqual({
      deleted: 3,
      more: false,
    });
    expect(await remaining()).toEqual([]);
    expect(await subject.prune(cutoff, { batchSize: 2 })).toEqual({ deleted: 0, more: false });
  });

  it("is run by the worker's background loop with its retention, and never with 0", async () => {
    await backdated('run_expired', 'succeeded', 31);
    await backdated('run_kept', 'failed', 10);
    const executor = (retentionDays: number) =>
      new RunExecutor(
        {
          db: store.db,
          queue,
          runs: subject,
          logger,
          runAction: () => Promise.reject(new JoineryError('internal', 'no actions here')),
        },
        { retentionDays, tickMs: 50, pollMs: 50 },
      );

    const keeping = executor(0);
    keeping.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await keeping.stop();
    expect(await remaining()).toEqual(['run_expired', 'run_kept']);

    const pruning = executor(30);
    pruning.start();
    const deadline = Date.now() + 10_000;
    while ((await remaining()).includes('run_expired') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await pruning.stop();
    expect(await remaining()).toEqual(['run_kept']);
    expect(
      await store.db.select().from(runSteps).where(eq(runSteps.runId, 'run_expired')),
    ).toHaveLength(0);
  });

  it('continues at the next tick while a pass leaves runs past retention behind', async () => {
    for (let i = 0; i < 5; i++) await backdated(`run_${i}`, 'cancelled', 31 + i);
    // One run per pass: only continuing at the next tick, not after the 60 s interval, clears them.
    const onePerPass = new Proxy(subject, {
      get(target, property) {
        if (property === 'prune')
          return (before: Date, options: { signal?: AbortSignal }) =>
            target.prune(before, { ...options, batchSize: 1, maxBatches: 1 });
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const executor = new RunExecutor(
      {
        db: store.db,
        queue,
        runs: onePerPass,
        logger,
        runAction: () => Promise.reject(new JoineryError('internal', 'no actions here')),
      },
      { retentionDays: 30, tickMs: 50, pollMs: 50, pruneIntervalMs: 60_000 },
    );
    executor.start();
    const deadline = Date.now() + 10_000;
    while ((await remaining()).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await executor.stop();
    expect(await remaining()).toEqual([]);
  });

  it('refuses a negative retention', () => {
    expect(
      () =>
        new RunExecutor(
          {
            db: store.db,
            queue,
            runs: subject,
            logger,
            runAction: () => Promise.reject(new JoineryError('internal', 'unused')),
          },
          { retentionDays: -1 },
        ),
    ).toThrow(/retentionDays must be 0/);
  });
});
