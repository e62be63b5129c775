// The builder toolset (`joinery mcp --builder`): for coding agents (Claude Code, Cursor) building
// an integration with Joinery. It reads the running Joinery through its HTTP API and writes
// connector files into the user's repository — files, never hidden state.
import { isJoineryError, type JoineryClient } from '@joinery/sdk';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ScaffoldError, loadOpenApi } from './openapi/document.js';
import { scaffoldConnector } from './openapi/scaffold-connector.js';
import { writeConnectorFile } from './openapi/write-connector.js';

export interface BuilderServerOptions {
  /** A client of the running Joinery (its URL and secret key). */
  client: JoineryClient;
  /** Where scaffold_connector writes, unless told otherwise: your JOINERY_CONNECTORS_DIR. */
  connectorsDir: string;
  version: string;
}

interface Result {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Most log entries one read returns. */
const MAX_LOG_ENTRIES = 200;

function ok(value: Record<string, unknown>, summary?: string): Result {
  return {
    content: [{ type: 'text', text: summary ?? JSON.stringify(value, null, 2) }],
    structuredContent: value,
  };
}

/** A failure as a tool result carrying Joinery's taxonomy, as `/mcp` answers them. */
function failed(error: unknown): Result {
  let body: Record<string, unknown>;
  if (error instanceof ScaffoldError)
    body = {
      code: 'invalid_input',
      message: error.message,
      retryable: false,
      ...(error.path ? { path: error.path } : {}),
    };
  else if (isJoineryError(error)) body = error.toJSON();
  else
    body = {
      code: 'internal',
      message: error instanceof Error ? error.message : String(error),
      retryable: false,
    };
  const hint = typeof body.reconnectUrl === 'string' ? ` Reconnect at ${body.reconnectUrl}` : '';
  return {
    content: [{ type: 'text', text: `${String(body.code)}: ${String(body.message)}${hint}` }],
    structuredContent: { error: body },
    isError: true,
  };
}

async function attempt(run: () => Promise<Result>): Promise<Result> {
  try {
    return await run();
  } catch (error) {
    return failed(error);
  }
}

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

export function createBuilderServer(options: BuilderServerOptions): McpServer {
  const { client } = options;
  const server = new McpServer(
    { name: 'joinery-builder', title: 'Joinery builder', version: options.version },
    {
      instructions: [
        `Build integrations with the Joinery at ${client.url}.`,
        'Inspect connectors (list_connectors, describe_connector); scaffold a new one from an OpenAPI document (scaffold_connector writes a TypeScript file into your repo);',
        'after Joinery restarts with JOINERY_CONNECTORS_DIR pointing at that directory, create an integration and a connection, then run_action and read the exchange, read_logs and read_schema_drift.',
      ].join(' '),
    },
  );

  server.registerTool(
    'list_connectors',
    {
      title: 'List connectors',
      description:
        'The connectors this Joinery knows (built-in and loaded from JOINERY_CONNECTORS_DIR), with their auth types and action names.',
      inputSchema: z.object({}),
      annotations: { ...readOnly, openWorldHint: false },
    },
    () =>
      attempt(async () => {
        const connectors = await client.connectors.list();
        return ok(
          {
            connectors: connectors.map((c) => ({
              id: c.id,
              name: c.name,
              description: c.description,
              authTypes: c.authTypes,
              baseUrl: c.baseUrl,
              actions: c.actions.map((a) => a.name),
            })),
          },
          connectors
            .map(
              (c) =>
                `${c.id}: ${c.name} (${c.actions.length} actions; auth ${c.authTypes.join(', ')})`,
            )
            .join('\n'),
        );
      }),
  );

  server.registerTool(
    'describe_connector',
    {
      title: 'Describe a connector',
      description:
        "One connector: base URL, auth, pagination, health check, and each action's method, path and input/output JSON Schema.",
      inputSchema: z.object({ id: z.string().min(1).describe('Connector id, e.g. github') }),
      annotations: { ...readOnly, openWorldHint: false },
    },
    ({ id }) => attempt(async () => ok({ connector: await client.connectors.get(id) })),
  );

  server.registerTool(
    'list_connections',
    {
      title: 'List connections',
      description:
        'Connections (never their credentials): id, integration, connector, tenant, state and last error. Use an id with run_action and read_logs.',
      inputSchema: z.object({
        tenant: z.string().optional(),
        integration: z.string().optional(),
      }),
      annotations: { ...readOnly, openWorldHint: false },
    },
    ({ tenant, integration }) =>
      attempt(async () =>
        ok({ connections: await client.connections.list({ tenant, integration }) }),
      ),
  );

  server.registerTool(
    'scaffold_connector',
    {
      title: 'Scaffold a connector from OpenAPI',
      description: [
        'Writes a connector file (TypeScript: defineConnector + one defineHttpAction per operation, zod schemas generated from the document) into a directory of your repo.',
        'openapi: a path, file: URL or http(s) URL of an OpenAPI 3.0/3.1 document (JSON or YAML); operations: operationIds.',
        'Joinery loads the directory at start when JOINERY_CONNECTORS_DIR points at it. Output schemas are loose with optional fields (tighten what you rely on); an existing file is kept unless overwrite.',
      ].join(' '),
      inputSchema: z.object({
        openapi: z
          .string()
          .min(1)
          .describe('Path, file: URL or http(s) URL of the OpenAPI document'),
        operations: z
          .array(z.string().min(1))
          .min(1)
          .max(100)
          .describe('operationIds, e.g. ["repos/get", "issues/list-for-repo"]'),
        id: z
          .string()
          .optional()
          .describe('Connector id (lower-case, dashes); defaults to one from info.title'),
        name: z.string().optional(),
        baseUrl: z.string().optional().describe("Defaults to the document's first server"),
        directory: z
          .string()
          .optional()
          .describe(`Where to write; defaults to ${options.connectorsDir}`),
        overwrite: z.boolean().optional(),
        strictOutput: z
          .boolean()
          .optional()
          .describe("Keep the document's required fields in output schemas"),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (args) =>
      attempt(async () => {
        const doc = await loadOpenApi(args.openapi);
        const scaffolded = scaffoldConnector(doc, {
          operations: args.operations,
          id: args.id,
          name: args.name,
          baseUrl: args.baseUrl,
          source: args.openapi,
          strictOutput: args.strictOutput,
        });
        const directory = args.directory ?? options.connectorsDir;
        const file = await writeConnectorFile(directory, scaffolded, {
          overwrite: args.overwrite ?? false,
        });
        const next = [
          `Start (or restart) Joinery with JOINERY_CONNECTORS_DIR=${directory}.`,
          `PUT /v1/integrations/<key> {"connector": "${scaffolded.id}"${scaffolded.source.includes("integrationRequires: ['baseUrl']") ? ', "baseUrl": "<https://…>"' : ''}}, then POST /v1/connections with the tenant's credentials.`,
          `Try it: run_action {"connection": "<id>", "action": "${scaffolded.actions[0]?.name ?? ''}", "input": {…}}.`,
        ];
        return ok(
          { file, id: scaffolded.id, actions: scaffolded.actions, notes: scaffolded.notes, next },
          [
            `Wrote ${file} (connector "${scaffolded.id}", ${scaffolded.actions.length} actions: ${scaffolded.actions.map((a) => a.name).join(', ')}).`,
            ...scaffolded.notes.map((n) => `Note: ${n}`),
            'Next:',
            ...next.map((n) => `- ${n}`),
          ].join('\n'),
        );
      }),
  );

  server.registerTool(
    'run_action',
    {
      title: 'Run an action and show the exchange',
      description:
        "Runs an action on a connection and answers its output (or its error, with the taxonomy code) together with every provider exchange the call made, from Joinery's request log: method, URL, status, duration, attempt, and the retry or wait decision.",
      inputSchema: z.object({
        connection: z.string().min(1).describe('Connection id (conn_…)'),
        action: z.string().min(1).describe('Action name, e.g. list_issues'),
        input: z.record(z.string(), z.unknown()).optional().describe("The action's input"),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ connection, action, input }) =>
      attempt(async () => {
        // What the log held before the call marks where its exchanges start (newest first).
        const before = (await client.logs.list({ connection, limit: 1 })).data[0]?.id;
        let output: unknown;
        let requestId: string | null = null;
        let error: Record<string, unknown> | null = null;
        try {
          ({ output, requestId } = await client.actions.run(connection, action, input ?? {}));
        } catch (caught) {
          if (!isJoineryError(caught)) throw caught;
          error = caught.toJSON();
        }
        const page = await client.logs.list({ connection, limit: MAX_LOG_ENTRIES });
        const newer = page.data.findIndex((entry) => entry.id === before);
        const exchange = (newer === -1 ? page.data : page.data.slice(0, newer))
          .filter((entry) => entry.source === 'action' && entry.action === action)
          .reverse();
        const result = error ? { error, exchange } : { output, requestId, exchange };
        const lines = exchange.map(
          (e) =>
            `${e.method} ${e.url} → ${e.status ?? e.errorCode ?? '?'} in ${e.durationMs} ms (attempt ${e.attempt ?? 1}${e.decision ? `; ${e.decision}` : ''})`,
        );
        const head = error
          ? `${String(error.code)}: ${String(error.message)}`
          : JSON.stringify(output, null, 2);
        return {
          ...ok(result, [head, '', 'Exchange:', ...lines].join('\n')),
          ...(error ? { isError: true } : {}),
        };
      }),
  );

  server.registerTool(
    'read_logs',
    {
      title: 'Read the request log',
      description:
        'Every outbound exchange, newest first: proxy calls, actions, health checks, with each retry and its reason.',
      inputSchema: z.object({
        connection: z.string().optional(),
        since: z.string().optional().describe('ISO 8601 time'),
        limit: z.number().int().min(1).max(MAX_LOG_ENTRIES).optional(),
      }),
      annotations: { ...readOnly, openWorldHint: false },
    },
    ({ connection, since, limit }) =>
      attempt(async () => {
        const page = await client.logs.list({ connection, since, limit: limit ?? 50 });
        return ok({ entries: page.data, nextCursor: page.nextCursor });
      }),
  );

  server.registerTool(
    'read_schema_drift',
    {
      title: 'Read schema drift',
      description:
        "Where an integration's answers differ from its connector's declared output schemas: unknown, missing or re-typed fields, with counts and when first and last seen.",
      inputSchema: z.object({ integration: z.string().min(1).describe('Integration key') }),
      annotations: { ...readOnly, openWorldHint: false },
    },
    ({ integration }) =>
      attempt(async () => ok({ drift: await client.integrations.schemaDrift(integration) })),
  );

  return server;
}
