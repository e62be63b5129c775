// `joinery mcp` over stdio: the compiled CLI spawned as an agent would start it, driven by the
// official MCP client, against a real Joinery with the GitHub and HubSpot sandboxes.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { TENANT, startMcpWorld, type McpWorld } from '@joinery/server/mcp-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('joinery mcp over stdio', { timeout: 60_000 }, () => {
  let world: McpWorld;
  const clients: Client[] = [];
  const stderr: string[] = [];

  async function spawnMcp(
    args: string[],
    options: { era?: 'modern'; onListChanged?: () => void } = {},
  ): Promise<Client> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', ...args],
      env: {
        ...getDefaultEnvironment(),
        JOINERY_URL: world.url,
        JOINERY_SECRET_KEY: world.secretKey,
      },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    const client = new Client(
      { name: 'joinery-stdio-test', version: '1.0.0' },
      options.era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
    );
    if (options.onListChanged)
      client.setNotificationHandler('notifications/tools/list_changed', () =>
        options.onListChanged?.(),
      );
    await client.connect(transport);
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

  it("lists the tenant's actions as tools, with the same names and schemas as /mcp", async () => {
    const client = await spawnMcp(['--tenant', TENANT, '--poll-ms', '200']);
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'github-sandbox__get_repository',
        'github-sandbox__create_issue',
        'hubspot-sandbox__get_contact',
      ]),
    );
    const create = tools.find((tool) => tool.name === 'github-sandbox__create_issue');
    expect(create?.inputSchema.required).toEqual(
      expect.arrayContaining(['owner', 'repo', 'title']),
    );
    expect(create?.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: true });
    // Unified actions carry their declared effect over stdio as over /mcp.
    const hint = (name: string) => tools.find((tool) => tool.name === name)?.annotations;
    expect(hint('hubspot-sandbox__contacts_update')).toMatchObject({
      readOnlyHint: false,
      idempotentHint: true,
      destructiveHint: true,
    });
    expect(hint('hubspot-sandbox__contacts_create')).toMatchObject({
      readOnlyHint: false,
      idempotentHint: false,
      destructiveHint: false,
    });
    // stdout carries only the protocol; the banner went to stderr.
    expect(stderr.join('')).toContain(`tenant "${TENANT}"`);
  });

  it('calls a tool that succeeds, and one whose input fails validation with the JSON path', async () => {
    const client = await spawnMcp(['--tenant', TENANT]);
    const ok = await client.callTool({
      name: 'github-sandbox__list_issues',
      arguments: { owner: 'octocat', repo: 'hello-world', limit: 3 },
    });
    expect(ok.isError).toBeFalsy();
    const output = (ok.structuredContent as { output: { number: number }[] }).output;
    expect(output).toHaveLength(3);
    expect(typeof output[0]?.number).toBe('number');

    const invalid = await client.callTool({
      name: 'github-sandbox__list_issues',
      arguments: { owner: 'octocat', repo: 'hello-world', state: 'sideways' },
    });
    expect(invalid.isError).toBe(true);
    expect(invalid.structuredContent).toMatchObject({
      error: { code: 'invalid_input', path: 'input.state', retryable: false },
    });
  });

  it('serves the 2026-07-28 era and the dynamic mode on stdio too', async () => {
    const client = await spawnMcp(['--tenant', TENANT, '--dynamic'], { era: 'modern' });
    expect(client.getProtocolEra()).toBe('modern');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'search_actions',
      'run_action',
    ]);
    const run = await client.callTool({
      name: 'run_action',
      arguments: {
        tool: 'github-sandbox__get_repository',
        input: { owner: 'octocat', repo: 'hello-world' },
      },
    });
    expect((run.structuredContent as { output: { full_name: string } }).output.full_name).toBe(
      'octocat/hello-world',
    );
  });

  it('tells the agent when the tenant connects another account', async () => {
    let notes = 0;
    const client = await spawnMcp(['--tenant', TENANT, '--poll-ms', '200'], {
      onListChanged: () => notes++,
    });
    const before = (await client.listTools()).tools.length;
    const second = await world.connectGitHub(TENANT);
    const deadline = Date.now() + 10_000;
    while (notes === 0 && Date.now() < deadline) await sleep(50);
    expect(notes).toBeGreaterThan(0);
    const after = (await client.listTools()).tools;
    expect(after.length).toBeGreaterThan(before);
    expect(after.map((tool) => tool.name)).toContain(
      `github-sandbox__${second.replace('conn_', '')}__get_repository`,
    );
    expect((await world.api('DELETE', `/v1/connections/${second}`)).status).toBe(204);
  });

  it('refuses to start without a tenant, or with a connection the tenant lacks, and says why on stderr', async () => {
    await expect(spawnMcp([])).rejects.toThrow();
    expect(stderr.join('')).toContain('which tenant?');
    await expect(spawnMcp(['--tenant', TENANT, '--connections', 'conn_nope'])).rejects.toThrow();
    expect(stderr.join('')).toContain(`tenant "${TENANT}" has no connection conn_nope`);
  });

  it('answers a call on a revoked connection with auth_revoked and the reconnect link', async () => {
    const client = await spawnMcp(['--tenant', TENANT]);
    const call = () =>
      client.callTool({ name: 'hubspot-sandbox__get_contact', arguments: { id: '52' } });
    expect((await call()).isError).toBeFalsy();
    world.revokeHubSpot();
    const result = await call();
    expect(result.isError).toBe(true);
    const error = (result.structuredContent as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ code: 'auth_revoked', connectionId: world.hubspot });
    expect(String(error.reconnectUrl)).toMatch(new RegExp(`^${world.url}/connect/[A-Za-z0-9_-]+$`));
    expect((result.content as { text: string }[])[0]?.text).toContain(String(error.reconnectUrl));
  });
});
