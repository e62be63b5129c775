// What the MCP toolset needs from Joinery, and nothing more. Two implementations: the engine itself
// (`/mcp` inside the server) and the HTTP API through @joinery/sdk (`joinery mcp` over stdio), so
// both transports offer the same tools, names and errors.

/** One connection of the session's tenant, as the toolset sees it. */
export interface McpConnection {
  id: string;
  integration: string;
  connector: string;
  tenant: string;
  state: string;
  createdAt: string;
}

/** One action of a connector, with its JSON Schemas (draft 2020-12). */
export interface McpActionDescription {
  name: string;
  description: string;
  readOnly: boolean;
  method?: string | undefined;
  path?: string | undefined;
  /**
   * Declared by actions whose effect no HTTP method tells (unified actions such as
   * `contacts.update`): a repeat has no further effect / existing data may be overwritten.
   */
  idempotent?: boolean | undefined;
  destructive?: boolean | undefined;
  input: unknown;
  output: unknown;
}

export interface McpConnectorDescription {
  id: string;
  name: string;
  description: string;
  actions: McpActionDescription[];
}

export interface McpActionCall {
  tenant: string;
  connectionId: string;
  action: string;
  input: unknown;
  signal?: AbortSignal;
}

export interface McpBackend {
  /** The tenant's connections, oldest first. */
  listConnections(tenant: string, signal?: AbortSignal): Promise<McpConnection[]>;
  /** A connector with each action's schemas; connectors do not change while Joinery runs. */
  describeConnector(id: string, signal?: AbortSignal): Promise<McpConnectorDescription>;
  /** Runs an action; failures are thrown as errors carrying a taxonomy `code` (engine or SDK). */
  runAction(call: McpActionCall): Promise<{ output: unknown; requestId: string | null }>;
  /** The Connect link that re-authorises a connection in `needs_reauth`, when it has one. */
  reconnectUrl(tenant: string, connectionId: string): Promise<string | undefined>;
}

/**
 * What one MCP session may see: one tenant, optionally narrowed to some of its connections and
 * actions. `mode: 'dynamic'` offers `search_actions` + `run_action` instead of one tool per action,
 * for catalogs too large to list.
 */
export interface McpScope {
  tenant: string;
  /** Connection ids; absent means every connection of the tenant. */
  connections?: readonly string[] | undefined;
  /** Action names (`list_issues`) or tool names (`github__list_issues`); absent means all. */
  actions?: readonly string[] | undefined;
  mode: 'tools' | 'dynamic';
}
