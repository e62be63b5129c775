import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SALESFORCE_DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { connectSandbox, generateContacts } from './sandbox-connections.js';

const COUNT = 2_500;

/**
 * Syncs end to end: Joinery (PGlite and PostgreSQL) against the HubSpot sandbox's generated
 * contacts — full runs, incremental runs from the checkpoint, deletion detection only after a
 * completed full run, resume from the last stored batch, and the change stream's cursor.
 */
describe.each(BACKENDS)('syncs on %s', (backend) => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let connectionId: string;
  let syncId: string;
  /** Outgoing webhooks Joinery sent to the app, as parsed bodies. */
  const events: { type: string; data: Record<string, unknown> }[] = [];
  let receiver: Server;

  const generate = (body: Record<string, unknown>) => generateContacts(sandbox, body);
  const runNow = (full?: boolean) =>
    joinery.running.engine.syncs.runNow(
      { environmentId: 'env_default' },
      syncId,
      full === undefined ? {} : { full },
    );
  /** Every change after `cursor`, following `nextCursor` page by page. */
  const readStream = async (cursor: string | undefined, limit = 1000) => {
    const changes: {
      op: string;
      id: string;
      record: Record<string, unknown> & { custom?: Record<string, unknown> };
    }[] = [];
    let next = cursor;
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({
        model: 'Contact',
        connection: connectionId,
        limit: String(limit),
      });
      if (next !== undefined) query.set('cursor', next);
      const answer = await joinery.api('GET', `/v1/records?${query.toString()}`);
      expect(answer.status).toBe(200);
      changes.push(...answer.body.changes);
      next = answer.body.nextCursor as string;
      if (!answer.body.hasMore) break;
    }
    return { changes, cursor: next as string };
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        events.push(JSON.parse(body) as { type: string; data: Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sandbox = await startSandbox();
    joinery = await startTestJoinery(backend, {
      syncSchedulerIntervalMs: 3_600_000,
      syncs: { batchSize: 300 },
      resilience: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } },
    });
    // A sandbox account without HubSpot's 100-per-10-s limit, to keep the test short.
    connectionId = await connectSandbox(joinery, sandbox, 'hubspot', { key: 'hs', rateLimits: [] });
    // The tenant maps a property the built-in mapping does not read: the sync must ask for it.
    const overrides = await joinery.api(
      'PUT',
      `/v1/connections/${connectionId}/mapping-overrides`,
      {
        overrides: {
          'hubspot.contacts': {
            rules: [{ field: 'custom.objectId', source: 'properties.hs_object_id' }],
          },
        },
      },
    );
    expect(overrides.status).toBe(200);
    await generate({ count: COUNT });
    const endpoint = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      events: ['sync.*'],
      allowPrivateNetwork: true,
    });
    expect(endpoint.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  /** Waits for an outgoing webhook of `type` about run `runId`. */
  const eventFor = async (type: string, runId: string) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find((event) => event.type === type && event.data.runId === runId);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no ${type} webhook for run ${runId}; got ${JSON.stringify(events)}`);
  };

  let cursorAfterFull: string;

  it('creates a sync and refuses a second one for the same model or an unknown sync', async () => {
    const created = await joinery.api('POST', '/v1/syncs', {
      connection: connectionId,
      sync: 'contacts',
      frequency: '1h',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'contacts',
      model: 'Contact',
      frequencySeconds: 3600,
    });
    syncId = created.body.id as string;
    const again = await joinery.api('POST', '/v1/syncs', {
      connection: connectionId,
      sync: 'contacts',
    });
    expect(again.status).toBe(409);
    const unknown = await joinery.api('POST', '/v1/syncs', {
      connection: connectionId,
      sync: 'deals',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('contacts');
    const badFrequency = await joinery.api('POST', '/v1/syncs', {
      connection: connectionId,
      sync: 'contacts',
      frequency: 'often',
    });
    expect(badFrequency.status).toBe(400);
    expect(badFrequency.body.error.path).toBe('body.frequency');
  });

  it('a first run is full: every record added once, in the change stream in pages', async () => {
    const run = await runNow();
    expect(run).toMatchObject({
      kind: 'full',
      status: 'succeeded',
      records: { seen: COUNT, added: COUNT, updated: 0, deleted: 0 },
      pages: COUNT / 100,
    });
    const stream = await readStream(undefined, 1000);
    expect(stream.changes).toHaveLength(COUNT);
    expect(new Set(stream.changes.map((change) => change.id)).size).toBe(COUNT);
    expect(stream.changes.every((change) => change.op === 'added')).toBe(true);
    // Stored as the unified Contact, through HubSpot's `contacts` mapping and the tenant's
    // override, whose property the list request asked for.
    expect(stream.changes[0]?.record).toMatchObject({
      id: '1',
      email: 'contact1@example.com',
      firstName: 'First1',
      jobTitle: 'Engineer',
      custom: { objectId: '1' },
    });
    expect(stream.changes.every((change) => change.record.custom?.objectId === change.id)).toBe(
      true,
    );
    cursorAfterFull = stream.cursor;
    // The app hears of it: counts and the change cursor range, not the records.
    const event = await eventFor('sync.changes', run.id);
    expect(event.data).toMatchObject({
      syncId,
      connectionId,
      model: 'Contact',
      kind: 'full',
      added: COUNT,
      updated: 0,
      deleted: 0,
      cursor: run.changes,
    });
    expect(JSON.stringify(event)).not.toContain('contact1@example.com');
    const view = await joinery.api('GET', `/v1/syncs/${syncId}`);
    expect(view.body.checkpoint).toBe(
      new Date(Date.UTC(2024, 0, 1) + (COUNT - 1) * 1000).toISOString(),
    );
    expect(view.body.latestRun.recordsPerSecond).toBeGreaterThan(0);
  });

  it('a full run over unchanged records changes nothing', async () => {
    const run = await runNow(true);
    expect(run).toMatchObject({
      kind: 'full',
      status: 'succeeded',
      records: { seen: COUNT, added: 0, updated: 0, deleted: 0 },
      changes: null,
    });
    expect((await readStream(cursorAfterFull)).changes).toEqual([]);
  });

  it('an incremental run reads only what changed since the checkpoint', async () => {
    await generate({ count: COUNT, changedFraction: 0.01 });
    const searchesBefore = sandbox.count('POST', '/hubspot/crm/v3/objects/contacts/search');
    const run = await runNow();
    expect(run.kind).toBe('incremental');
    expect(run.status).toBe('succeeded');
    // The 25 changed contacts (the one at the checkpoint is among them).
    expect(run.records).toMatchObject({ seen: 25, added: 0, updated: 25, deleted: 0 });
    expect(sandbox.count('POST', '/hubspot/crm/v3/objects/contacts/search') - searchesBefore).toBe(
      1,
    );
    const stream = await readStream(cursorAfterFull);
    expect(stream.changes).toHaveLength(25);
    expect(stream.changes.every((change) => change.op === 'updated')).toBe(true);
    expect(stream.changes[0]?.record.jobTitle).toBe('Engineer (changed)');
    // The search asked for the override's property too.
    expect(stream.changes.every((change) => change.record.custom?.objectId === change.id)).toBe(
      true,
    );
    cursorAfterFull = stream.cursor;
  });

  it('a full run that fails mid-way applies no deletions, is never a success, and resumes', async () => {
    // 2 % deleted; the 1 % changed before are changed again (a new modification time).
    await generate({ count: COUNT, changedFraction: 0.01, deletedFraction: 0.02 });
    const listPath = '/crm/v3/objects/contacts';
    sandbox.faults.add({
      path: listPath,
      provider: 'hubspot',
      fault: { kind: 'latency', ms: 20 },
      times: Infinity,
    });
    const started = await joinery.running.engine.syncs.trigger(
      { environmentId: 'env_default' },
      syncId,
      { full: true },
    );
    // Let a few batches be stored, then make every page fail.
    for (let i = 0; i < 200; i++) {
      const view = await joinery.running.engine.syncs.get({ environmentId: 'env_default' }, syncId);
      if ((view.latestRun?.pages ?? 0) >= 6) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sandbox.faults.clear();
    sandbox.faults.add({
      path: listPath,
      provider: 'hubspot',
      fault: { kind: 'status', status: 503 },
      times: Infinity,
    });
    await joinery.running.engine.syncs.settled(syncId);
    const failed = (await joinery.api('GET', `/v1/syncs/${syncId}`)).body.latestRun;
    expect(failed.id).toBe(started.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('provider_unavailable');
    expect(failed.records.deleted).toBe(0);
    expect(failed.records.seen).toBeGreaterThan(0);
    expect(failed.records.seen).toBeLessThan(COUNT);
    expect((await eventFor('sync.failed', failed.id as string)).data).toMatchObject({
      syncId,
      error: { code: 'provider_unavailable' },
    });
    expect((await readStream(cursorAfterFull)).changes.filter((c) => c.op === 'deleted')).toEqual(
      [],
    );

    sandbox.faults.clear();
    const pagesBefore = sandbox.count('GET', `/hubspot${listPath}`);
    const resumed = await runNow();
    expect(resumed.id).toBe(started.id);
    expect(resumed).toMatchObject({ kind: 'full', status: 'succeeded', attempts: 2 });
    // It continued after its last stored batch: fewer pages than a whole listing.
    expect(sandbox.count('GET', `/hubspot${listPath}`) - pagesBefore).toBeLessThan(COUNT / 100);
    expect(resumed.records.added).toBe(0);
    expect(resumed.records.deleted).toBe(COUNT * 0.02);
    // Counts are the run's, over both attempts: every live record seen once.
    expect(resumed.records).toMatchObject({ seen: COUNT * 0.98, updated: COUNT * 0.01 });
    const stream = await readStream(cursorAfterFull, 7);
    expect(stream.changes.filter((change) => change.op === 'deleted')).toHaveLength(COUNT * 0.02);
    expect(stream.changes.filter((change) => change.op === 'updated')).toHaveLength(COUNT * 0.01);
    expect(stream.changes).toHaveLength(COUNT * 0.03);
    const again = await readStream(stream.cursor);
    expect(again.changes).toEqual([]);
  }, 60_000);

  it('the scheduler starts a due sync once per tick', async () => {
    const engine = joinery.running.engine;
    const scope = { environmentId: 'env_default' };
    const before = (await engine.syncs.runs(scope, syncId)).length;
    await engine.syncs.tick();
    await engine.syncs.settled(syncId);
    // Not due: the last run set the next one an hour from now.
    expect((await engine.syncs.runs(scope, syncId)).length).toBe(before);
    const listed = await joinery.api('GET', `/v1/syncs?connection=${connectionId}`);
    expect(listed.body.data).toHaveLength(1);
    expect(new Date(listed.body.data[0].nextRunAt).getTime()).toBeGreaterThan(
      Date.now() + 3_000_000,
    );
    // Two hours on it is due: the tick starts exactly one run.
    await engine.syncs.tick(new Date(Date.now() + 2 * 3_600_000));
    await engine.syncs.settled(syncId);
    const after = await engine.syncs.runs(scope, syncId);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ kind: 'incremental', status: 'succeeded' });
  });

  it.runIf(backend === 'postgres')(
    'two scheduler ticks at once (two pool connections) start a due sync once',
    async () => {
      const engine = joinery.running.engine;
      const scope = { environmentId: 'env_default' };
      const client = new pg.Client({ connectionString: joinery.databaseUrl as string });
      await client.connect();
      try {
        await client.query(
          "UPDATE syncs SET next_run_at = now() - interval '1 second' WHERE id = $1",
          [syncId],
        );
      } finally {
        await client.end();
      }
      const before = (await engine.syncs.runs(scope, syncId)).length;
      await Promise.all([engine.syncs.tick(), engine.syncs.tick()]);
      await engine.syncs.settled(syncId);
      const runs = await engine.syncs.runs(scope, syncId);
      expect(runs.length).toBe(before + 1);
      expect(runs[0]).toMatchObject({ kind: 'incremental', status: 'succeeded' });
    },
  );

  it("lists a tenant's own syncs only, to a caller that names the tenant", async () => {
    const own = await joinery.api('GET', '/v1/syncs', undefined, { 'joinery-tenant': 'acme' });
    expect(own.status).toBe(200);
    expect(own.body.data.map((sync: { id: string }) => sync.id)).toContain(syncId);
    const other = await joinery.api('GET', '/v1/syncs', undefined, { 'joinery-tenant': 'globex' });
    expect(other.status).toBe(200);
    expect(other.body.data).toEqual([]);
  });

  it('rejects a cursor it did not give out', async () => {
    const answer = await joinery.api(
      'GET',
      `/v1/records?model=Contact&connection=${connectionId}&cursor=abc`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.path).toBe('cursor');
  });

  // Last: it shuts this Joinery's syncs down.
  it('a run stopped by a shutdown is interrupted, applies no deletions, and keeps its place', async () => {
    await generate({ count: COUNT, deletedFraction: 0.04 });
    const listPath = '/crm/v3/objects/contacts';
    sandbox.faults.add({
      path: listPath,
      provider: 'hubspot',
      fault: { kind: 'latency', ms: 20 },
      times: Infinity,
    });
    const scope = { environmentId: 'env_default' };
    const engine = joinery.running.engine;
    const started = await engine.syncs.trigger(scope, syncId, { full: true });
    for (let i = 0; i < 200; i++) {
      if (((await engine.syncs.get(scope, syncId)).latestRun?.pages ?? 0) >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await engine.syncs.close();
    sandbox.faults.clear();
    const view = await engine.syncs.get(scope, syncId);
    expect(view.state).toBe('idle');
    expect(view.latestRun).toMatchObject({ id: started.id, status: 'interrupted' });
    expect(view.latestRun?.records.deleted).toBe(0);
    expect(view.latestRun?.records.seen).toBeLessThan(COUNT);
    expect(view.latestRun?.error?.message).toContain('shutting down');
    // Due again at once, so the next start resumes it.
    expect(new Date(view.nextRunAt as string).getTime()).toBeLessThanOrEqual(Date.now());
    await expect(engine.syncs.trigger(scope, syncId)).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('Salesforce contacts sync', () => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  const tierRule = {
    field: 'custom.tier',
    source: 'Tier__c',
    transform: { type: 'enum', values: { gold: 'Gold', silver: 'Silver', bronze: 'Bronze' } },
  };
  let connectionId: string;
  let syncId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ salesforce: { seedContacts: 30, queryBatchSize: 10 } });
    joinery = await startTestJoinery('pglite', { syncSchedulerIntervalMs: 3_600_000 });
  }, 60_000);
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it('pages SOQL by nextRecordsUrl, then reads only what changed since LastModifiedDate', async () => {
    const base = `${sandbox.url}/salesforce`;
    const sfConnection = await connectSandbox(joinery, sandbox, 'salesforce', { key: 'sf' });
    // The tenant's custom field: the SOQL must select it for the sync to store it.
    expect(
      (
        await joinery.api('PUT', `/v1/connections/${sfConnection}/mapping-overrides`, {
          overrides: { 'salesforce.contacts': { rules: [tierRule] } },
        })
      ).status,
    ).toBe(200);
    const sync = await joinery.api('POST', '/v1/syncs', {
      connection: sfConnection,
      sync: 'contacts',
    });
    expect(sync.status).toBe(201);
    connectionId = sfConnection;
    syncId = sync.body.id as string;
    const scope = { environmentId: 'env_default' };
    const full = await joinery.running.engine.syncs.runNow(scope, sync.body.id as string);
    expect(full).toMatchObject({ kind: 'full', status: 'succeeded', records: { updated: 0 } });
    expect(full.records.added).toBe(full.records.seen);
    expect(full.records.total).toBe(full.records.seen);
    expect(full.pages).toBe(Math.ceil(full.records.seen / 10));

    const first = await joinery.api(
      'GET',
      `/v1/records?model=Contact&connection=${sfConnection}&limit=1000`,
    );
    const stored = (first.body.changes as { id: string; record: Record<string, unknown> }[]).map(
      (change) => change.record,
    );
    // LeadSource (a standard picklist) and the override's Tier__c were selected and mapped.
    expect(stored.find((record) => record.email === 'ada.lovelace@example.com')).toMatchObject({
      lastName: 'Lovelace',
      companyName: 'Analytical Engines Ltd',
      leadSource: 'web',
      custom: { tier: 'gold' },
    });
    expect(stored.find((record) => record.email === 'charles.babbage@example.com')).toMatchObject({
      leadSource: 'phone_inquiry',
      custom: { tier: null },
    });
    const id = first.body.changes[0].id as string;
    // Salesforce's LastModifiedDate has whole seconds: the edit lands in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const patched = await fetch(`${base}/services/data/v62.0/sobjects/Contact/${id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${SALESFORCE_DEMO_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ Title: 'Head of Integrations' }),
    });
    expect(patched.status).toBe(204);
    const incremental = await joinery.running.engine.syncs.runNow(scope, sync.body.id as string);
    expect(incremental).toMatchObject({ kind: 'incremental', status: 'succeeded' });
    expect(incremental.records).toMatchObject({ added: 0, updated: 1 });
    expect(incremental.records.seen).toBeLessThan(full.records.seen);
    const changes = await joinery.api(
      'GET',
      `/v1/records?model=Contact&connection=${sfConnection}&cursor=${incremental.changes?.from}`,
    );
    expect(changes.body.changes).toEqual([
      expect.objectContaining({
        op: 'updated',
        id,
        record: expect.objectContaining({ id, jobTitle: 'Head of Integrations' }),
      }),
    ]);
  });

  const setOverrides = async (rules: unknown[]) => {
    const answer = await joinery.api('PUT', `/v1/connections/${connectionId}/mapping-overrides`, {
      overrides: { 'salesforce.contacts': { rules } },
    });
    expect(answer.status).toBe(200);
  };

  it('a record that maps to an invalid Contact stops the run, naming record and field; fixed, it resumes', async () => {
    const scope = { environmentId: 'env_default' };
    // A rule replaced without its transform: Salesforce's `+0000` times are not the model's UTC `Z`.
    await setOverrides([
      tierRule,
      { field: 'createdAt', source: 'CreatedDate', direction: 'import' },
    ]);
    const failed = await joinery.running.engine.syncs.runNow(scope, syncId, { full: true });
    expect(failed).toMatchObject({
      kind: 'full',
      status: 'failed',
      records: { seen: 0 },
      error: { code: 'invalid_input' },
    });
    expect(failed.error?.message).toMatch(
      /^record Salesforce contacts record 003\w+, field createdAt \(CreatedDate\): must match pattern "Z\$" in Contact v1/,
    );
    await setOverrides([tierRule]);
    const resumed = await joinery.running.engine.syncs.runNow(scope, syncId);
    expect(resumed).toMatchObject({
      id: failed.id,
      kind: 'full',
      status: 'succeeded',
      attempts: 2,
    });
    expect(resumed.records).toMatchObject({ added: 0, updated: 0, deleted: 0 });
  });

  it('a stopped run whose overrides now ask for other fields starts over instead of resuming', async () => {
    const scope = { environmentId: 'env_default' };
    // Job titles are not email addresses; and the query no longer selects Email.
    await setOverrides([tierRule, { field: 'email', source: 'Title' }]);
    const failed = await joinery.running.engine.syncs.runNow(scope, syncId, { full: true });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'invalid_input' } });
    expect(failed.error?.message).toMatch(
      /^record Salesforce contacts record 003\w+, field email \(Title\): must match format "email"/,
    );
    await setOverrides([tierRule]);
    // Resumed, its stored request (without Email) would store every email as null.
    const next = await joinery.running.engine.syncs.runNow(scope, syncId, { full: true });
    expect(next.id).not.toBe(failed.id);
    expect(next).toMatchObject({ kind: 'full', status: 'succeeded', attempts: 1 });
    expect(next.records).toMatchObject({ added: 0, updated: 0, deleted: 0 });
  });
});

