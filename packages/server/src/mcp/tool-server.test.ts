// The toolset in one process: the official client and the tool server over a linked in-memory
// pair, on a scripted backend. The end-to-end suites run the same over HTTP and stdio.
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { describe, expect, it, vi } from 'vitest';
import type { McpBackend, McpConnection, McpScope } from './backend.js';
import { hints, portableSchema } from './catalog.js';
import { ConnectionWatcher, onScopeChange } from './connection-watch.js';
import { scopeFromRequest } from './scope.js';
import { toolNames } from './tool-names.js';
import { toolErrorOf } from './tool-result.js';
import { createToolServer } from './tool-server.js';

const connection = (
  id: string,
  integration: string,
  tenant = 'acme',
  state = 'healthy',
): McpConnection => ({
  id,
  integration,
  connector: integration.split('-')[0] as string,
  tenant,
  state,
  createdAt: '2026-01-01T00:00:00Z',
});

function backend(connections: McpConnection[], run: McpBackend['runAction']): McpBackend {
  return {
    listConnections: (tenant) => Promise.resolve(connections.filter((c) => c.tenant === tenant)),
    describeConnector: (id) =>
      Promise.resolve({
        id,
        name: id === 'github' ? 'GitHub' : 'Stripe',
        description: '',
        actions: [
          {
            name: 'get_thing',
            description: 'Get a thing.',
            readOnly: true,
            method: 'GET',
            path: '/things/{id}',
            input: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
            output: { type: 'object', properties: { id: { type: 'string' } } },
          },
          {
            name: 'delete_thing',
            description: 'Delete a thing.',
            readOnly: false,
            method: 'DELETE',
            path: '/things/{id}',
            input: { type: 'object', properties: { id: { type: 'string' } } },
            output: { type: 'object' },
          },
        ],
      }),
    runAction: run,
    reconnectUrl: () => Promise.resolve('https://joinery.example/connect/tok_123'),
  };
}

async function connected(b: McpBackend, scope: McpScope, onError = vi.fn()) {
  const server = createToolServer(b, scope, { version: '0.0.0-test', onError });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return { client, server, onError };
}

describe('tool names', () => {
  it('are <integration>__<action>, qualified by connection only for an integration seen twice', () => {
    expect(
      toolNames([
        { connectionId: 'conn_a1', integration: 'github', action: 'list_issues' },
        { connectionId: 'conn_b2', integration: 'hubspot', action: 'create_contact' },
        { connectionId: 'conn_c3', integration: 'hubspot', action: 'create_contact' },
        { connectionId: 'conn_d4', integration: 'odd.key', action: 'x' },
      ]),
    ).toEqual([
      'github__list_issues',
      'hubspot__b2__create_contact',
      'hubspot__c3__create_contact',
      'odd_key__x',
    ]);
  });

  it('stay within 64 characters and unique', () => {
    const long = 'a'.repeat(63);
    const [name] = toolNames([
      { connectionId: 'conn_1', integration: long, action: 'list_everything' },
    ]);
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^a{55}_[0-9a-f]{8}$/);
    const twins = toolNames([
      { connectionId: 'conn_1', integration: 'a__b', action: 'c' },
      { connectionId: 'conn_2', integration: 'a', action: 'b__c' },
    ]);
    expect(twins[0]).toBe('a__b__c');
    expect(twins[1]).toMatch(/^a__b__c_[0-9a-f]{8}$/);
  });
});

describe('hints and schemas', () => {
  it('derive MCP annotations from readOnly and the HTTP method', () => {
    expect(hints({ readOnly: true, method: 'POST' })).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
    });
    expect(hints({ readOnly: false, method: 'POST' })).toMatchObject({
      destructiveHint: false,
      idempotentHint: false,
    });
    expect(hints({ readOnly: false, method: 'PUT' })).toMatchObject({
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(hints({ readOnly: false, method: 'PATCH' })).toMatchObject({
      destructiveHint: true,
      idempotentHint: false,
    });
    expect(hints({ readOnly: false })).toMatchObject({
      destructiveHint: true,
      openWorldHint: true,
    });
  });

  it('take a declared effect over the default for code actions (unified actions)', () => {
    // contacts.update: overwrites values, a repeat changes nothing more.
    expect(hints({ readOnly: false, idempotent: true, destructive: true })).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    // contacts.create: makes a new record, a repeat makes another.
    expect(hints({ readOnly: false, idempotent: false, destructive: false })).toMatchObject({
      destructiveHint: false,
      idempotentHint: false,
    });
    // Read-only wins over anything declared.
    expect(hints({ readOnly: true, idempotent: false, destructive: true })).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
    });
  });

  it('spell nullable types and open objects portably', () => {
    expect(
      portableSchema({
        type: 'object',
        properties: { note: { type: ['string', 'null'], description: 'd', maxLength: 3 } },
        additionalProperties: {},
      }),
    ).toEqual({
      type: 'object',
      properties: {
        note: { description: 'd', anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] },
      },
      additionalProperties: true,
    });
  });
});

