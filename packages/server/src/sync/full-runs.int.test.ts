import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { connectSandbox, generateContacts } from './sandbox-connections.js';

const COUNT = 200;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Scheduled full runs (`fullFrequency`): Joinery (PGlite and PostgreSQL) against the HubSpot
 * sandbox's generated contacts. The scheduler is driven by `tick(at)`, deciding as hours or days
 * from now, so nothing waits for a frequency to pass.
 */
describe.each(BACKENDS)('scheduled full runs on %s', (backend) => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let connectionId: string;
  let syncId: string;
  const scope = { environmentId: 'env_default' };
  const listPath = '/crm/v3/objects/contacts';

  const generate = (body: Record<string, unknown>) => generateContacts(sandbox, body);
  /** One scheduler pass as at `Date.now() + aheadMs`; answers the run it started. */
  const tickAhead = async (aheadMs: number) => {
    const engine = joinery.running.engine;
    const before = (await engine.syncs.runs(scope, syncId))[0];
    await engine.syncs.tick(new Date(Date.now() + aheadMs));
    await engine.syncs.settled(syncId);
    const latest = (await engine.syncs.runs(scope, syncId))[0];
    expect(latest, 'the scheduler started no run').toBeDefined();
    // A new run, or one more attempt of a stopped one.
    expect(latest?.id !== before?.id || latest?.attempts !== before?.attempts).toBe(true);
    return latest as NonNullable<typeof latest>;
  };
  const view = async () => {
    const answer = await joinery.api('GET', `/v1/syncs/${syncId}`);
    expect(answer.status).toBe(200);
    return answer.body as {
      fullFrequencySeconds: number | null;
      lastFullRunAt: string | null;
      fullRunDueAt: string | null;
      frequencySeconds: number;
      nextRunAt: string;
      createdAt: string;
    };
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    joinery = await startTestJoinery(backend, {
      syncSchedulerIntervalMs: 3_600_000,
      syncs: { batchSize: 100 },
      resilience: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } },
    });
    connectionId = await connectSandbox(joinery, sandbox, 'hubspot', { key: 'hs', rateLimits: [] });
    await generate({ count: COUNT });
  }, 60_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it('takes a full frequency from 1 hour to 90 days, and changes it with PATCH', async () => {
    for (const fullFrequency of ['often', '30m', '91d', 59]) {
      const bad = await joinery.api('POST', '/v1/syncs', {
        connection: connectionId,
        sync: 'contacts',
        fullFrequency,
      });
      expect(bad.status, String(fullFrequency)).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_input', path: 'body.fullFrequency' });
      expect(bad.body.error.message).toContain('from 1 hour to 90 days');
    }
    const created = await joinery.api('POST', '/v1/syncs', {
      connection: connectionId,
      sync: 'contacts',
      frequency: '1h',
      fullFrequency: '1d',
    });
    expect(created.status).toBe(201);
    syncId = created.body.id as string;
    // No full run has succeeded yet: due since creation (the first run is full anyway).
    expect(created.body).toMatchObject({
      frequencySeconds: 3600,
      fullFrequencySeconds: 86_400,
      lastFullRunAt: null,
      fullRunDueAt: created.body.createdAt,
    });

    const unknown = await joinery.api('PATCH', '/v1/syncs/sync_unknown', { fullFrequency: '1d' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('no sync "sync_unknown"');
    const empty = await joinery.api('PATCH', `/v1/syncs/${syncId}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('nothing to change');
    const badFull = await joinery.api('PATCH', `/v1/syncs/${syncId}`, { fullFrequency: 'weekly' });
    expect(badFull.status).toBe(400);
    expect(badFull.body.error.path).toBe('body.fullFrequency');
    const badFrequency = await joinery.api('PATCH', `/v1/syncs/${syncId}`, { frequency: 5 });
    expect(badFrequency.status).toBe(400);
    expect(badFrequency.body.error.path).toBe('body.frequency');
    // Nothing was changed by the refused requests.
    expect(await view()).toMatchObject({ frequencySeconds: 3600, fullFrequencySeconds: 86_400 });

    const none = await joinery.api('PATCH', `/v1/syncs/${syncId}`, { fullFrequency: null });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ fullFrequencySeconds: null, fullRunDueAt: null });
    const changed = await joinery.api('PATCH', `/v1/syncs/${syncId}`, {
      frequency: '2h',
      fullFrequency: '1d',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ frequencySeconds: 7200, fullFrequencySeconds: 86_400 });
    // Due at creation: a longer frequency does not push the next run back.
    expect(changed.body.nextRunAt).toBe(created.body.nextRunAt);
    expect(
      (await joinery.api('PATCH', `/v1/syncs/${syncId}`, { frequency: 3600 })).body,
    ).toMatchObject({ frequencySeconds: 3600 });
  });

  it('the scheduler runs incrementally until the full run is due, then fully, detecting deletions', async () => {
    const first = await tickAhead(0);
    expect(first).toMatchObject({ kind: 'full', status: 'succeeded', records: { added: COUNT } });
    const afterFirst = await view();
    expect(afterFirst.lastFullRunAt).toBe(first.finishedAt);
    expect(afterFirst.fullRunDueAt).toBe(
      new Date(Date.parse(first.finishedAt as string) + DAY).toISOString(),
    );

    // 10 % deleted for good at the provider (not even in its archived list), 10 % changed:
    // incremental runs see the changes only.
    await generate({ count: COUNT, changedFraction: 0.1, deletedFraction: 0.1, purged: true });
    const incremental = await tickAhead(2 * HOUR);
    expect(incremental).toMatchObject({
      kind: 'incremental',
      status: 'succeeded',
      records: { updated: COUNT * 0.1, deleted: 0 },
    });
    expect((await view()).lastFullRunAt).toBe(first.finishedAt);

    // Two days on, the full run is due: the scheduler's run is full and finds the deletions.
    const full = await tickAhead(2 * DAY);
    expect(full).toMatchObject({
      kind: 'full',
      status: 'succeeded',
      records: { seen: COUNT * 0.9, added: 0, updated: 0, deleted: COUNT * 0.1 },
    });
    expect((await view()).lastFullRunAt).toBe(full.finishedAt);
    const stream = await joinery.api(
      'GET',
      `/v1/records?model=Contact&connection=${connectionId}&cursor=${full.changes?.from}`,
    );
    expect(stream.body.changes).toHaveLength(COUNT * 0.1);
    expect(
      (stream.body.changes as { op: string }[]).every((change) => change.op === 'deleted'),
    ).toBe(true);
  });

  it('a failed full run stays the pending full run until one succeeds, resumed or started anew', async () => {
    const lastFull = (await view()).lastFullRunAt;
    expect(lastFull).not.toBeNull();
    const fail = () =>
      sandbox.faults.add({
        path: listPath,
        provider: 'hubspot',
        fault: { kind: 'status', status: 503 },
        times: Infinity,
      });

    fail();
    const failed = await tickAhead(4 * DAY);
    sandbox.faults.clear();
    expect(failed).toMatchObject({ kind: 'full', status: 'failed' });
    // A failed full run does not reset the clock.
    expect((await view()).lastFullRunAt).toBe(lastFull);

    // An incremental run asked for in between drops the failed run's position, not the due full run.
    const manual = await joinery.running.engine.syncs.runNow(scope, syncId, { full: false });
    expect(manual).toMatchObject({ kind: 'incremental', status: 'succeeded' });
    expect(manual.id).not.toBe(failed.id);
    expect((await view()).lastFullRunAt).toBe(lastFull);

    fail();
    const again = await tickAhead(4 * DAY);
    sandbox.faults.clear();
    expect(again).toMatchObject({ kind: 'full', status: 'failed', attempts: 1 });
    expect(again.id).not.toBe(failed.id);
    expect((await view()).lastFullRunAt).toBe(lastFull);

    // The next scheduled run resumes it; its success is what resets the clock.
    const resumed = await tickAhead(4 * DAY);
    expect(resumed).toMatchObject({
      id: again.id,
      kind: 'full',
      status: 'succeeded',
      attempts: 2,
      records: { seen: COUNT * 0.9 },
    });
    const after = await view();
    expect(after.lastFullRunAt).toBe(resumed.finishedAt);
    expect(Date.parse(after.lastFullRunAt as string)).toBeGreaterThan(Date.parse(lastFull ?? ''));

    // Not due again for a day: the next scheduled run is incremental.
    expect((await tickAhead(2 * HOUR)).kind).toBe('incremental');
  }, 60_000);

  it('a full run asked for counts as the full run', async () => {
    const before = (await view()).lastFullRunAt;
    const manual = await joinery.api('POST', `/v1/syncs/${syncId}/runs`, { full: true });
    expect(manual.status).toBe(202);
    await joinery.running.engine.syncs.settled(syncId);
    const run = (await joinery.running.engine.syncs.runs(scope, syncId))[0];
    expect(run).toMatchObject({ id: manual.body.id, kind: 'full', status: 'succeeded' });
    const after = await view();
    expect(after.lastFullRunAt).toBe(run?.finishedAt);
    expect(after.lastFullRunAt).not.toBe(before);
    expect(after.fullRunDueAt).toBe(
      new Date(Date.parse(run?.finishedAt as string) + DAY).toISOString(),
    );
  });
});
