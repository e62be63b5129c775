// `/mcp` with the official MCP client (@modelcontextprotocol/client) over Streamable HTTP, in both
// protocol eras, against a real Joinery and the GitHub and Slack sandboxes.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, startMcpWorld, type McpWorld } from './testing.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(
  read: () => Promise<T> | T,
  check: (value: T) => boolean,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

describe('MCP over Streamable HTTP at /mcp', { timeout: 60_000 }, () => {
  let world: McpWorld;
  const clients: Client[] = [];

  async function connect(
    query = `tenant=${TENANT}`,
    options: { era?: 'legacy' | 'modern'; onListChanged?: () => void } = {},
  ): Promise<Client> {
    const client = new Client(
      { name: 'joinery-test', version: '1.0.0' },
      options.era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
    );
    if (options.onListChanged)
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        options.onListChanged?.();
      });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${world.url}/mcp?${query}`), {
        requestInit: { headers: { authorization: `Bearer ${world.secretKey}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    world = await startMcpWorld();
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await world?.close();
  });

  it("lists one tool per action of the tenant's connections, named <integration>__<action>, with schemas and hints", async () => {
    const client = await connect();
    expect(client.getProtocolEra()).toBe('legacy');
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'github-sandbox__list_issues',
        'github-sandbox__create_issue',
        'hubspot-sandbox__get_contact',
        'hubspot-sandbox__create_contact',
      ]),
    );
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const listIssues = tools.find((tool) => tool.name === 'github-sandbox__list_issues');
    // The action's own JSON Schema (draft 2020-12), as GET /v1/connectors/github shows it.
    expect(listIssues?.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: expect.arrayContaining(['owner', 'repo']),
    });
    expect(listIssues?.outputSchema).toMatchObject({
      type: 'object',
      properties: {
        output: { type: 'array' },
        error: { required: ['code', 'message', 'retryable'] },
      },
      anyOf: [{ required: ['output'] }, { required: ['error'] }],
    });
    expect(listIssues?.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(listIssues?.description).toContain(`tenant "${TENANT}"`);
    const create = tools.find((tool) => tool.name === 'github-sandbox__create_issue');
    expect(create?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
  });

  it('calls a tool: structuredContent {output, requestId} and the same output as text', async () => {
    const client = await connect();
    const result = await client.callTool({
      name: 'github-sandbox__get_repository',
      arguments: { owner: 'octocat', repo: 'hello-world' },
    });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as {
      output: { full_name: string };
      requestId: string;
    };
    expect(structured.output.full_name).toBe('octocat/hello-world');
    expect(structured.requestId).toMatch(/^req_/);
    const text = (result.content as { type: string; text: string }[])[0];
    expect(JSON.parse(text?.text ?? '{}')).toMatchObject({ full_name: 'octocat/hello-world' });
    // The exchange is in the request log under the same id.
    const logs = await world.api('GET', `/v1/logs?connection=${world.github}&limit=5`);
    expect(logs.body.data.map((entry: { requestId: string }) => entry.requestId)).toContain(
      structured.requestId,
    );
  });

  it('answers invalid input as a tool error with the JSON path, without calling the provider', async () => {
    const client = await connect();
    const before = world.sandbox.count('POST', '/github/repos/octocat/hello-world/issues');
    const result = await client.callTool({
      name: 'github-sandbox__create_issue',
      arguments: { owner: 'octocat', repo: 'hello-world', title: 42 },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({
      error: { code: 'invalid_input', retryable: false, path: 'input.title' },
    });
    const text = (result.content as { text: string }[])[0]?.text ?? '';
    expect(text).toMatch(/^invalid_input: .*input\.title/);
    expect(world.sandbox.count('POST', '/github/repos/octocat/hello-world/issues')).toBe(before);
  });

  it('refuses an unknown tool name as a protocol error', async () => {
    const client = await connect();
    await expect(client.callTool({ name: 'github-sandbox__nope', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it('narrows a session to some connections and actions, and refuses a connection the tenant lacks', async () => {
    const onlyGitHub = await connect(
      `tenant=${TENANT}&connections=${world.github}&actions=list_issues,github-sandbox__get_issue`,
    );
    expect((await onlyGitHub.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
      'github-sandbox__get_issue',
      'github-sandbox__list_issues',
    ]);
    await expect(connect(`tenant=${TENANT}&connections=conn_missing`)).rejects.toThrow(
      /not_found.*no connection .*conn_missing/,
    );
    // Another tenant sees none of acme's tools and cannot call them.
    const other = await connect('tenant=globex');
    expect((await other.listTools()).tools).toEqual([]);
    await expect(
      other.callTool({
        name: 'github-sandbox__list_issues',
        arguments: { owner: 'octocat', repo: 'hello-world' },
      }),
    ).rejects.toThrow(/Unknown tool/);
  });

  it('offers search_actions and run_action in dynamic mode', async () => {
    const client = await connect(`tenant=${TENANT}&mode=dynamic`);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'search_actions',
      'run_action',
    ]);
    const search = await client.callTool({
      name: 'search_actions',
      arguments: { query: 'repository get', limit: 3 },
    });
    const found = (
      search.structuredContent as { output: { actions: { tool: string; inputSchema: unknown }[] } }
    ).output.actions;
    expect(found[0]?.tool).toBe('github-sandbox__get_repository');
    expect(found[0]?.inputSchema).toMatchObject({ type: 'object' });
    const run = await client.callTool({
      name: 'run_action',
      arguments: {
        tool: 'github-sandbox__get_repository',
        input: { owner: 'octocat', repo: 'hello-world' },
      },
    });
    expect((run.structuredContent as { output: { name: string } }).output.name).toBe('hello-world');
    const missing = await client.callTool({
      name: 'run_action',
      arguments: { tool: 'nope__nope' },
    });
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent).toMatchObject({
      error: { code: 'not_found', path: 'input.tool' },
    });
  });

  it('checks the secret key, the tenant, and Host/Origin against DNS rebinding', async () => {
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    });
    const post = (headers: Record<string, string>, query = `tenant=${TENANT}`) =>
      fetch(`${world.url}/mcp?${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: initialize,
      });
    const auth = { authorization: `Bearer ${world.secretKey}` };
    const noKey = await post({});
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('www-authenticate')).toContain('Bearer');
    expect(await noKey.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(
      (await post({ authorization: 'Bearer jny_sk_wrong_wrong_wrong_wrong_wrong' })).status,
    ).toBe(401);
    const noTenant = await post(auth, '');
    expect(noTenant.status).toBe(400);
    expect(await noTenant.json()).toMatchObject({
      error: { code: 'invalid_input', path: 'query.tenant' },
    });
    expect((await post({ ...auth, origin: 'https://evil.example' })).status).toBe(403);
    // Host is a forbidden header for fetch; node:http sends what it is given.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${world.url}/mcp?tenant=${TENANT}`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: {
            host: `evil.example:${url.port}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...auth,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(initialize);
    });
    expect(status).toBe(403);
    // A local page is fine.
    expect((await post({ ...auth, origin: 'http://localhost:5173' })).status).toBe(200);
  });

  it('primes 2025-11-25 SSE streams (id, retry, empty data) and replays them after Last-Event-ID', async () => {
    const headers = {
      authorization: `Bearer ${world.secretKey}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const url = `${world.url}/mcp?tenant=${TENANT}`;
    const init = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    expect(session).not.toBe('');
    await init.text();
    const inSession = {
      ...headers,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
    };
    await fetch(url, {
      method: 'POST',
      headers: inSession,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    const call = await fetch(url, {
      method: 'POST',
      headers: inSession,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'github-sandbox__get_repository',
          arguments: { owner: 'octocat', repo: 'hello-world' },
        },
      }),
    });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const events = (await call.text()).split('\n\n').filter((event) => event.trim() !== '');
    const priming = /^id: (\S+)\nretry: 1000\ndata: $/.exec(events[0] ?? '');
    expect(priming, events[0]).not.toBeNull();
    expect(events[1]).toContain('"full_name":"octocat/hello-world"');
    // A client that lost the stream after the priming event gets the answer again.
    const resumed = await fetch(url, {
      method: 'GET',
      headers: { ...inSession, accept: 'text/event-stream', 'last-event-id': priming?.[1] ?? '' },
    });
    expect(resumed.status).toBe(200);
    const reader = (resumed.body as ReadableStream<Uint8Array>).getReader();
    let replayed = '';
    while (!replayed.includes('octocat/hello-world')) {
      const { value, done } = await reader.read();
      if (done) break;
      replayed += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(replayed).toContain('"full_name":"octocat/hello-world"');
  });

  it('serves the 2026-07-28 era too: discover, list, call', async () => {
    const client = await connect(`tenant=${TENANT}`, { era: 'modern' });
    expect(client.getProtocolEra()).toBe('modern');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('github-sandbox__get_repository');
    const result = await client.callTool({
      name: 'github-sandbox__get_repository',
      arguments: { owner: 'octocat', repo: 'hello-world' },
    });
    expect((result.structuredContent as { output: { name: string } }).output.name).toBe(
      'hello-world',
    );
    const invalid = await client.callTool({
      name: 'github-sandbox__get_repository',
      arguments: { owner: 'octocat' },
    });
    expect(invalid.structuredContent).toMatchObject({
      error: { code: 'invalid_input', path: 'input.repo' },
    });
  });

  it("tells sessions of both eras when the tenant's connections change, and renames tools for a second account", async () => {
    let legacyNotes = 0;
    let modernNotes = 0;
    const legacy = await connect(`tenant=${TENANT}`, { onListChanged: () => legacyNotes++ });
    const modern = await connect(`tenant=${TENANT}`, {
      era: 'modern',
      onListChanged: () => modernNotes++,
    });
    await modern.listen({ toolsListChanged: true });
    // A session for another tenant hears nothing of acme's changes.
    let otherNotes = 0;
    await connect('tenant=globex', { onListChanged: () => otherNotes++ });
    await sleep(500);

    const second = await world.connectGitHub(TENANT);
    await eventually(
      () => legacyNotes + modernNotes,
      () => legacyNotes > 0 && modernNotes > 0,
    );
    expect(legacyNotes).toBeGreaterThan(0);
    expect(modernNotes).toBeGreaterThan(0);
    const names = (await legacy.listTools()).tools.map((tool) => tool.name);
    // Two connections of one integration: both are named by connection.
    expect(names).toContain(`github-sandbox__${world.github.replace('conn_', '')}__list_issues`);
    expect(names).toContain(`github-sandbox__${second.replace('conn_', '')}__list_issues`);
    expect(names).not.toContain('github-sandbox__list_issues');

    const before = legacyNotes;
    expect((await world.api('DELETE', `/v1/connections/${second}`)).status).toBe(204);
    await eventually(
      () => legacyNotes,
      (count) => count > before,
    );
    expect((await legacy.listTools()).tools.map((tool) => tool.name)).toContain(
      'github-sandbox__list_issues',
    );
    expect(otherNotes).toBe(0);
  });

  it('answers a call on a revoked connection with auth_revoked and the reconnect link', async () => {
    const client = await connect();
    const call = () =>
      client.callTool({ name: 'hubspot-sandbox__get_contact', arguments: { id: '51' } });
    const working = await call();
    expect(working.isError).toBeFalsy();
    world.revokeHubSpot();
    const before = world.sandbox.count('GET', '/hubspot/crm/v3/objects/contacts/51');
    for (const attempt of [1, 2]) {
      // The first call meets HubSpot's 401; the second fails fast without calling HubSpot.
      const result = await call();
      expect(result.isError, `attempt ${attempt}`).toBe(true);
      const error = (result.structuredContent as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({
        code: 'auth_revoked',
        retryable: false,
        connectionId: world.hubspot,
      });
      expect(String(error.reconnectUrl)).toMatch(
        new RegExp(`^${world.url}/connect/[A-Za-z0-9_-]+$`),
      );
      expect((result.content as { text: string }[])[0]?.text).toContain(String(error.reconnectUrl));
    }
    expect(world.sandbox.count('GET', '/hubspot/crm/v3/objects/contacts/51')).toBe(before + 1);
    const connection = await world.api('GET', `/v1/connections/${world.hubspot}`);
    expect(connection.body.state).toBe('needs_reauth');
  });
});
