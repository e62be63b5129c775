import { and, eq } from 'drizzle-orm';
import { openStore, runSteps, type Database, type Store } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoineryError } from '../errors.js';
import { Cancelled, StepRunner, Suspend, type StepInfo } from './steps.js';

/*
 * The step runner on a real embedded store: completed steps are replayed, never executed again;
 * the run's steps are read once per execution; cancellation stops at a step boundary.
 */
describe('StepRunner', () => {
  let store: Store;
  let selects = 0;
  /** The store's database, counting the SELECTs the runner makes on it. */
  let db: Database;

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: null });
    db = new Proxy(store.db, {
      get(target, property, receiver) {
        if (property === 'select') selects++;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  const stored = (runId: string) =>
    store.db.select().from(runSteps).where(eq(runSteps.runId, runId)).orderBy(runSteps.position);

  it("reads the run's steps once per execution, however many steps it runs", async () => {
    const first = new StepRunner(db, 'run_many');
    selects = 0;
    for (let i = 0; i < 20; i++)
      await first.step(`s${i}`, 'transform', null, () => Promise.resolve(i * 2));
    expect(selects).toBe(1);
    // A resumed execution: one read again, and every completed step replayed from it.
    const resumed = new StepRunner(db, 'run_many');
    selects = 0;
    const outputs: number[] = [];
    for (let i = 0; i < 20; i++)
      outputs.push(
        await resumed.step(`s${i}`, 'transform', null, () => {
          throw new Error(`step s${i} was executed again`);
        }),
      );
    expect(selects).toBe(1);
    expect(outputs).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(await stored('run_many')).toHaveLength(20);
  });

  it('replays completed steps, and executes a failed or interrupted one again with its attempt', async () => {
    const first = new StepRunner(db, 'run_resume');
    expect(await first.step('a', 'transform', null, () => Promise.resolve({ id: 1 }))).toEqual({
      id: 1,
    });
    await expect(
      first.step('b', 'action', { x: 1 }, () =>
        Promise.reject(new JoineryError('provider_unavailable', 'the provider answered 503')),
      ),
    ).rejects.toMatchObject({ code: 'provider_unavailable' });
    // A worker that died while step c was in flight left it `running`.
    await store.db.insert(runSteps).values({
      runId: 'run_resume',
      key: 'c',
      position: 2,
      type: 'action',
      status: 'running',
      attempts: 1,
      startedAt: new Date(),
    });

    const second = new StepRunner(db, 'run_resume');
    const seen: Record<string, StepInfo> = {};
    const executed: string[] = [];
    const run = (key: string) =>
      second.step(key, 'action', null, (info) => {
        executed.push(key);
        seen[key] = info;
        return Promise.resolve(`${key}-done`);
      });
    expect(await run('a')).toEqual({ id: 1 });
    expect(await run('b')).toBe('b-done');
    expect(await run('c')).toBe('c-done');
    expect(await run('d')).toBe('d-done');
    expect(executed).toEqual(['b', 'c', 'd']);
    expect(seen.b).toEqual({ uncertain: false, attempt: 2 });
    expect(seen.c).toEqual({ uncertain: true, attempt: 2 });
    expect(seen.d).toEqual({ uncertain: false, attempt: 1 });
    const rows = await stored('run_resume');
    expect(rows.map((r) => [r.key, r.status, r.attempts])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 2],
      ['c', 'succeeded', 2],
      ['d', 'succeeded', 1],
    ]);
    expect(rows[1]?.error).toBeNull();

    // The same runner keeps its knowledge current: a step it completed is not executed again.
    expect(await run('d')).toBe('d-done');
    expect(executed).toEqual(['b', 'c', 'd']);
  });

  it('suspends on a wait until it is due, then completes it once', async () => {
    const now = new Date();
    const first = new StepRunner(db, 'run_wait');
    await first.step('before', 'transform', null, () => Promise.resolve(1));
    const suspended = await first.wait('pause', 60, now).catch((error: unknown) => error);
    expect(suspended).toBeInstanceOf(Suspend);
    expect((suspended as Suspend).resumeAt.getTime()).toBe(now.getTime() + 60_000);

    // Resumed too early (a job fetched before its time): suspended again, to the same instant.
    const early = await new StepRunner(db, 'run_wait')
      .wait('pause', 60, new Date(now.getTime() + 1_000))
      .catch((error: unknown) => error);
    expect((early as Suspend).resumeAt.getTime()).toBe(now.getTime() + 60_000);

    const due = new StepRunner(db, 'run_wait');
    selects = 0;
    expect(await due.step('before', 'transform', null, () => Promise.resolve(2))).toBe(1);
    await due.wait('pause', 60, new Date(now.getTime() + 61_000));
    await due.wait('pause', 60, new Date(now.getTime() + 61_000));
    expect(selects).toBe(1);
    const [, pause] = await stored('run_wait');
    expect(pause).toMatchObject({ key: 'pause', status: 'succeeded' });
  });

  it('stops at the next step boundary once cancelled: the step in flight completes and is recorded', async () => {
    const cancel = new AbortController();
    const runner = new StepRunner(db, 'run_cancel', { cancel: cancel.signal });
    const output = await runner.step('first', 'action', null, () => {
      cancel.abort(); // the worker learns of the cancellation while this step is in flight
      return Promise.resolve('sent');
    });
    expect(output).toBe('sent');
    let executed = false;
    const stopped = await runner
      .step('second', 'action', null, () => {
        executed = true;
        return Promise.resolve('never');
      })
      .catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(Cancelled);
    expect(executed).toBe(false);
    await expect(runner.wait('pause', 1)).rejects.toBeInstanceOf(Cancelled);
    const rows = await store.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.runId, 'run_cancel')));
    expect(rows.map((r) => [r.key, r.status, r.output])).toEqual([['first', 'succeeded', 'sent']]);
  });
});
