// `joinery mcp`: MCP over stdio, for agents that start their tools as child processes (Claude
// Desktop, Claude Code, Cursor).
//
// It is a client of a running Joinery (JOINERY_URL + JOINERY_SECRET_KEY), not a second engine:
// the embedded store is single-process, so an engine here would be refused while `joinery start`
// runs on the same data directory — and an agent's tool would hold the store hostage when it does
// not. Through the API it also works against a Joinery on another machine, holds no encryption key,
// and offers exactly the tools, names and errors `/mcp` offers: both are the same toolset
// (@joinery/server/mcp), over the engine there and over the HTTP API here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { JoineryClient } from '@joinery/sdk';
import type { McpBackend, McpConnectorDescription, McpScope } from '@joinery/server/mcp';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { stopSignal } from '../stop-signal.js';

const DEFAULT_POLL_MS = 2_000;

const spec = {
  name: 'mcp',
  summary:
    "Serve MCP over stdio: a tenant's connected apps as tools (or, with --builder, tools to build connectors).",
  usage:
    'joinery mcp --tenant T [--connections ID,…] [--actions NAME,…] [--dynamic] [--url URL]\n       joinery mcp --builder [--connectors-dir D] [--url URL]',
  description: [
    'Speaks MCP (JSON-RPC) on stdin/stdout for an agent that starts it; diagnostics go to stderr.',
    "Tools are the actions of the tenant's connections, named <integration>__<action> (see",
    "docs/mcp.md); errors come back as tool results carrying Joinery's error code. The tool list",
    "is re-read when the tenant's connections change, and the agent is told (tools/list_changed).",
    'Talks to a running Joinery through its API, like the other remote commands.',
    '',
    '--builder serves the builder toolset instead: list_connectors, describe_connector,',
    'list_connections, scaffold_connector (OpenAPI → a connector file in --connectors-dir),',
    'run_action (with the request-log exchange), read_logs, read_schema_drift.',
  ].join('\n'),
  options: {
    tenant: {
      type: 'string',
      value: 'T',
      description: 'the tenant whose connections become tools (required without --builder)',
    },
    connections: {
      type: 'string',
      value: 'ID,…',
      description: 'only these connections (comma-separated ids)',
    },
    actions: {
      type: 'string',
      value: 'NAME,…',
      description:
        'only these actions: action names (list_issues) or tool names (github__list_issues)',
    },
    dynamic: {
      type: 'boolean',
      description:
        'offer search_actions + run_action instead of one tool per action (large catalogs)',
    },
    builder: { type: 'boolean', description: 'serve the builder toolset (for coding agents)' },
    'connectors-dir': {
      type: 'string',
      value: 'D',
      description:
        'where scaffold_connector writes (default: JOINERY_CONNECTORS_DIR, else ./connectors)',
    },
    'poll-ms': {
      type: 'string',
      value: 'N',
      description: `how often the tenant's connections are checked for changes (default ${DEFAULT_POLL_MS})`,
    },
    url: urlOption,
  },
  environment: [
    ...remoteEnvironment,
    ['JOINERY_CONNECTORS_DIR', 'with --builder: the default for --connectors-dir'],
  ],
  examples: [
    'joinery mcp --tenant acme',
    'joinery mcp --tenant acme --connections conn_abc --actions list_issues,create_issue',
    'joinery mcp --builder --connectors-dir ./connectors',
    '{"mcpServers": {"joinery": {"command": "joinery", "args": ["mcp", "--tenant", "acme"], "env": {"JOINERY_URL": "http://127.0.0.1:3003", "JOINERY_SECRET_KEY": "jny_sk_…"}}}}',
  ],
} as const satisfies CommandSpec;