describe('a run resumed by another process (PostgreSQL)', () => {
  const COUNT_TAKEN = 2_000;
  const scope = { environmentId: 'env_default' };
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let db: pg.Client;
  let syncId: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    // Heartbeats every second, batches of three pages.
    joinery = await startTestJoinery('postgres', {
      syncSchedulerIntervalMs: 3_600_000,
      syncs: { batchSize: 300, staleAfterMs: 3_000 },
    });
    db = new pg.Client({ connectionString: joinery.databaseUrl as string });
    await db.connect();
    const hsConnection = await connectSandbox(joinery, sandbox, 'hubspot', {
      key: 'hs',
      rateLimits: [],
    });
    await generateContacts(sandbox, { count: COUNT_TAKEN });
    syncId = (
      await joinery.running.engine.syncs.create(scope, {
        connectionId: hsConnection,
        sync: 'contacts',
      })
    ).id;
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await joinery?.close();
    await sandbox?.close();
  });

  it('the executor it was taken from writes nothing more: no batch, no heartbeat, no end', async () => {
    const engine = joinery.running.engine;
    // Slow pages: three of them (one batch) take over two heartbeat intervals.
    sandbox.faults.add({
      path: '/crm/v3/objects/contacts',
      provider: 'hubspot',
      fault: { kind: 'latency', ms: 700 },
      times: Infinity,
    });
    const started = await engine.syncs.trigger(scope, syncId, { full: true });
    for (let i = 0; i < 300; i++) {
      if (((await engine.syncs.get(scope, syncId)).latestRun?.pages ?? 0) >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Another process resumes the run, as a start does once the heartbeat is stale: same run,
    // one attempt more. Its own executor has not written yet (its heartbeat is set far back).
    const taken = await db.query<{ attempts: number; records_seen: number; pages: number }>(
      `UPDATE sync_runs SET attempts = attempts + 1, heartbeat_at = '2000-01-01T00:00:00Z'
       WHERE id = $1 AND status = 'running' RETURNING attempts, records_seen, pages`,
      [started.id],
    );
    expect(taken.rows[0]).toMatchObject({ attempts: 2, records_seen: 300, pages: 3 });
    const countRecords = async () =>
      (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM records WHERE sync_id = $1', [
          syncId,
        ])
      ).rows[0]?.n;
    const recordsBefore = await countRecords();
    expect(recordsBefore).toBe(300);

    await engine.syncs.settled(syncId);
    sandbox.faults.clear();
    const run = await db.query(
      'SELECT status, attempts, records_seen, records_added, pages, heartbeat_at, finished_at, error FROM sync_runs WHERE id = $1',
      [started.id],
    );
    // Untouched: still the other process's running run, as it left it.
    expect(run.rows[0]).toMatchObject({
      status: 'running',
      attempts: 2,
      records_seen: 300,
      records_added: 300,
      pages: 3,
      finished_at: null,
      error: null,
    });
    expect((run.rows[0].heartbeat_at as Date).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(await countRecords()).toBe(recordsBefore);
    const sync = await db.query('SELECT state, current_run_id FROM syncs WHERE id = $1', [syncId]);
    expect(sync.rows[0]).toEqual({ state: 'running', current_run_id: started.id });
    // Its next batch was refused as a conflict, and its end was not recorded.
    const logs = joinery.logs.join('');
    expect(logs).toContain(`run ${started.id} (attempt 1) no longer owns sync ${syncId}`);
    expect(logs).toContain('"code":"conflict"');
    expect(logs).toContain(`its end (failed) is not recorded`);
  }, 60_000);

  it('an executor whose run a scheduler marked interrupted stores nothing more and releases the sync', async () => {
    const engine = joinery.running.engine;
    // The run left by the test before: its other process died too, so a start resumes it.
    await db.query("UPDATE sync_runs SET status = 'interrupted' WHERE sync_id = $1", [syncId]);
    sandbox.faults.add({
      path: '/crm/v3/objects/contacts',
      provider: 'hubspot',
      fault: { kind: 'latency', ms: 300 },
      times: Infinity,
    });
    const resumed = await engine.syncs.trigger(scope, syncId, { full: true });
    expect(resumed.attempts).toBe(3);
    const seenBefore = resumed.records.seen;
    // What a scheduler does to a run whose heartbeat it finds stale while it is active here.
    const marked = await db.query(
      "UPDATE sync_runs SET status = 'interrupted' WHERE id = $1 AND status = 'running' RETURNING records_seen",
      [resumed.id],
    );
    expect(marked.rows[0]).toEqual({ records_seen: seenBefore });
    await engine.syncs.settled(syncId);
    sandbox.faults.clear();
    const run = await db.query('SELECT status, records_seen FROM sync_runs WHERE id = $1', [
      resumed.id,
    ]);
    expect(run.rows[0]).toEqual({ status: 'interrupted', records_seen: seenBefore });
    // Nobody runs it any more: the sync is idle and due at once, so the next start resumes it.
    const sync = await db.query(
      'SELECT state, current_run_id, next_run_at <= now() AS due FROM syncs WHERE id = $1',
      [syncId],
    );
    expect(sync.rows[0]).toEqual({ state: 'idle', current_run_id: null, due: true });
    const next = await engine.syncs.runNow(scope, syncId);
    expect(next).toMatchObject({ id: resumed.id, status: 'succeeded', attempts: 4 });
    expect(next.records.seen).toBe(COUNT_TAKEN);
  }, 60_000);
});