describe('scope from /mcp', () => {
  const scope = (query: string, headers: Record<string, string> = {}) =>
    scopeFromRequest(new URL(`http://x/mcp?${query}`), new Headers(headers));

  it('reads tenant, connections, actions and mode from the query or headers', () => {
    expect(
      scope('tenant=acme&connections=conn_1,%20conn_2,conn_1&actions=list_issues&mode=dynamic'),
    ).toEqual({
      tenant: 'acme',
      mode: 'dynamic',
      connections: ['conn_1', 'conn_2'],
      actions: ['list_issues'],
    });
    expect(scope('', { 'joinery-tenant': 'acme', 'joinery-mcp-connections': 'conn_9' })).toEqual({
      tenant: 'acme',
      mode: 'tools',
      connections: ['conn_9'],
    });
  });

  it('refuses a missing tenant, disagreeing sources and unknown modes, naming the field', () => {
    expect(() => scope('')).toThrow(
      expect.objectContaining({ code: 'invalid_input', path: 'query.tenant' }),
    );
    expect(() => scope('tenant=a', { 'joinery-tenant': 'b' })).toThrow(/disagree/);
    expect(() => scope('tenant=a&mode=all')).toThrow(
      expect.objectContaining({ path: 'query.mode' }),
    );
    expect(() => scope('tenant=a&actions=,')).toThrow(
      expect.objectContaining({ path: 'query.actions' }),
    );
  });
});

