import { randomBytes } from 'node:crypto';
import { HUBSPOT_DEMO_TOKEN, startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractEngine, type ContractEngine } from '../testing/contract-engine.js';
import { recordEvidence } from '../testing/evidence.js';
import { hubspot } from './connector.js';

/*
 * HubSpot connector contract. Runs against the HubSpot sandbox; set HUBSPOT_TOKEN (a private app
 * token with the contacts and companies read/write scopes) to run it against the live API — it
 * then creates one contact and one company named "Joinery contract …".
 */
const live = process.env.HUBSPOT_TOKEN;

interface Record_ {
  id: string;
  properties: Record<string, string | null>;
}

describe(`HubSpot connector contract (${live ? 'live API' : 'sandbox'})`, () => {
  let sandbox: Sandbox | null = null;
  let harness: ContractEngine;
  let connection: string;
  let baseUrl: string | undefined;
  const stamp = randomBytes(4).toString('hex');

  recordEvidence({
    connector: 'hubspot',
    suite: 'hubspot.contract',
    kind: 'contract',
    target: () =>
      live ? { kind: 'live', baseUrl: hubspot.baseUrl } : { kind: 'sandbox', baseUrl },
  });

  beforeAll(async () => {
    harness = await startContractEngine([hubspot]);
    if (!live) {
      sandbox = await startSandbox({ hubspot: { seedContacts: 60 } });
      baseUrl = `${sandbox.url}/hubspot`;
    }
    connection = await harness.connect(
      {
        key: 'hubspot',
        connector: 'hubspot',
        ...(baseUrl ? { baseUrl, allowPrivateNetwork: true } : {}),
      },
      { type: 'bearer', token: live ?? HUBSPOT_DEMO_TOKEN },
    );
  });
  afterAll(async () => {
    await harness?.close();
    await sandbox?.close();
  });

  it('refuses a connection whose token HubSpot rejects', async ({ task }) => {
    task.meta.proves = ['errors'];
    await expect(
      harness.connect(
        {
          key: 'hubspot-bad',
          connector: 'hubspot',
          ...(baseUrl ? { baseUrl, allowPrivateNetwork: true } : {}),
        },
        { type: 'bearer', token: 'pat-na1-00000000-0000-4000-8000-000000000000' },
      ),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      details: { status: 401, code: 'INVALID_AUTHENTICATION' },
    });
  });

  it('creates, reads, updates and searches a contact', async () => {
    const email = `joinery-contract-${stamp}@example.com`;
    const created = (await harness.run(connection, 'create_contact', {
      properties: { email, firstname: 'Joinery', lastname: `Contract ${stamp}` },
    })) as Record_;
    expect(created.id).toMatch(/^\d+$/);
    const read = (await harness.run(connection, 'get_contact', {
      id: created.id,
      properties: ['email', 'firstname'],
    })) as Record_;
    expect(read.properties.email).toBe(email);
    const updated = (await harness.run(connection, 'update_contact', {
      id: created.id,
      properties: { firstname: 'Joined' },
    })) as Record_;
    expect(updated.properties.firstname).toBe('Joined');
    const found = (await harness.run(connection, 'search_contacts', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
      properties: ['email'],
    })) as Record_[];
    expect(found.map((c) => c.id)).toContain(created.id);
  });

  it('answers a duplicate email with conflict', async ({ task }) => {
    task.meta.proves = ['errors'];
    const email = `joinery-dup-${stamp}@example.com`;
    await harness.run(connection, 'create_contact', { properties: { email } });
    const duplicate = await harness.fail(connection, 'create_contact', { properties: { email } });
    expect(duplicate).toMatchObject({
      code: 'conflict',
      details: { status: 409, code: 'CONFLICT' },
    });
  });

  it('answers a missing record with not_found and HubSpot category', async ({ task }) => {
    task.meta.proves = ['errors'];
    const missing = await harness.fail(connection, 'get_contact', { id: '999999999999' });
    expect(missing).toMatchObject({ code: 'not_found', details: { code: 'OBJECT_NOT_FOUND' } });
  });

  it.skipIf(Boolean(live))('pages search results with `after` without duplicates', async () => {
    const all = (await harness.run(connection, 'search_contacts', {
      page_size: 7,
      limit: 50,
      properties: ['email'],
    })) as Record_[];
    expect(all).toHaveLength(50);
    expect(new Set(all.map((c) => c.id)).size).toBe(50);
  });

  it('creates a company and associates the contact with it', async () => {
    const company = (await harness.run(connection, 'create_company', {
      properties: { name: `Joinery Contract ${stamp}`, domain: `joinery-${stamp}.example` },
    })) as Record_;
    const contact = (await harness.run(connection, 'create_contact', {
      properties: { email: `joinery-assoc-${stamp}@example.com` },
    })) as Record_;
    const associated = await harness.run(connection, 'associate_contact_with_company', {
      contactId: contact.id,
      companyId: company.id,
    });
    expect(associated).toBeDefined();
  });

  it.skipIf(Boolean(live))(
    'retries a ten-secondly 429 and gives up on a DAILY one without retrying',
    async ({ task }) => {
      task.meta.proves = ['faults', 'rate_limits'];
      const contacts = '/crm/v3/objects/contacts/51';
      sandbox?.faults.add({
        provider: 'hubspot',
        path: contacts,
        fault: { kind: 'rate_limit', retryAfter: 1 },
      });
      expect(await harness.run(connection, 'get_contact', { id: '51' })).toMatchObject({
        id: '51',
      });
      sandbox?.faults.add({
        provider: 'hubspot',
        path: contacts,
        fault: {
          kind: 'status',
          status: 429,
          body: {
            status: 'error',
            message: 'You have reached your daily limit.',
            errorType: 'RATE_LIMIT',
            policyName: 'DAILY',
            correlationId: 'c-1',
            category: 'RATE_LIMITS',
          },
        },
      });
      const before = sandbox?.count('GET', `/hubspot${contacts}`) ?? 0;
      const daily = await harness.fail(connection, 'get_contact', { id: '51' });
      expect(daily).toMatchObject({ code: 'rate_limited', retryable: false });
      expect((sandbox?.count('GET', `/hubspot${contacts}`) ?? 0) - before).toBe(1);
    },
  );
});
