import type {
  McpActionDescription,
  McpBackend,
  McpConnection,
  McpConnectorDescription,
  McpScope,
} from './backend.js';
import { toolNames } from './tool-names.js';

type JsonObject = Record<string, unknown>;

export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** One tool: an action on one of the session's connections. */
export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonObject;
  outputSchema: JsonObject;
  annotations: ToolAnnotations;
  connectionId: string;
  integration: string;
  connector: string;
  action: string;
  readOnly: boolean;
}

/** Most tools one session lists: a bound, not a target (a tenant with 20 connections of 25 actions fits). */
export const MAX_TOOLS = 1000;

/** The session's connections, narrowed by its scope, oldest first. */
export function inScope(connections: readonly McpConnection[], scope: McpScope): McpConnection[] {
  const wanted = scope.connections ? new Set(scope.connections) : null;
  return connections.filter(
    (connection) =>
      connection.tenant === scope.tenant && (wanted === null || wanted.has(connection.id)),
  );
}

/**
 * Every tool the session may call: one per action of each connection in scope, named by
 * `toolNames`, filtered by `scope.actions` (an action name or a tool name).
 */
export async function buildCatalog(
  backend: McpBackend,
  scope: McpScope,
  signal?: AbortSignal,
): Promise<CatalogEntry[]> {
  const connections = inScope(await backend.listConnections(scope.tenant, signal), scope);
  const described = new Map<string, McpConnectorDescription>();
  for (const connection of connections) {
    if (!described.has(connection.connector))
      described.set(
        connection.connector,
        await backend.describeConnector(connection.connector, signal),
      );
  }
  const pairs: {
    connection: McpConnection;
    connector: McpConnectorDescription;
    action: McpActionDescription;
  }[] = [];
  for (const connection of connections) {
    const connector = described.get(connection.connector);
    if (!connector) continue;
    for (const action of connector.actions) pairs.push({ connection, connector, action });
  }
  const names = toolNames(
    pairs.map(({ connection, action }) => ({
      connectionId: connection.id,
      integration: connection.integration,
      action: action.name,
    })),
  );
  const perIntegration = new Map<string, number>();
  for (const connection of connections)
    perIntegration.set(
      connection.integration,
      (perIntegration.get(connection.integration) ?? 0) + 1,
    );
  const wanted = scope.actions ? new Set(scope.actions) : null;
  const entries: CatalogEntry[] = [];
  pairs.forEach(({ connection, connector, action }, index) => {
    const name = names[index] as string;
    if (wanted && !wanted.has(action.name) && !wanted.has(name)) return;
    if (entries.length >= MAX_TOOLS) return;
    const shared = (perIntegration.get(connection.integration) ?? 0) > 1;
    const title = `${connector.name}: ${humanize(action.name)}${shared ? ` (${connection.id})` : ''}`;
    entries.push({
      name,
      title,
      description: describe(action, connector, connection),
      inputSchema: inputSchemaOf(action.input),
      outputSchema: outputSchemaOf(action.output),
      annotations: { title, ...hints(action) },
      connectionId: connection.id,
      integration: connection.integration,
      connector: connector.id,
      action: action.name,
      readOnly: action.readOnly,
    });
  });
  return entries;
}

function describe(
  action: McpActionDescription,
  connector: McpConnectorDescription,
  connection: McpConnection,
): string {
  const where = `${connector.name} for tenant "${connection.tenant}", integration "${connection.integration}", connection ${connection.id}.`;
  const state =
    connection.state === 'needs_reauth'
      ? ' The connection needs re-authorisation: calls fail with auth_revoked and a reconnectUrl to give the user.'
      : connection.state === 'degraded'
        ? ' The connection is degraded (the provider has been failing); calls may fail with a retryable error.'
        : '';
  const effect = action.readOnly
    ? 'Reads only.'
    : action.method
      ? `Changes data at ${connector.name} (${action.method} ${action.path ?? ''}).`.replace(
          ' )',
          ')',
        )
      : `May change data at ${connector.name}.`;
  return `${action.description.trim()}\n\n${effect} Runs on ${where}${state}`;
}

/**
 * MCP hints from what the action declares: read-only, else its declared effect (unified actions),
 * else its HTTP method; unknown effects are assumed destructive (the spec's default).
 */
export function hints(
  action: Pick<McpActionDescription, 'readOnly' | 'method' | 'idempotent' | 'destructive'>,
): Omit<ToolAnnotations, 'title'> {
  if (action.readOnly)
    return {
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    };
  if (action.idempotent !== undefined || action.destructive !== undefined)
    return {
      readOnlyHint: false,
      destructiveHint: action.destructive ?? true,
      idempotentHint: action.idempotent ?? false,
      openWorldHint: true,
    };
  switch (action.method) {
    case 'POST':
      // Creates something new: nothing existing is overwritten, and a repeat creates a second one.
      return {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      };
    case 'PUT':
    case 'DELETE':
      return {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      };
    default:
      // PATCH, and code actions whose effect is not declared.
      return {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      };
  }
}