export const mcpCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    const pollMs = values['poll-ms'] === undefined ? DEFAULT_POLL_MS : Number(values['poll-ms']);
    if (!Number.isInteger(pollMs) || pollMs < 100 || pollMs > 600_000)
      throw new UsageError('--poll-ms takes whole milliseconds from 100 to 600000.', spec.name);
    if (values.builder) {
      for (const flag of ['tenant', 'connections', 'actions', 'dynamic'] as const)
        if (values[flag] !== undefined)
          throw new UsageError(`--${flag} is for the runtime toolset, not --builder.`, spec.name);
    } else {
      if (values['connectors-dir'] !== undefined)
        throw new UsageError('--connectors-dir only applies with --builder.', spec.name);
      if (!values.tenant)
        throw new UsageError(
          'which tenant? An MCP session works for one tenant: --tenant T (or --builder for the builder toolset).',
          spec.name,
        );
    }
    const client = remoteClient(io, values.url);
    const stdio = await import('@modelcontextprotocol/server/stdio');
    const input = Readable.from(io.stdin);
    const output = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        io.stdout.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        done();
      },
    });
    const transport = new stdio.StdioServerTransport(input, output);
    const onerror = (error: Error) => io.stderr.write(`joinery mcp: ${error.message}\n`);

    if (values.builder) {
      const { createBuilderServer } = await import('@joinery/builder');
      const connectorsDir = resolve(
        values['connectors-dir'] ?? io.env.JOINERY_CONNECTORS_DIR ?? './connectors',
      );
      // Fails now, with a message, if Joinery is not there or the key is wrong.
      await client.connectors.list();
      const handle = stdio.serveStdio(
        () => createBuilderServer({ client, connectorsDir, version: version() }),
        { transport, onerror },
      );
      io.stderr.write(
        `joinery mcp: builder tools for ${client.url}; connector files go to ${connectorsDir}\n`,
      );
      await untilDone(input, io);
      await handle.close();
      return EXIT_OK;
    }

    const scope: McpScope = {
      tenant: values.tenant as string,
      mode: values.dynamic ? 'dynamic' : 'tools',
      ...(values.connections ? { connections: list(values.connections, 'connections') } : {}),
      ...(values.actions ? { actions: list(values.actions, 'actions') } : {}),
    };
    const mcp = await import('@joinery/server/mcp');
    const backend = sdkBackend(client.withTenant(scope.tenant));
    // Fails now, with a message, if Joinery is not there, the key is wrong or a connection is not the tenant's.
    const connections = await backend.listConnections(scope.tenant);
    const missing = (scope.connections ?? []).filter((id) => !connections.some((c) => c.id === id));
    if (missing.length > 0)
      throw new UsageError(
        `tenant "${scope.tenant}" has no connection ${missing.join(', ')}; \`joinery connections --tenant ${scope.tenant}\` lists them.`,
        spec.name,
      );
    let current: { sendToolListChanged(): Promise<void> } | null = null;
    const handle = stdio.serveStdio(
      () => {
        const server = mcp.createToolServer(backend, scope, {
          version: version(),
          onError: (error, context) =>
            io.stderr.write(
              `joinery mcp: ${context.tool} failed: ${error instanceof Error ? error.message : String(error)}\n`,
            ),
        });
        current = server;
        return server;
      },
      { transport, onerror },
    );
    const watcher = new mcp.ConnectionWatcher({
      intervalMs: pollMs,
      onError: (error) =>
        io.stderr.write(
          `joinery mcp: reading connections failed: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
    });
    watcher.subscribe(
      scope.tenant,
      () => backend.listConnections(scope.tenant),
      mcp.onScopeChange(
        scope,
        () =>
          void current?.sendToolListChanged().catch((error: unknown) => {
            io.stderr.write(
              `joinery mcp: could not notify the client that tools changed: ${String(error)}\n`,
            );
          }),
        mcp.scopeFingerprint(connections, scope),
      ),
    );
    io.stderr.write(
      `joinery mcp: tenant "${scope.tenant}" on ${client.url}, ${mcp.inScope(connections, scope).length} connection(s)${scope.mode === 'dynamic' ? ', dynamic mode' : ''}\n`,
    );
    await untilDone(input, io);
    watcher.close();
    await handle.close();
    return EXIT_OK;
  },
};

/** Until the agent closes stdin, or SIGINT/SIGTERM (or the caller's signal). */
async function untilDone(input: Readable, io: CliIo): Promise<void> {
  const stop = stopSignal(io);
  await new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    if (stop.signal.aborted) resolve();
    else stop.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  stop.dispose();
}

function list(raw: string, flag: string): string[] {
  const items = [
    ...new Set(
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item),
    ),
  ];
  if (items.length === 0)
    throw new UsageError(`--${flag} is empty; leave it out to allow all.`, spec.name);
  return items;
}

/** The toolset over the HTTP API, tenant-scoped (`Joinery-Tenant`) so the server enforces isolation. */
export function sdkBackend(client: JoineryClient): McpBackend {
  const described = new Map<string, Promise<McpConnectorDescription>>();
  return {
    async listConnections(tenant, signal) {
      return (await client.connections.list({ tenant }, { signal })).map((c) => ({
        id: c.id,
        integration: c.integration,
        connector: c.connector,
        tenant: c.tenant,
        state: c.state,
        createdAt: c.createdAt,
      }));
    },
    describeConnector(id, signal) {
      let connector = described.get(id);
      if (!connector) {
        connector = client.connectors.get(id, { signal }).then((c) => ({
          id: c.id,
          name: c.name,
          description: c.description,
          actions: c.actions.map((a) => ({
            name: a.name,
            description: a.description,
            readOnly: a.readOnly ?? false,
            idempotent: a.idempotent,
            destructive: a.destructive,
            method: a.method,
            path: a.path,
            input: a.input,
            output: a.output,
          })),
        }));
        described.set(id, connector);
        // A failed read is not kept: the next call asks again.
        void connector.catch(() => described.delete(id));
      }
      return connector;
    },
    async runAction(call) {
      const result = await client.actions.run(call.connectionId, call.action, call.input, {
        signal: call.signal,
      });
      return { output: result.output, requestId: result.requestId };
    },
    async reconnectUrl(_tenant, connectionId) {
      return (await client.connections.get(connectionId)).reconnectUrl;
    },
  };
}

function version(): string {
  // package.json sits two levels above both src/commands/ and dist/commands/.
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? 'unknown';
}
