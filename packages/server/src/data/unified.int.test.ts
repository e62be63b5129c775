import {
  DEMO_TOKEN as GITHUB_DEMO_TOKEN,
  HUBSPOT_DEMO_TOKEN,
  SALESFORCE_DEMO_TOKEN,
  startSandbox,
  type Sandbox,
} from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';

/*
 * Unified contacts on HubSpot and Salesforce connections, against the sandboxes, through the
 * HTTP API: the same Contact in and out, the tenant's custom field through overrides, mapping
 * failures as invalid_input naming record and field, and conflicts between the two CRMs.
 */

interface ContactOut {
  id: string;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
  lifecycleStage?: string | null;
  createdAt?: string | null;
  leadSource?: string | null;
  custom?: Record<string, unknown>;
}

// This tenant's org has a custom field, Tier__c, that the connector's mapping does not know.
const salesforceOverrides = {
  'salesforce.contacts': {
    rules: [
      {
        field: 'custom.tier',
        source: 'Tier__c',
        transform: { type: 'enum', values: { gold: 'Gold', silver: 'Silver', bronze: 'Bronze' } },
      },
    ],
  },
};

describe.each(BACKENDS)(
  'unified contacts actions (HubSpot and Salesforce sandboxes, %s)',
  (backend) => {
    let sandbox: Sandbox;
    let joinery: TestJoinery;
    let hubspot: string;
    let salesforce: string;
    let github: string;

    const run = (connection: string, action: string, input: unknown, headers = {}) =>
      joinery.api('POST', `/v1/connections/${connection}/actions/${action}`, { input }, headers);

    beforeAll(async () => {
      sandbox = await startSandbox({ github: {}, hubspot: {}, salesforce: {} });
      joinery = await startTestJoinery(backend);
      const connect = async (
        key: string,
        connector: string,
        path: string,
        credentials: Record<string, string>,
      ) => {
        const integration = await joinery.api('PUT', `/v1/integrations/${key}`, {
          connector,
          baseUrl: `${sandbox.url}/${path}`,
          allowPrivateNetwork: true,
        });
        expect([200, 201]).toContain(integration.status);
        const created = await joinery.api('POST', '/v1/connections', {
          integration: key,
          tenant: 'acme',
          credentials,
        });
        expect(created.status).toBe(201);
        return (created.body as { id: string }).id;
      };
      hubspot = await connect('hubspot-sb', 'hubspot', 'hubspot', {
        type: 'bearer',
        token: HUBSPOT_DEMO_TOKEN,
      });
      salesforce = await connect('salesforce-sb', 'salesforce', 'salesforce', {
        type: 'bearer',
        token: SALESFORCE_DEMO_TOKEN,
      });
      github = await connect('github-sb', 'github', 'github', {
        type: 'api_key',
        apiKey: GITHUB_DEMO_TOKEN,
      });
    });
    afterAll(async () => {
      await joinery?.close();
      await sandbox?.close();
    });

    it('searches and reads HubSpot contacts as Contacts, through the logged pipeline', async () => {
      const found = await run(hubspot, 'contacts.search', { email: 'ada.lovelace@example.com' });
      expect(found.status).toBe(200);
      const [ada] = (found.body as { output: { contacts: ContactOut[] } }).output.contacts;
      expect(ada).toMatchObject({
        email: 'ada.lovelace@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        companyName: 'Analytical Engines Ltd',
        lifecycleStage: 'customer',
        createdAt: '2024-01-01T05:00:00.000Z',
        custom: {},
      });
      const read = await run(hubspot, 'contacts.get', { id: ada?.id });
      expect((read.body as { output: ContactOut }).output).toEqual(ada);

      const logs = await joinery.api('GET', `/v1/logs?connection=${hubspot}&limit=10`);
      const actions = (logs.body as { data: { action: string | null; path: string }[] }).data.map(
        (entry) => entry.action,
      );
      expect(actions).toEqual(expect.arrayContaining(['search_contacts', 'get_contact']));
    });

    it('runs a unified action in the background as a run', async () => {
      const accepted = await joinery.api(
        'POST',
        `/v1/connections/${hubspot}/actions/contacts.search`,
        {
          input: { email: 'ada.lovelace@example.com' },
          async: true,
        },
      );
      expect(accepted.status).toBe(202);
      const runId = (accepted.body as { runId: string }).runId;
      let run: { status: string; output: { contacts: ContactOut[] } | null } = {
        status: 'queued',
        output: null,
      };
      for (let i = 0; i < 200 && !['succeeded', 'failed', 'dead'].includes(run.status); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        run = (await joinery.api('GET', `/v1/runs/${runId}`)).body as typeof run;
      }
      expect(run.status).toBe('succeeded');
      expect(run.output?.contacts[0]).toMatchObject({ email: 'ada.lovelace@example.com' });
    });

    it('creates a HubSpot contact once per idempotency key, and reads it back complete', async () => {
      const contact = {
        email: 'edith.clarke@example.com',
        firstName: 'Edith',
        lastName: 'Clarke',
        jobTitle: 'Engineer',
        lifecycleStage: 'sales_qualified_lead',
      };
      const first = await run(hubspot, 'contacts.create', contact, {
        'idempotency-key': 'edith-1',
      });
      expect(first.status).toBe(200);
      const created = (first.body as { output: ContactOut }).output;
      expect(created).toMatchObject({ ...contact, id: expect.stringMatching(/^\d+$/) as string });
      expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const again = await run(hubspot, 'contacts.create', contact, {
        'idempotency-key': 'edith-1',
      });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((again.body as { output: ContactOut }).output.id).toBe(created.id);
      const found = await run(hubspot, 'contacts.search', { email: contact.email });
      expect((found.body as { output: { contacts: ContactOut[] } }).output.contacts).toHaveLength(
        1,
      );
    });

    it('refuses a Contact the model does not allow, naming the field, before any call', async () => {
      const answer = await run(hubspot, 'contacts.create', {
        lastName: 'X',
        lifecycleStage: 'marketingqualifiedlead',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: { code: 'invalid_input', path: 'input.lifecycleStage' },
      });
    });

    it("Salesforce reads and writes the tenant's custom field once its override maps it", async () => {
      const before = await run(salesforce, 'contacts.search', {
        email: 'ada.lovelace@example.com',
      });
      expect(before.status).toBe(200);
      const [unmapped] = (before.body as { output: { contacts: ContactOut[] } }).output.contacts;
      expect(unmapped).toMatchObject({ firstName: 'Ada', leadSource: 'web', custom: {} });

      const custom = await run(salesforce, 'contacts.create', {
        lastName: 'X',
        custom: { tier: 'gold' },
      });
      expect(custom.status).toBe(400);
      expect(custom.body).toMatchObject({
        error: {
          code: 'invalid_input',
          path: 'input.custom.tier',
          details: { reason: 'unmapped_field' },
        },
      });

      const stored = await joinery.api('PUT', `/v1/connections/${salesforce}/mapping-overrides`, {
        overrides: salesforceOverrides,
      });
      expect(stored.status).toBe(200);
      const mappings = await joinery.api('GET', `/v1/connections/${salesforce}/mappings`);
      const [view] = (mappings.body as { data: { rules: { field: string }[] }[] }).data;
      expect(view?.rules.map((r) => r.field)).toEqual(
        expect.arrayContaining(['custom.tier', 'leadSource']),
      );

      const found = await run(salesforce, 'contacts.search', { email: 'ada.lovelace@example.com' });
      expect(found.status).toBe(200);
      const [ada] = (found.body as { output: { contacts: ContactOut[] } }).output.contacts;
      expect(ada).toMatchObject({
        id: expect.stringMatching(/^003/) as string,
        firstName: 'Ada',
        companyName: 'Analytical Engines Ltd',
        createdAt: expect.stringMatching(/Z$/) as string,
        leadSource: 'web',
        custom: { tier: 'gold' },
      });
    });

    it('creates a Salesforce contact with the custom field, and says which field is missing', async () => {
      const missing = await run(salesforce, 'contacts.create', { firstName: 'Hedy' });
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({
        error: {
          code: 'invalid_input',
          path: 'input.lastName',
          details: {
            reason: 'missing_required',
            recordRef: 'input',
            field: 'lastName',
            source: 'LastName',
          },
        },
      });

      const answer = await run(salesforce, 'contacts.create', {
        firstName: 'Hedy',
        lastName: 'Lamarr',
        email: 'hedy.lamarr@example.com',
        custom: { tier: 'silver' },
      });
      expect(answer.status).toBe(200);
      expect((answer.body as { output: ContactOut }).output).toMatchObject({
        firstName: 'Hedy',
        lastName: 'Lamarr',
        companyName: null,
        custom: { tier: 'silver' },
      });
    });

    it('refuses overrides that cannot work, and stores nothing', async () => {
      const bad = await joinery.api('PUT', `/v1/connections/${hubspot}/mapping-overrides`, {
        overrides: {
          'hubspot.contacts': {
            rules: [
              {
                field: 'custom.birthday',
                source: 'properties.birthday',
                transform: { type: 'datetime', format: 'MM/dd/yyyy', zone: 'Mars/Olympus' },
              },
            ],
          },
        },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('custom.birthday');
      const unknown = await joinery.api('PUT', `/v1/connections/${hubspot}/mapping-overrides`, {
        overrides: { 'salesforce.contacts': {} },
      });
      expect(unknown.status).toBe(400);
      const mappings = await joinery.api('GET', `/v1/connections/${hubspot}/mappings`);
      expect((mappings.body as { data: { override: unknown }[] }).data[0]?.override).toBeNull();
    });

    it('a provider value the mapping cannot read fails the call, naming record and field, until mapped', async () => {
      const narrow = (values: Record<string, string>) =>
        joinery.api('PUT', `/v1/connections/${hubspot}/mapping-overrides`, {
          overrides: {
            'hubspot.contacts': {
              rules: [
                {
                  field: 'lifecycleStage',
                  source: 'properties.lifecyclestage',
                  transform: { type: 'enum', values },
                },
              ],
            },
          },
        });
      expect((await narrow({ customer: 'customer' })).status).toBe(200);
      const answer = await run(hubspot, 'contacts.search', { email: 'grace.hopper@example.com' });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: {
          code: 'invalid_input',
          path: 'output.lifecycleStage',
          details: {
            reason: 'unknown_enum_value',
            recordRef: expect.stringMatching(/^HubSpot contact \d+$/) as string,
            field: 'lifecycleStage',
            source: 'properties.lifecyclestage',
          },
        },
      });
      expect((answer.body as { error: { message: string } }).error.message).toContain(
        '"opportunity"',
      );

      expect((await narrow({ customer: 'customer', opportunity: 'opportunity' })).status).toBe(200);
      const mapped = await run(hubspot, 'contacts.search', { email: 'grace.hopper@example.com' });
      expect(
        (mapped.body as { output: { contacts: ContactOut[] } }).output.contacts[0],
      ).toMatchObject({
        lifecycleStage: 'opportunity',
      });
      expect(
        (
          await joinery.api('PUT', `/v1/connections/${hubspot}/mapping-overrides`, {
            overrides: {},
          })
        ).status,
      ).toBe(200);
    });

    it('reports records missing on one side and contradicting values between the two CRMs', async () => {
      const answer = await joinery.api('POST', '/v1/data/conflicts', { a: hubspot, b: salesforce });
      expect(answer.status).toBe(200);
      const { findings, complete } = answer.body as {
        findings: Record<string, unknown>[];
        complete: boolean;
      };
      expect(complete).toBe(true);
      expect(findings).toEqual(
        expect.arrayContaining([
          {
            kind: 'missing_in_b',
            key: 'edsger.dijkstra@example.com',
            aId: expect.any(String) as string,
          },
          {
            kind: 'missing_in_a',
            key: 'ken.thompson@example.com',
            bId: expect.any(String) as string,
          },
          {
            kind: 'contradiction',
            key: 'grace.hopper@example.com',
            field: 'companyName',
            aId: expect.any(String) as string,
            bId: expect.any(String) as string,
            a: 'Orbital Mechanics',
            b: 'Analytical Engines Ltd',
          },
        ]),
      );
      expect(findings.some((f) => f['key'] === 'ada.lovelace@example.com')).toBe(false);
    });

    it('a unified action on a connector without the mapping is not_found, naming who has it', async () => {
      for (const action of ['contacts.get', 'contacts.update']) {
        const answer = await run(github, action, { id: '1', lastName: 'X' });
        expect(answer.status, action).toBe(404);
        expect(answer.body).toMatchObject({
          error: {
            code: 'not_found',
            message: expect.stringContaining('no unified contacts mapping') as string,
          },
        });
      }
    });

    /** The body of the last `PATCH path` the sandbox received. */
    const lastPatch = (path: string) =>
      sandbox.requests.filter((r) => r.method === 'PATCH' && r.path === path).at(-1)?.body;

    it('updates a HubSpot contact partially: only the given properties are sent, null clears with "", the Contact is read back', async () => {
      const created = await run(hubspot, 'contacts.create', {
        firstName: 'Lise',
        lastName: 'Meitner',
        email: 'lise.meitner@example.com',
        jobTitle: 'Physicist',
        phone: '+43 1 555 0100',
      });
      expect(created.status).toBe(200);
      const { id } = (created.body as { output: ContactOut }).output;

      const updated = await run(hubspot, 'contacts.update', {
        id,
        jobTitle: 'Director',
        phone: null,
        lifecycleStage: 'customer',
      });
      expect(updated.status).toBe(200);
      const output = (updated.body as { output: ContactOut & { jobTitle?: string | null } }).output;
      expect(output).toMatchObject({
        id,
        firstName: 'Lise',
        lastName: 'Meitner',
        email: 'lise.meitner@example.com',
        jobTitle: 'Director',
        phone: null,
        lifecycleStage: 'customer',
      });
      expect(lastPatch(`/hubspot/crm/v3/objects/contacts/${id}`)).toEqual({
        properties: { jobtitle: 'Director', phone: '', lifecyclestage: 'customer' },
      });
      // What came back is what HubSpot now holds.
      const read = await run(hubspot, 'contacts.get', { id });
      expect((read.body as { output: ContactOut }).output).toEqual(output);
      const logs = await joinery.api('GET', `/v1/logs?connection=${hubspot}&limit=5`);
      expect(
        (logs.body as { data: { action: string | null; method: string }[] }).data.map(
          (entry) => `${entry.method} ${entry.action ?? ''}`,
        ),
      ).toEqual(expect.arrayContaining(['PATCH update_contact', 'GET get_contact']));
      // HubSpot keeps emails unique: taking another contact's is its 409, a conflict.
      const taken = await run(hubspot, 'contacts.update', {
        id,
        email: 'ada.lovelace@example.com',
      });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ error: { code: 'conflict' } });
    });

    it('updates a Salesforce contact (204, then read back), the custom field through the override; null clears', async () => {
      const created = await run(salesforce, 'contacts.create', {
        firstName: 'Chien-Shiung',
        lastName: 'Wu',
        email: 'chien-shiung.wu@example.com',
        phone: '555-0101',
        custom: { tier: 'bronze' },
      });
      expect(created.status).toBe(200);
      const { id } = (created.body as { output: ContactOut }).output;

      const updated = await run(salesforce, 'contacts.update', {
        id,
        phone: null,
        jobTitle: 'Professor',
        custom: { tier: 'gold' },
      });
      expect(updated.status).toBe(200);
      expect((updated.body as { output: ContactOut }).output).toMatchObject({
        id,
        firstName: 'Chien-Shiung',
        lastName: 'Wu',
        phone: null,
        jobTitle: 'Professor',
        custom: { tier: 'gold' },
      });
      expect(lastPatch(`/salesforce/services/data/v62.0/sobjects/Contact/${id}`)).toEqual({
        Phone: null,
        Title: 'Professor',
        Tier__c: 'Gold',
      });
    });

    it('refuses an update that cannot be written, naming the field, before any call', async () => {
      const found = await run(salesforce, 'contacts.search', { email: 'ada.lovelace@example.com' });
      const [ada] = (found.body as { output: { contacts: ContactOut[] } }).output.contacts;
      const id = ada?.id ?? '';
      const patches = () => sandbox.requests.filter((r) => r.method === 'PATCH').length;
      const before = patches();
      const refused = async (input: Record<string, unknown>, path: string, reason?: string) => {
        const answer = await run(salesforce, 'contacts.update', { id, ...input });
        expect(answer.status, JSON.stringify(input)).toBe(400);
        expect(answer.body).toMatchObject({
          error: { code: 'invalid_input', path, ...(reason ? { details: { reason } } : {}) },
        });
        return (answer.body as { error: { message: string } }).error.message;
      };
      // Salesforce requires LastName: clearing it is refused here, as Salesforce would.
      await refused({ lastName: null }, 'input.lastName', 'missing_required');
      // companyName is read through the Account relationship: writing it would be lost.
      expect(
        await refused({ companyName: 'Babbage & Co' }, 'input.companyName', 'unmapped_field'),
      ).toContain('read-only');
      // No rule writes leadStatus on Salesforce, so a null cannot clear anything.
      await refused({ leadStatus: null }, 'input.leadStatus', 'unmapped_field');
      await refused({ lifecycleStage: 'lead' }, 'input.lifecycleStage', 'unmapped_field');
      await refused({ email: 'not an email' }, 'input.email');
      await refused({ createdAt: '2024-01-01T00:00:00.000Z' }, 'input.createdAt');
      await refused({}, 'input');
      expect(patches()).toBe(before);
      const missingId = await run(salesforce, 'contacts.update', { jobTitle: 'X' });
      expect(missingId.body).toMatchObject({ error: { code: 'invalid_input', path: 'input.id' } });
    });

    it('an update of a contact the CRM does not have is not_found', async () => {
      for (const [connection, id, provider] of [
        [hubspot, '999999', 'HubSpot'],
        [salesforce, '003000000000999', 'Salesforce'],
      ] as const) {
        const answer = await run(connection, 'contacts.update', { id, jobTitle: 'Ghost' });
        expect(answer.status, provider).toBe(404);
        expect(answer.body).toMatchObject({
          error: { code: 'not_found', message: `${provider} has no contact ${id}` },
        });
      }
    });

    it('sends an update once per idempotency key, and runs one in the background', async () => {
      const found = await run(hubspot, 'contacts.search', { email: 'grace.hopper@example.com' });
      const [grace] = (found.body as { output: { contacts: ContactOut[] } }).output.contacts;
      const path = `/hubspot/crm/v3/objects/contacts/${grace?.id ?? ''}`;
      const before = sandbox.count('PATCH', path);
      const input = { id: grace?.id, jobTitle: 'Rear Admiral' };
      const first = await run(hubspot, 'contacts.update', input, { 'idempotency-key': 'grace-1' });
      expect(first.status).toBe(200);
      const again = await run(hubspot, 'contacts.update', input, { 'idempotency-key': 'grace-1' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(sandbox.count('PATCH', path)).toBe(before + 1);

      const accepted = await joinery.api(
        'POST',
        `/v1/connections/${hubspot}/actions/contacts.update`,
        { input: { id: grace?.id, jobTitle: 'Commodore' }, async: true },
      );
      expect(accepted.status).toBe(202);
      const runId = (accepted.body as { runId: string }).runId;
      let state: { status: string; output: { jobTitle?: string } | null } = {
        status: 'queued',
        output: null,
      };
      for (let i = 0; i < 200 && !['succeeded', 'failed', 'dead'].includes(state.status); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = (await joinery.api('GET', `/v1/runs/${runId}`)).body as typeof state;
      }
      expect(state.status).toBe('succeeded');
      expect(state.output).toMatchObject({ id: grace?.id, jobTitle: 'Commodore' });
      expect(sandbox.count('PATCH', path)).toBe(before + 2);
    });

    it('lists the unified actions in GET /v1/connectors/{id}, with JSON Schemas from the Contact model', async () => {
      interface Listed {
        name: string;
        readOnly: boolean;
        idempotent?: boolean;
        destructive?: boolean;
        model?: unknown;
        description: string;
        input: Record<string, unknown>;
        output: Record<string, unknown>;
      }
      const actionsOf = async (id: string) =>
        ((await joinery.api('GET', `/v1/connectors/${id}`)).body as { actions: Listed[] }).actions;
      const hubspotActions = await actionsOf('hubspot');
      const unified = (name: string) => hubspotActions.find((action) => action.name === name);
      expect(hubspotActions.map((action) => action.name)).toEqual(
        expect.arrayContaining([
          'create_contact',
          'contacts.create',
          'contacts.get',
          'contacts.search',
          'contacts.update',
        ]),
      );
      expect(unified('contacts.update')).toMatchObject({
        readOnly: false,
        idempotent: true,
        destructive: true,
        model: { name: 'Contact', version: 1 },
        input: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            lifecycleStage: {
              anyOf: [{ enum: expect.arrayContaining(['customer']) as string[] }, { type: 'null' }],
            },
          },
        },
        output: { title: 'Contact', required: ['id'] },
      });
      expect(unified('contacts.update')?.input.properties).not.toHaveProperty('createdAt');
      expect(unified('contacts.create')).toMatchObject({
        readOnly: false,
        idempotent: false,
        destructive: false,
      });
      expect(unified('contacts.search')).toMatchObject({
        readOnly: true,
        output: { properties: { contacts: { type: 'array', items: { title: 'Contact' } } } },
      });
      // Salesforce needs LastName on create, and reads companyName through the Account only.
      const salesforceCreate = (await actionsOf('salesforce')).find(
        (action) => action.name === 'contacts.create',
      );
      expect(salesforceCreate?.input.required).toEqual(['lastName']);
      expect(salesforceCreate?.description).toContain('Read-only on Salesforce: companyName.');
      expect(
        (await actionsOf('github')).some((action) => action.name.startsWith('contacts.')),
      ).toBe(false);
      const list = await joinery.api('GET', '/v1/connectors');
      const summary = (list.body as { data: { id: string; actions: { name: string }[] }[] }).data;
      expect(
        summary.find((connector) => connector.id === 'salesforce')?.actions.map((a) => a.name),
      ).toContain('contacts.update');
    });
  },
);