function humanize(name: string): string {
  // `create_issue` → "Create issue"; a unified action's `contacts.update` → "Contacts update".
  const words = name.replace(/[_.]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The same schema, spelled the way the most clients accept (the MCP Inspector's `--strict`
 * portability rules): a nullable `type: [T, "null"]` becomes `anyOf: [{type: T}, {type: "null"}]`
 * (single-`type` dialects such as Gemini's function declarations reject type arrays), and zod's
 * `additionalProperties: {}` (any value) becomes `true`, which says the same thing explicitly.
 */
export function portableSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portableSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && isObject(value) && Object.keys(value).length === 0)
      out[key] = true;
    else if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples')
      out[key] = value;
    else out[key] = portableSchema(value);
  }
  const type: unknown = out.type;
  if (Array.isArray(type) && type.includes('null')) {
    const others = (type as unknown[]).filter((t) => t !== 'null');
    const { description, title, default: fallback, ...rest } = out;
    delete rest.type;
    if (Array.isArray(rest.enum))
      rest.enum = (rest.enum as unknown[]).filter((value) => value !== null);
    const branches = others.map((t) => ({ ...rest, type: t }));
    return {
      ...(description === undefined ? {} : { description }),
      ...(title === undefined ? {} : { title }),
      ...(fallback === undefined ? {} : { default: fallback }),
      anyOf: [...branches, { type: 'null' }],
    };
  }
  return out;
}

/** MCP needs an object schema at the root of a tool's input; every HTTP action's input is one. */
export function inputSchemaOf(raw: unknown): JsonObject {
  const schema = portableSchema(raw);
  if (isObject(schema) && schema.type === 'object') return schema;
  return {
    type: 'object',
    additionalProperties: true,
    description:
      'The action declares an input that is not a JSON object; it is checked when called.',
  };
}

/** `structuredContent.error` of a failed call: Joinery's error envelope (docs/api.md, "Errors"). */
export const ERROR_SCHEMA: JsonObject = {
  type: 'object',
  description:
    'Present instead of output when the call failed (isError): code is the taxonomy code (rate_limited, auth_revoked, invalid_input, …).',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    retryAfterMs: { type: 'number', description: 'Wait this long before retrying.' },
    path: { type: 'string', description: 'For invalid_input: the JSON path of the fault.' },
    reconnectUrl: {
      type: 'string',
      description: 'For auth_revoked: the link where the user re-authorises the account.',
    },
    connectionId: { type: 'string' },
    requestId: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['code', 'message', 'retryable'],
  additionalProperties: true,
};

/**
 * Results are `{output, requestId}` on success and `{error}` when `isError`: MCP wants an object
 * at the root of `structuredContent` (an action's output may be a list), and some clients check
 * error results against the output schema too, so the schema admits both. The action's own schema
 * moves under `output`, its `$defs` to the root so `#/$defs/…` references still resolve.
 */
export function outputSchemaOf(raw: unknown): JsonObject {
  const schema = portableSchema(raw);
  const inner: JsonObject = isObject(schema) ? { ...schema } : {};
  const defs = inner.$defs;
  delete inner.$schema;
  delete inner.$defs;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      output: inner,
      requestId: {
        type: 'string',
        description:
          "The last provider request's id in Joinery's request log (GET /v1/logs); absent when the action sent none.",
      },
      error: ERROR_SCHEMA,
    },
    anyOf: [{ required: ['output'] }, { required: ['error'] }],
    ...(isObject(defs) ? { $defs: defs } : {}),
  };
}

/** Catalog search for the dynamic mode: every query word must appear; names and titles weigh more. */
export function searchCatalog(
  entries: readonly CatalogEntry[],
  query: string,
  limit: number,
): CatalogEntry[] {
  const words = query
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
  if (words.length === 0) return entries.slice(0, limit);
  const scored: { entry: CatalogEntry; score: number }[] = [];
  for (const entry of entries) {
    const name = `${entry.name} ${entry.title}`.toLowerCase();
    const text = `${entry.description} ${entry.connector} ${entry.integration}`.toLowerCase();
    let score = 0;
    let all = true;
    for (const word of words) {
      const inName = name.includes(word);
      const inText = text.includes(word);
      if (!inName && !inText) {
        all = false;
        break;
      }
      score += inName ? 3 : 1;
    }
    if (all) scored.push({ entry, score });
  }
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(({ entry }) => entry);
}
