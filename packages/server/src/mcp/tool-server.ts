// The MCP server for one session's scope: tools are the actions of the tenant's connections (or,
// in dynamic mode, `search_actions` + `run_action`). Built on the SDK's low-level `Server` rather
// than `McpServer`: the catalog changes while a session is open, and input is validated by the
// action's own schema in Joinery, so an agent gets `invalid_input` with the JSON path as a tool
// result it can correct, the same error the HTTP API gives.
import { ProtocolError, ProtocolErrorCode, Server, type Tool } from '@modelcontextprotocol/server';
import type { McpBackend, McpScope } from './backend.js';
import { buildCatalog, searchCatalog, type CatalogEntry } from './catalog.js';
import {
  errorResult,
  successResult,
  toolErrorOf,
  type ToolError,
  type ToolResult,
} from './tool-result.js';

export interface ToolServerOptions {
  version: string;
  /** Failures that are Joinery's own bugs (not taxonomy errors), for the server log. */
  onError?: (error: unknown, context: { tool: string }) => void;
}

export const SEARCH_TOOL = 'search_actions';
export const RUN_TOOL = 'run_action';
const MAX_SEARCH_RESULTS = 50;

const searchInput: Tool['inputSchema'] = {
  type: 'object',
  properties: {
    query: {
      type: 'string',
      description:
        'Words to look for in action names and descriptions, e.g. "create issue" or "hubspot contact". Empty lists everything.',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_SEARCH_RESULTS,
      description: 'How many matches to return (default 10).',
    },
  },
  additionalProperties: false,
};

const runInput: Tool['inputSchema'] = {
  type: 'object',
  properties: {
    tool: {
      type: 'string',
      description: 'The `tool` name of an action, as search_actions returns it.',
    },
    input: {
      type: 'object',
      description: "The action's input, matching the inputSchema search_actions returned.",
      additionalProperties: true,
    },
  },
  required: ['tool'],
  additionalProperties: false,
};

/** A fresh server for one scope; the caller connects it to a transport. */
export function createToolServer(
  backend: McpBackend,
  scope: McpScope,
  options: ToolServerOptions,
): Server {
  const server = new Server(
    { name: 'joinery', title: 'Joinery', version: options.version },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: instructionsFor(scope),
    },
  );
  // Read fresh for every request (one read of the tenant's connections; connector schemas are
  // cached by the backend): a name listed is a name that can be called, right after a change.
  const catalog = (signal?: AbortSignal): Promise<CatalogEntry[]> =>
    buildCatalog(backend, scope, signal);

  server.setRequestHandler('tools/list', async (_request, ctx) => {
    if (scope.mode === 'dynamic') return { tools: metaTools() };
    const entries = await catalog(ctx.mcpReq.signal);
    return {
      tools: entries.map((entry) => ({
        name: entry.name,
        title: entry.title,
        description: entry.description,
        inputSchema: entry.inputSchema as Tool['inputSchema'],
        outputSchema: entry.outputSchema,
        annotations: entry.annotations,
      })),
    };
  });

  const run = async (
    entry: CatalogEntry,
    input: unknown,
    signal: AbortSignal,
  ): Promise<ToolResult> => {
    try {
      const result = await backend.runAction({
        tenant: scope.tenant,
        connectionId: entry.connectionId,
        action: entry.action,
        input: input ?? {},
        signal,
      });
      return successResult(result.output, result.requestId);
    } catch (error) {
      const known = toolErrorOf(error);
      if (!known) {
        options.onError?.(error, { tool: entry.name });
        return errorResult({
          code: 'internal',
          message: `Joinery failed to run ${entry.name}; the server log has the details.`,
          retryable: false,
        });
      }
      return errorResult(await withReconnectUrl(known, entry));
    }
  };

  // An `auth_revoked` raised by the provider's own answer does not carry the link yet; the
  // connection, now in needs_reauth, does.
  const withReconnectUrl = async (error: ToolError, entry: CatalogEntry): Promise<ToolError> => {
    if (error.code !== 'auth_revoked' || error.reconnectUrl) return error;
    const url = await backend.reconnectUrl(scope.tenant, entry.connectionId).catch(() => undefined);
    return url ? { ...error, reconnectUrl: url } : error;
  };

  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    const signal = ctx.mcpReq.signal;
    if (scope.mode === 'dynamic') {
      if (name === SEARCH_TOOL) return searchActions(await catalog(signal), args);
      if (name !== RUN_TOOL)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Unknown tool "${name}": this session offers ${SEARCH_TOOL} and ${RUN_TOOL}`,
        );
      const tool = args.tool;
      if (typeof tool !== 'string' || tool === '')
        return errorResult({
          code: 'invalid_input',
          message: 'input.tool: the tool name to run (from search_actions) is required',
          retryable: false,
          path: 'input.tool',
        });
      const entry = (await catalog(signal)).find((candidate) => candidate.name === tool);
      if (!entry)
        return errorResult({
          code: 'not_found',
          message: `no action "${tool}" in this session; use ${SEARCH_TOOL} to find one`,
          retryable: false,
          path: 'input.tool',
        });
      if (args.input !== undefined && (typeof args.input !== 'object' || args.input === null))
        return errorResult({
          code: 'invalid_input',
          message: 'input.input: expected an object, the action input',
          retryable: false,
          path: 'input.input',
        });
      return server.projectCallToolResult(await run(entry, args.input, signal), undefined);
    }
    const entry = (await catalog(signal)).find((candidate) => candidate.name === name);
    if (!entry)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool "${name}" for tenant "${scope.tenant}"; tools/list has the current ones`,
      );
    return server.projectCallToolResult(await run(entry, args, signal), entry.outputSchema);
  });

  return server;
}

