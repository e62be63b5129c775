// The shapes of Joinery's HTTP API (v1), as documented in docs/api.md. Declared here rather than
// imported from the server so the SDK stays a plain HTTP client with no server code behind it.

/** A JSON Schema document, as the server publishes it for each action's input and output. */
export type JsonSchema = Record<string, unknown> | boolean;

/** docs/api.md lists the first three; the OAuth ones are DESIGN.md's public contract. */
export type AuthType = 'api_key' | 'basic' | 'bearer' | 'oauth2' | 'oauth2_client_credentials';

export type ConnectionState = 'healthy' | 'degraded' | 'needs_reauth' | 'disabled';

export type LogSource = 'proxy' | 'action' | 'health_check' | 'sync';

/** `GET /health`. */
export interface Health {
  status: 'ok';
  version: string;
  store: 'pglite' | 'postgres';
}

export interface ActionSummary {
  name: string;
  description: string;
}

/** An entry of `GET /v1/connectors`. */
export interface ConnectorSummary {
  id: string;
  name: string;
  description: string;
  docsUrl: string;
  authTypes: AuthType[];
  baseUrl: string;
  actions: ActionSummary[];
  /** In `GET /v1/connectors`: how far it can be trusted (`client.scorecards.get(id)` says why). */
  trustLevel?: 'native' | 'supported' | 'theoretical';
}

export interface ConnectorAction extends ActionSummary {
  /** True when the action only reads (safe to retry, to offer an agent freely). */
  readOnly?: boolean;
  /**
   * Declared by actions whose effect no HTTP method tells (unified actions such as
   * `contacts.update`): repeating the call has no further effect.
   */
  idempotent?: boolean;
  /** Declared likewise: the call may overwrite or remove existing data. */
  destructive?: boolean;
  /** The unified model a unified action speaks, e.g. `{name: 'Contact', version: 1}`. */
  model?: { name: string; version: number };
  method?: string;
  path?: string;
  input: JsonSchema;
  output: JsonSchema;
}

/** `GET /v1/connectors/{id}`: a connector with each action's input/output JSON Schema. */
export interface Connector extends Omit<ConnectorSummary, 'actions'> {
  actions: ConnectorAction[];
  healthCheck: { method: string; path: string } | null;
  pagination: { type: 'link' | 'cursor' | 'offset' | 'none' };
  /** Null when the connector declares no rate-limit headers. */
  rateLimit: {
    headers: { limit?: string; remaining?: string; reset?: string; retryAfter?: string };
  } | null;
}

/** Body of `PUT /v1/integrations/{key}`. */
export interface IntegrationInput {
  connector: string;
  /** Overrides the connector's base URL, e.g. to point at a sandbox. */
  baseUrl?: string | undefined;
  /** Lets calls reach loopback and private addresses, as sandboxes need. The server defaults it to false. */
  allowPrivateNetwork?: boolean | undefined;
  /** Secret used to verify inbound webhook signatures. */
  webhookSecret?: string | undefined;
  /** Your OAuth client at the provider; register `{JOINERY_PUBLIC_URL}/oauth/callback` with it. */
  oauth?: IntegrationOAuthInput | undefined;
}

export interface IntegrationOAuthInput {
  clientId: string;
  /** Absent for a public client (PKCE only). Stored encrypted, never returned. */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  /** Overrides the connector's; the generic `oauth2` connector needs it. */
  authorizationUrl?: string | undefined;
  /** Overrides the connector's; the generic `oauth2` connector needs it. */
  tokenUrl?: string | undefined;
}

