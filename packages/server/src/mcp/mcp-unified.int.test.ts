// Unified actions (contacts.create/get/search/update) as MCP tools at /mcp, with the official MCP
// client, against a real Joinery and the HubSpot and Salesforce sandboxes: listed per connection
// whose connector maps contacts, with the Contact model's schemas and honest hints, and run through
// the same path as the action route (request log, idempotency, errors with the field's path).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SALESFORCE_DEMO_TOKEN } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, startMcpWorld, type McpWorld } from './testing.js';

interface Contact {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  jobTitle?: string | null;
  phone?: string | null;
}

describe('unified actions as MCP tools', { timeout: 60_000 }, () => {
  let world: McpWorld;
  let salesforce: string;
  const clients: Client[] = [];

  async function connect(query = `tenant=${TENANT}`): Promise<Client> {
    const client = new Client({ name: 'joinery-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${world.url}/mcp?${query}`), {
        requestInit: { headers: { authorization: `Bearer ${world.secretKey}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name, arguments: args });
    return result as {
      isError?: boolean;
      structuredContent: { output?: unknown; error?: Record<string, unknown> };
      content: { type: string; text: string }[];
    };
  }

  beforeAll(async () => {
    world = await startMcpWorld();
    const integration = await world.api('PUT', '/v1/integrations/salesforce-sandbox', {
      connector: 'salesforce',
      baseUrl: `${world.sandbox.url}/salesforce`,
      allowPrivateNetwork: true,
    });
    expect([200, 201]).toContain(integration.status);
    const created = await world.api('POST', '/v1/connections', {
      integration: 'salesforce-sandbox',
      tenant: TENANT,
      credentials: { type: 'bearer', token: SALESFORCE_DEMO_TOKEN },
    });
    expect(created.status).toBe(201);
    salesforce = String(created.body.id);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await world?.close();
  });

  it('lists contacts.* tools for each connection that maps contacts, with the Contact schemas and hints', async () => {
    const { tools } = await (await connect()).listTools();
    const tool = (name: string) => tools.find((candidate) => candidate.name === name);
    for (const integration of ['hubspot-sandbox', 'salesforce-sandbox'])
      for (const action of ['create', 'get', 'search', 'update'])
        expect(
          tool(`${integration}__contacts_${action}`),
          `${integration} ${action}`,
        ).toBeDefined();
    // GitHub has no contacts mapping: no unified tools for it.
    expect(tools.some((t) => t.name.startsWith('github-sandbox__contacts_'))).toBe(false);

    const update = tool('hubspot-sandbox__contacts_update');
    expect(update?.title).toBe('HubSpot: Contacts update');
    expect(update?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(update?.inputSchema).toMatchObject({
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string' },
        email: { anyOf: [{ type: 'string', format: 'email' }, { type: 'null' }] },
      },
    });
    expect(update?.outputSchema).toMatchObject({
      properties: { output: { title: 'Contact', properties: { email: expect.any(Object) } } },
    });
    expect(update?.description).toContain(`tenant "${TENANT}"`);
    expect(tool('hubspot-sandbox__contacts_create')?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
    for (const name of ['hubspot-sandbox__contacts_get', 'salesforce-sandbox__contacts_search'])
      expect(tool(name)?.annotations, name).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
      });
    expect(tool('salesforce-sandbox__contacts_create')?.inputSchema).toMatchObject({
      required: ['lastName'],
    });
  });

  it('runs them: search, create then update on HubSpot, each provider call in the request log', async () => {
    const client = await connect();
    const search = await call(client, 'hubspot-sandbox__contacts_search', {
      email: 'ada.lovelace@example.com',
    });
    expect(search.isError).toBeFalsy();
    expect((search.structuredContent.output as { contacts: Contact[] }).contacts[0]).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
    });

    const created = await call(client, 'hubspot-sandbox__contacts_create', {
      firstName: 'Emmy',
      lastName: 'Noether',
      email: 'emmy.noether@example.com',
      phone: '+49 551 0000',
    });
    expect(created.isError, created.content[0]?.text).toBeFalsy();
    const { id } = created.structuredContent.output as Contact;
    const before = world.sandbox.count('PATCH', `/hubspot/crm/v3/objects/contacts/${id}`);
    const updated = await call(client, 'hubspot-sandbox__contacts_update', {
      id,
      jobTitle: 'Professor',
      phone: null,
    });
    expect(updated.isError, updated.content[0]?.text).toBeFalsy();
    expect(updated.structuredContent.output).toMatchObject({
      id,
      firstName: 'Emmy',
      jobTitle: 'Professor',
      phone: null,
    });
    expect(JSON.parse(updated.content[0]?.text ?? '{}')).toMatchObject({ jobTitle: 'Professor' });
    // Several provider calls, so no single requestId: the log below has each one.
    expect(updated.structuredContent).not.toHaveProperty('requestId');
    expect(world.sandbox.count('PATCH', `/hubspot/crm/v3/objects/contacts/${id}`)).toBe(before + 1);
    const logs = await world.api('GET', `/v1/logs?connection=${world.hubspot}&limit=10`);
    expect(logs.body.data.map((entry: { action: string | null }) => entry.action)).toEqual(
      expect.arrayContaining(['search_contacts', 'create_contact', 'update_contact']),
    );
  });

  it('answers a Salesforce update it cannot write as invalid_input at the field, and an unknown id as not_found', async () => {
    const client = await connect();
    const [ada] = (
      (
        await call(client, 'salesforce-sandbox__contacts_search', {
          email: 'ada.lovelace@example.com',
        })
      ).structuredContent.output as { contacts: Contact[] }
    ).contacts;
    const patches = () => world.sandbox.requests.filter((r) => r.method === 'PATCH').length;
    const before = patches();
    const cleared = await call(client, 'salesforce-sandbox__contacts_update', {
      id: ada?.id,
      lastName: null,
    });
    expect(cleared.isError).toBe(true);
    expect(cleared.structuredContent.error).toMatchObject({
      code: 'invalid_input',
      path: 'input.lastName',
      details: { reason: 'missing_required', field: 'lastName', source: 'LastName' },
    });
    expect(patches()).toBe(before);

    const changed = await call(client, 'salesforce-sandbox__contacts_update', {
      id: ada?.id,
      jobTitle: 'Analyst',
    });
    expect(changed.structuredContent.output).toMatchObject({
      id: ada?.id,
      lastName: 'Lovelace',
      jobTitle: 'Analyst',
    });

    const missing = await call(client, 'salesforce-sandbox__contacts_update', {
      id: '003000000000999',
      jobTitle: 'Ghost',
    });
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent.error).toMatchObject({
      code: 'not_found',
      message: 'Salesforce has no contact 003000000000999',
    });
    const logs = await world.api('GET', `/v1/logs?connection=${salesforce}&limit=10`);
    expect(logs.body.data.map((entry: { action: string | null }) => entry.action)).toEqual(
      expect.arrayContaining(['update_record', 'query']),
    );
  });

  it('finds and runs them in dynamic mode', async () => {
    const client = await connect(`tenant=${TENANT}&mode=dynamic`);
    const search = await call(client, 'search_actions', { query: 'salesforce contacts update' });
    const found = (search.structuredContent.output as { actions: { tool: string }[] }).actions;
    expect(found[0]?.tool).toBe('salesforce-sandbox__contacts_update');
    const run = await call(client, 'run_action', {
      tool: 'hubspot-sandbox__contacts_get',
      input: { id: '51' },
    });
    expect(run.isError, run.content[0]?.text).toBeFalsy();
    expect(run.structuredContent.output).toMatchObject({ id: '51' });
  });
});