describe('tool results', () => {
  it('carry the taxonomy: retry timing, the reconnect link, the JSON path', async () => {
    const run = vi.fn<McpBackend['runAction']>();
    const { client, onError } = await connected(backend([connection('conn_gh', 'github')], run), {
      tenant: 'acme',
      mode: 'tools',
    });
    run.mockRejectedValueOnce(
      Object.assign(new Error('GitHub says slow down'), {
        code: 'rate_limited',
        retryable: true,
        retryAfterMs: 12_000,
      }),
    );
    const limited = await client.callTool({ name: 'github__get_thing', arguments: { id: '1' } });
    expect(limited.isError).toBe(true);
    expect(limited.structuredContent).toEqual({
      error: {
        code: 'rate_limited',
        message: 'GitHub says slow down',
        retryable: true,
        retryAfterMs: 12_000,
      },
    });
    expect((limited.content as { text: string }[])[0]?.text).toBe(
      'rate_limited: GitHub says slow down Retry in 12 s.',
    );

    // auth_revoked from the provider's answer gets the connection's reconnect link.
    run.mockRejectedValueOnce(
      Object.assign(new Error('GitHub refused the token'), {
        code: 'auth_revoked',
        retryable: false,
        connectionId: 'conn_gh',
      }),
    );
    const revoked = await client.callTool({ name: 'github__get_thing', arguments: { id: '1' } });
    expect(revoked.structuredContent).toMatchObject({
      error: { code: 'auth_revoked', reconnectUrl: 'https://joinery.example/connect/tok_123' },
    });

    // Not a taxonomy error: a bug, logged, and never shown to the agent.
    run.mockRejectedValueOnce(new TypeError('cannot read properties of undefined (secret stuff)'));
    const broken = await client.callTool({ name: 'github__get_thing', arguments: { id: '1' } });
    expect(broken.structuredContent).toMatchObject({ error: { code: 'internal' } });
    expect(JSON.stringify(broken)).not.toContain('secret stuff');
    expect(onError).toHaveBeenCalledTimes(1);

    run.mockResolvedValueOnce({ output: { id: '1' }, requestId: null });
    const ok = await client.callTool({ name: 'github__get_thing', arguments: { id: '1' } });
    expect(ok.structuredContent).toEqual({ output: { id: '1' } });
    expect(run).toHaveBeenLastCalledWith(
      expect.objectContaining({
        tenant: 'acme',
        connectionId: 'conn_gh',
        action: 'get_thing',
        input: { id: '1' },
      }),
    );
  });

  it('list only the scope: one tenant, its chosen connections and actions', async () => {
    const connections = [
      connection('conn_gh', 'github'),
      connection('conn_st', 'stripe'),
      connection('conn_other', 'github', 'globex'),
    ];
    const { client } = await connected(backend(connections, vi.fn()), {
      tenant: 'acme',
      mode: 'tools',
      connections: ['conn_gh', 'conn_other'],
      actions: ['get_thing'],
    });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['github__get_thing']);
    expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: true, title: 'GitHub: Get thing' });
  });

  it('offer search_actions and run_action in dynamic mode', async () => {
    const run = vi
      .fn<McpBackend['runAction']>()
      .mockResolvedValue({ output: { gone: true }, requestId: 'req_1' });
    const { client } = await connected(
      backend([connection('conn_gh', 'github'), connection('conn_st', 'stripe')], run),
      { tenant: 'acme', mode: 'dynamic' },
    );
    const found = await client.callTool({
      name: 'search_actions',
      arguments: { query: 'delete stripe' },
    });
    const actions = (
      found.structuredContent as { output: { total: number; actions: { tool: string }[] } }
    ).output;
    expect(actions.total).toBe(4);
    expect(actions.actions.map((a) => a.tool)).toEqual(['stripe__delete_thing']);
    const ran = await client.callTool({
      name: 'run_action',
      arguments: { tool: 'stripe__delete_thing', input: { id: 'x' } },
    });
    expect(ran.structuredContent).toEqual({ output: { gone: true }, requestId: 'req_1' });
    expect(run).toHaveBeenCalledWith(
      expect.objectContaining({ connectionId: 'conn_st', action: 'delete_thing' }),
    );
    await expect(client.callTool({ name: 'github__get_thing', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it('read engine and SDK errors alike, and nothing else', () => {
    expect(
      toolErrorOf({
        code: 'not_found',
        message: 'm',
        retryable: false,
        path: 'input.id',
        status: 404,
      }),
    ).toEqual({
      code: 'not_found',
      message: 'm',
      retryable: false,
      path: 'input.id',
    });
    expect(toolErrorOf(new Error('plain'))).toBeNull();
    expect(toolErrorOf({ code: 'ECONNRESET', message: 'node error' })).toBeNull();
  });
});

describe('connection watcher', () => {
  it('reads each tenant once per interval however many sessions watch it, and stops with the last', async () => {
    vi.useFakeTimers();
    try {
      let current = [connection('conn_1', 'github')];
      const fetch = vi.fn(() => Promise.resolve(current));
      const watcher = new ConnectionWatcher({ intervalMs: 1_000 });
      const changed = { a: 0, b: 0 };
      const scope: McpScope = { tenant: 'acme', mode: 'tools' };
      const stopA = watcher.subscribe(
        'acme',
        fetch,
        onScopeChange(scope, () => changed.a++),
      );
      const stopB = watcher.subscribe(
        'acme',
        fetch,
        onScopeChange({ ...scope, connections: ['conn_1'] }, () => changed.b++),
      );
      await vi.advanceTimersByTimeAsync(1_000);
      expect(fetch).toHaveBeenCalledTimes(1);
      current = [...current, connection('conn_2', 'hubspot')];
      await vi.advanceTimersByTimeAsync(1_000);
      // Session B only sees conn_1: nothing changed for it.
      expect(changed).toEqual({ a: 1, b: 0 });
      current = [
        connection('conn_1', 'github', 'acme', 'needs_reauth'),
        connection('conn_2', 'hubspot'),
      ];
      await vi.advanceTimersByTimeAsync(1_000);
      expect(changed).toEqual({ a: 2, b: 1 });
      stopA();
      stopB();
      expect(watcher.watched).toBe(0);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(fetch).toHaveBeenCalledTimes(3);
      watcher.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses to watch more tenants than its bound', () => {
    const watcher = new ConnectionWatcher({ maxWatched: 1 });
    watcher.subscribe(
      'a',
      () => Promise.resolve([]),
      () => {},
    );
    expect(() =>
      watcher.subscribe(
        'b',
        () => Promise.resolve([]),
        () => {},
      ),
    ).toThrow(/already watching 1/);
    watcher.close();
  });
});