export interface Integration {
  key: string;
  connector: string;
  baseUrl: string | null;
  allowPrivateNetwork: boolean;
  hasWebhookSecret: boolean;
  /** The OAuth client, without its secret; null or absent when none is configured. */
  oauth?: {
    clientId: string;
    hasClientSecret: boolean;
    scopes: string[];
    redirectUri: string | null;
  } | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyCredentials {
  type: 'api_key';
  apiKey: string;
}
export interface BasicCredentials {
  type: 'basic';
  username: string;
  password: string;
}
export interface BearerCredentials {
  type: 'bearer';
  token: string;
}
/** A token from the integration's own OAuth client (client credentials grant), renewed by Joinery. */
export interface OAuth2ClientCredentials {
  type: 'oauth2_client_credentials';
}
/** Where each one goes on the wire is the connector's business (GitHub: `Authorization: Bearer <apiKey>`). */
export type Credentials =
  ApiKeyCredentials | BasicCredentials | BearerCredentials | OAuth2ClientCredentials;

/** Body of `POST /v1/connect-sessions`. */
export interface ConnectSessionInput {
  integration: string;
  tenant: string;
}

/** A hosted page that runs the OAuth flow (PKCE + state) and creates the connection. */
export interface ConnectSession {
  /** Send the tenant's user here. */
  url: string;
}

/** Body of `POST /v1/connections`. */
export interface ConnectionInput {
  integration: string;
  tenant: string;
  credentials: Credentials;
  metadata?: Record<string, unknown> | undefined;
}

/** A connection as the API shows it: state and expiry, never the secret. */
export interface Connection {
  id: string;
  integration: string;
  connector: string;
  tenant: string;
  authType: AuthType;
  state: ConnectionState;
  lastError: { code: string; message: string; at: string } | null;
  tokenExpiresAt: string | null;
  lastCheckedAt: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** On one connection (`connections.get`) while it needs re-authorisation: the Connect link that fixes it. */
  reconnectUrl?: string;
}

// Inputs accept an explicit `undefined` for each optional field (exactOptionalPropertyTypes), so
// callers can pass through values they may not have.

export interface ListConnectionsParams {
  tenant?: string | undefined;
  integration?: string | undefined;
}

export interface LogEntry {
  id: string;
  at: string;
  connectionId: string | null;
  integration: string;
  tenant: string | null;
  source: LogSource;
  action: string | null;
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  errorCode: string | null;
  requestId: string;
  /** 1 for the first try of a call, 2 for its first retry, … (absent from servers before 0.1). */
  attempt?: number;
  /** What Joinery did after this exchange and why (retry, wait, give up), or null. */
  decision?: string | null;
}

/** One entry of `GET /v1/integrations/{key}/schema-drift`: where answers differ from the declared schema. */
export interface DriftEntry {
  action: string;
  /** Where in the action's output, e.g. `output[].labels[].color`. */
  path: string;
  kind: 'unknown' | 'missing' | 'retyped';
  /** What was seen (a type name, never a value). */
  example: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface ListLogsParams {
  connection?: string | undefined;
  /** Only entries at or after this time (a `Date` is sent as ISO 8601). */
  since?: string | Date | undefined;
  /** Page size; the server applies its own default and cap. */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** One page of a paged list. `nextCursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ActionResult<O = unknown> {
  output: O;
  /** Joinery's id for this call, as in the request log; null when the server gave none. */
  requestId: string | null;
}

export interface CallOptions {
  /** Cancels the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface RunActionOptions extends CallOptions {
  /** Sent as `Idempotency-Key`: the server runs the action once per key and replays the answer. */
  idempotencyKey?: string | undefined;
}

export type QueryValue = string | number | boolean;

export interface ProxyOptions extends CallOptions {
  /** Added to the query string (after any query already in `path`); arrays repeat the name. */
  query?: Record<string, QueryValue | readonly QueryValue[] | undefined> | undefined;
  /**
   * A string, bytes, `Blob`, `URLSearchParams`, `FormData` or stream is sent as is; any other value
   * is sent as JSON with `Content-Type: application/json` (unless `headers` sets one).
   */
  body?: unknown;
  /** Passed to the provider. Joinery's own `Authorization` always wins over one set here. */
  headers?: Record<string, string> | undefined;
}