function searchActions(
  entries: readonly CatalogEntry[],
  args: Record<string, unknown>,
): ToolResult {
  const query = typeof args.query === 'string' ? args.query : '';
  const limit =
    typeof args.limit === 'number' && Number.isInteger(args.limit)
      ? Math.min(Math.max(args.limit, 1), MAX_SEARCH_RESULTS)
      : 10;
  const found = searchCatalog(entries, query, limit);
  return successResult(
    {
      total: entries.length,
      actions: found.map((entry) => ({
        tool: entry.name,
        title: entry.title,
        description: entry.description,
        connectionId: entry.connectionId,
        integration: entry.integration,
        connector: entry.connector,
        action: entry.action,
        annotations: entry.annotations,
        inputSchema: entry.inputSchema,
      })),
    },
    null,
  );
}

function metaTools(): Tool[] {
  return [
    {
      name: SEARCH_TOOL,
      title: 'Search actions',
      description:
        "Find actions on this tenant's connected apps (GitHub, Slack, HubSpot, …) by words in their names and descriptions. Returns each match's `tool` name and inputSchema; run one with run_action.",
      inputSchema: searchInput,
      annotations: {
        title: 'Search actions',
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    {
      name: RUN_TOOL,
      title: 'Run an action',
      description:
        'Run one action found with search_actions: `tool` is its name, `input` its input. Errors come back as results with a taxonomy code (rate_limited with retryAfterMs, auth_revoked with a reconnectUrl for the user, invalid_input with the JSON path, …).',
      inputSchema: runInput,
      annotations: {
        title: 'Run an action',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
  ];
}

function instructionsFor(scope: McpScope): string {
  const how =
    scope.mode === 'dynamic'
      ? `Find actions with ${SEARCH_TOOL}, then call them with ${RUN_TOOL}.`
      : 'Each tool is one action on one connected account, named <integration>__<action>.';
  return [
    `Joinery: actions on the connected apps of tenant "${scope.tenant}". ${how}`,
    'A failed call is a tool result with isError and structuredContent.error = {code, message, retryable, retryAfterMs?, path?, reconnectUrl?}:',
    'rate_limited → wait retryAfterMs; auth_revoked → give the user reconnectUrl; invalid_input → fix the field at path; provider_unavailable, timeout, network → retry later.',
    'Never treat an error as data.',
  ].join(' ');
}
