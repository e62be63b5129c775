import {
  HUBSPOT_DEMO_TOKEN,
  SALESFORCE_DEMO_TOKEN,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { connectSandbox } from './sandbox-connections.js';

type Connector = 'hubspot' | 'salesforce';

interface Change {
  op: 'added' | 'updated' | 'deleted';
  id: string;
}

const scope = { environmentId: 'env_default' };

/** Where a contact is deleted at the sandbox (HubSpot archives it, Salesforce deletes it). */
const CONTACT_PATH: Record<Connector, string> = {
  hubspot: '/hubspot/crm/v3/objects/contacts',
  salesforce: '/salesforce/services/data/v62.0/sobjects/Contact',
};
const TOKEN: Record<Connector, string> = {
  hubspot: HUBSPOT_DEMO_TOKEN,
  salesforce: SALESFORCE_DEMO_TOKEN,
};

async function sandboxCall(
  sandbox: Sandbox,
  connector: Connector,
  method: 'POST' | 'DELETE',
  suffix: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${sandbox.url}${CONTACT_PATH[connector]}${suffix}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN[connector]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A sync of `connector`'s contacts with its first (full) run done. */
async function syncedContacts(
  joinery: TestJoinery,
  sandbox: Sandbox,
  connector: Connector,
): Promise<{ connectionId: string; syncId: string; ids: string[] }> {
  const connectionId = await connectSandbox(joinery, sandbox, connector, { rateLimits: [] });
  const created = await joinery.api('POST', '/v1/syncs', {
    connection: connectionId,
    sync: 'contacts',
  });
  expect(created.status).toBe(201);
  const syncId = created.body.id as string;
  const full = await joinery.running.engine.syncs.runNow(scope, syncId);
  expect(full).toMatchObject({ kind: 'full', status: 'succeeded' });
  const { changes } = await readChanges(joinery, connectionId, '0');
  expect(changes.length).toBeGreaterThan(2);
  return { connectionId, syncId, ids: changes.map((change) => change.id) };
}

async function readChanges(
  joinery: TestJoinery,
  connectionId: string,
  cursor: string,
): Promise<{ changes: Change[]; nextCursor: string }> {
  const answer = await joinery.api(
    'GET',
    `/v1/records?model=Contact&connection=${connectionId}&cursor=${cursor}&limit=500`,
  );
  expect(answer.status).toBe(200);
  return answer.body as { changes: Change[]; nextCursor: string };
}

/**
 * Deletions seen by incremental runs: a contact deleted at the sandbox's HubSpot (archived) or
 * Salesforce is marked deleted by the next incremental run, from the deletions query (HubSpot's
 * `archived=true` list, Salesforce's getDeleted), on PGlite and PostgreSQL.
 */
describe.each(BACKENDS)('deletions seen by incremental runs on %s', (backend) => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;

  beforeAll(async () => {
    sandbox = await startSandbox();
    joinery = await startTestJoinery(backend, { syncSchedulerIntervalMs: 3_600_000 });
  }, 60_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it.each<Connector>(['hubspot', 'salesforce'])(
    '%s: a deleted contact is deleted in the stream after an incremental run, and counted on it',
    async (connector) => {
      const { connectionId, syncId, ids } = await syncedContacts(joinery, sandbox, connector);
      const [gone, kept] = ids as [string, string];
      const { nextCursor: before } = await readChanges(joinery, connectionId, '0');

      // A contact created after the full run and deleted before the next: never synced, ignored.
      const created = await sandboxCall(
        sandbox,
        connector,
        'POST',
        '',
        connector === 'hubspot'
          ? { properties: { email: 'brief@example.com', lastname: 'Brief' } }
          : { LastName: 'Brief', Email: 'brief@example.com' },
      );
      expect(created.status).toBe(201);
      const briefId = ((await created.json()) as { id: string }).id;
      expect((await sandboxCall(sandbox, connector, 'DELETE', `/${briefId}`)).status).toBe(204);
      expect((await sandboxCall(sandbox, connector, 'DELETE', `/${gone}`)).status).toBe(204);

      const run = await joinery.running.engine.syncs.runNow(scope, syncId);
      expect(run.error).toBeNull();
      expect(run).toMatchObject({ kind: 'incremental', status: 'succeeded' });
      expect(run.records.deleted).toBe(1);
      expect(run.changes).not.toBeNull();

      const { changes } = await readChanges(joinery, connectionId, before);
      expect(changes.filter((change) => change.op === 'deleted')).toEqual([
        expect.objectContaining({ op: 'deleted', id: gone }),
      ]);
      expect(changes.map((change) => change.id)).not.toContain(kept);
      expect(changes.map((change) => change.id)).not.toContain(briefId);
      // The run's range holds the deletion.
      const inRange = await readChanges(joinery, connectionId, run.changes?.from ?? '0');
      expect(inRange.changes).toContainEqual(expect.objectContaining({ op: 'deleted', id: gone }));

      // Read again by the next run: already deleted, no change.
      const again = await joinery.running.engine.syncs.runNow(scope, syncId);
      expect(again).toMatchObject({ kind: 'incremental', status: 'succeeded' });
      expect(again.records.deleted).toBe(0);
      const after = await readChanges(joinery, connectionId, before);
      expect(after.changes.filter((change) => change.op === 'deleted')).toHaveLength(1);
    },
    30_000,
  );
});

/**
 * Salesforce keeps deletions for a while only (`earliestDateAvailable`): an incremental run whose
 * deletions window starts before it fails and asks for a full run, which then succeeds.
 */
describe.each(BACKENDS)('Salesforce deletions purged before the window on %s', (backend) => {
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  // A delete log purged just now: every window reaches back before `earliestDateAvailable`.
  const options: SandboxOptions = { salesforce: { deletedRetentionSeconds: 0 } };

  beforeAll(async () => {
    sandbox = await startSandbox(options);
    joinery = await startTestJoinery(backend, { syncSchedulerIntervalMs: 3_600_000 });
  }, 60_000);

  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it('fails the incremental run, asking for a full run; the full run succeeds', async () => {
    const { connectionId, syncId, ids } = await syncedContacts(joinery, sandbox, 'salesforce');
    expect((await sandboxCall(sandbox, 'salesforce', 'DELETE', `/${ids[0]}`)).status).toBe(204);
    const { nextCursor: before } = await readChanges(joinery, connectionId, '0');

    const run = await joinery.running.engine.syncs.runNow(scope, syncId);
    expect(run).toMatchObject({ kind: 'incremental', status: 'failed' });
    expect(run.error?.message).toContain('earliestDateAvailable');
    expect(run.error?.message).toContain('Run a full sync');
    expect((await readChanges(joinery, connectionId, before)).changes).toEqual([]);

    const full = await joinery.running.engine.syncs.runNow(scope, syncId, { full: true });
    expect(full).toMatchObject({ kind: 'full', status: 'succeeded' });
    expect(full.records.deleted).toBe(1);
  }, 30_000);
});
