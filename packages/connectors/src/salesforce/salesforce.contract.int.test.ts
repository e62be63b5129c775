import { SALESFORCE_DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractEngine, type ContractEngine } from '../testing/contract-engine.js';
import { recordEvidence } from '../testing/evidence.js';
import { salesforce } from './connector.js';

/*
 * Salesforce connector contract. Runs against the Salesforce sandbox; set SALESFORCE_INSTANCE_URL
 * and SALESFORCE_ACCESS_TOKEN (a session id with the api scope) to run it against a live org — it
 * then creates and updates one Contact named "Joinery Contract".
 */
const liveUrl = process.env.SALESFORCE_INSTANCE_URL;
const liveToken = process.env.SALESFORCE_ACCESS_TOKEN;
const live = Boolean(liveUrl && liveToken);

describe(`Salesforce connector contract (${live ? 'live org' : 'sandbox'})`, () => {
  let sandbox: Sandbox | null = null;
  let harness: ContractEngine;
  let connection: string;
  let baseUrl: string;

  recordEvidence({
    connector: 'salesforce',
    suite: 'salesforce.contract',
    kind: 'contract',
    target: () => ({ kind: live ? 'live' : 'sandbox', baseUrl }),
  });

  beforeAll(async () => {
    harness = await startContractEngine([salesforce]);
    if (live) baseUrl = liveUrl as string;
    else {
      sandbox = await startSandbox({ salesforce: { seedContacts: 30, queryBatchSize: 10 } });
      baseUrl = `${sandbox.url}/salesforce`;
    }
    connection = await harness.connect(
      {
        key: 'salesforce',
        connector: 'salesforce',
        baseUrl,
        ...(live ? {} : { allowPrivateNetwork: true }),
      },
      { type: 'bearer', token: live ? (liveToken as string) : SALESFORCE_DEMO_TOKEN },
    );
  });
  afterAll(async () => {
    await harness?.close();
    await sandbox?.close();
  });

  it('refuses an invalid session (401 INVALID_SESSION_ID)', async ({ task }) => {
    task.meta.proves = ['errors'];
    await expect(
      harness.connect(
        {
          key: 'sf-bad',
          connector: 'salesforce',
          baseUrl,
          ...(live ? {} : { allowPrivateNetwork: true }),
        },
        { type: 'bearer', token: '00D000000000000!invalid' },
      ),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      details: { status: 401, code: 'INVALID_SESSION_ID' },
    });
  });

  it('runs SOQL and follows nextRecordsUrl', async () => {
    const pagesBefore = sandbox?.requests.length ?? 0;
    const records = (await harness.run(connection, 'query', {
      q: 'SELECT Id, LastName FROM Contact',
      limit: 35,
    })) as { Id: string; attributes: { type: string } }[];
    expect(records.length).toBeGreaterThan(10);
    expect(new Set(records.map((r) => r.Id)).size).toBe(records.length);
    expect(records[0]?.attributes.type).toBe('Contact');
    // 35 records in batches of 10: the first page and three nextRecordsUrl pages.
    if (!live) expect((sandbox?.requests.length ?? 0) - pagesBefore).toBe(4);
  });

  it('describes an object with its custom fields', async () => {
    const described = (await harness.run(connection, 'describe_object', {
      sobject: 'Account',
    })) as { fields: { name: string; custom: boolean }[] };
    expect(described.fields.some((f) => f.name === 'Name')).toBe(true);
    if (!live) expect(described.fields.find((f) => f.name === 'Tier__c')?.custom).toBe(true);
  });

  it('creates, updates and reads a record', async () => {
    const created = (await harness.run(connection, 'create_record', {
      sobject: 'Contact',
      fields: { LastName: 'Joinery Contract', Email: 'joinery.contract@example.com' },
    })) as { id: string; success: boolean };
    expect(created.success).toBe(true);
    expect(
      await harness.run(connection, 'update_record', {
        sobject: 'Contact',
        id: created.id,
        fields: { Title: 'Tester' },
      }),
    ).toEqual({ id: created.id, updated: true });
    const read = (await harness.run(connection, 'get_record', {
      sobject: 'Contact',
      id: created.id,
      fields: ['Title', 'LastName'],
    })) as { Title: string };
    expect(read.Title).toBe('Tester');
  });

  it('turns Salesforce error arrays into the taxonomy', async ({ task }) => {
    task.meta.proves = ['errors'];
    const missing = await harness.fail(connection, 'create_record', {
      sobject: 'Contact',
      fields: { Email: 'no.lastname@example.com' },
    });
    expect(missing).toMatchObject({
      code: 'provider_rejected',
      details: { status: 400, code: 'REQUIRED_FIELD_MISSING' },
    });
    const malformed = await harness.fail(connection, 'query', { q: 'SELECT FROM Contact' });
    expect(malformed).toMatchObject({
      code: 'provider_rejected',
      details: { code: 'MALFORMED_QUERY' },
    });
  });

  it('tracks the 24-hour request allocation from Sforce-Limit-Info', async ({ task }) => {
    task.meta.proves = ['rate_limits'];
    await harness.run(connection, 'query', { q: 'SELECT Id FROM Account', limit: 1 });
    const quotas = await harness.engine.quotas.list(harness.scope.environmentId, 'salesforce');
    const daily = quotas.find((q) => q.name === 'daily_api_requests');
    expect(daily?.used).toBeGreaterThan(0);
    expect(daily?.limit).toBeGreaterThan(daily?.used ?? 0);
    expect(daily?.remaining).toBe((daily?.limit ?? 0) - (daily?.used ?? 0));
  });

  it.skipIf(live)('does not retry REQUEST_LIMIT_EXCEEDED', async ({ task }) => {
    task.meta.proves = ['faults', 'rate_limits'];
    sandbox?.faults.add({
      provider: 'salesforce',
      path: /\/query$/,
      fault: {
        kind: 'status',
        status: 403,
        body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      },
    });
    const before = sandbox?.requests.length ?? 0;
    const error = await harness.fail(connection, 'query', { q: 'SELECT Id FROM Account' });
    expect(error).toMatchObject({
      code: 'rate_limited',
      retryable: false,
      details: { code: 'REQUEST_LIMIT_EXCEEDED' },
    });
    expect((sandbox?.requests.length ?? 0) - before).toBe(1);
  });
});
