/**
 * Joinery's error taxonomy: stable string codes shared by the API, SDK, MCP and CLI.
 * Match on `code`, never on `instanceof` (bundled copies of this module break prototypes).
 */
export const ERROR_CODES = [
  'rate_limited',
  'auth_expired',
  'auth_revoked',
  'provider_unavailable',
  'timeout',
  'network',
  'invalid_input',
  'provider_rejected',
  'not_found',
  'conflict',
  'malformed_response',
  'schema_drift',
  'blocked_destination',
  'unauthorized',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

interface CodeTraits {
  status: number;
  retryable: boolean;
}

const TRAITS: Record<ErrorCode, CodeTraits> = {
  rate_limited: { status: 429, retryable: true },
  auth_expired: { status: 401, retryable: true },
  auth_revoked: { status: 401, retryable: false },
  provider_unavailable: { status: 502, retryable: true },
  timeout: { status: 504, retryable: true },
  network: { status: 502, retryable: true },
  invalid_input: { status: 400, retryable: false },
  provider_rejected: { status: 422, retryable: false },
  not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  malformed_response: { status: 502, retryable: true },
  schema_drift: { status: 502, retryable: false },
  blocked_destination: { status: 403, retryable: false },
  unauthorized: { status: 401, retryable: false },
  internal: { status: 500, retryable: false },
};

/** What the provider said, kept so a caller can see the original status and message. */
export interface ProviderDetails {
  status?: number;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

export interface JoineryErrorOptions {
  retryable?: boolean;
  retryAfterMs?: number;
  connectionId?: string;
  requestId?: string;
  /** JSON path of the faulty value, for `invalid_input`. */
  path?: string;
  details?: ProviderDetails;
  /** For `auth_revoked` on a connection that needs re-authorisation: a Connect page link that fixes it. */
  reconnectUrl?: string;
  cause?: unknown;
  /**
   * True when the request never reached the provider (circuit open, throttled past the deadline,
   * no connection made): it cannot have taken effect. Not sent over the wire.
   */
  notSent?: boolean;
}

export class JoineryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  readonly connectionId: string | undefined;
  readonly requestId: string | undefined;
  readonly path: string | undefined;
  readonly details: ProviderDetails | undefined;
  readonly notSent: boolean;
  readonly reconnectUrl: string | undefined;

  constructor(code: ErrorCode, message: string, options: JoineryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JoineryError';
    this.code = code;
    this.status = TRAITS[code].status;
    this.retryable = options.retryable ?? TRAITS[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.connectionId = options.connectionId;
    this.requestId = options.requestId;
    this.path = options.path;
    this.details = options.details;
    this.notSent = options.notSent ?? false;
    this.reconnectUrl = options.reconnectUrl;
  }

  /** The wire form: `{"error": {...}}`. Never includes `cause` (it may hold provider internals). */
  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.retryAfterMs !== undefined) error.retryAfterMs = this.retryAfterMs;
    if (this.connectionId !== undefined) error.connectionId = this.connectionId;
    if (this.requestId !== undefined) error.requestId = this.requestId;
    if (this.path !== undefined) error.path = this.path;
    if (this.details !== undefined) error.details = this.details;
    if (this.reconnectUrl !== undefined) error.reconnectUrl = this.reconnectUrl;
    return { error };
  }

  /** A copy carrying request context, for errors raised below the layer that knows it. */
  withContext(context: {
    connectionId?: string;
    requestId?: string;
    reconnectUrl?: string;
  }): JoineryError {
    return new JoineryError(this.code, this.message, {
      retryable: this.retryable,
      ...optional('retryAfterMs', this.retryAfterMs),
      ...optional('connectionId', context.connectionId ?? this.connectionId),
      ...optional('requestId', context.requestId ?? this.requestId),
      ...optional('path', this.path),
      ...optional('details', this.details),
      ...optional('reconnectUrl', context.reconnectUrl ?? this.reconnectUrl),
      cause: this.cause,
      notSent: this.notSent,
    });
  }

  /** The same error, marked as never having reached the provider. */
  unsent(): JoineryError {
    const copy = this.withContext({});
    (copy as { notSent: boolean }).notSent = true;
    return copy;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function isJoineryError(value: unknown): value is JoineryError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((value as { code: string }).code) &&
    typeof (value as { retryable?: unknown }).retryable === 'boolean'
  );
}

export function httpStatusFor(code: ErrorCode): number {
  return TRAITS[code].status;
}

/**
 * `text` (a message, a stack) without the reconnect link it may hold: a `needs_reauth` error's
 * message names the tenant's Connect link, a bearer link, so copies that are stored, sent as
 * events or logged say where to get it instead.
 */
export function withoutReconnectLink(text: string, reconnectUrl: string | undefined): string {
  if (reconnectUrl === undefined || reconnectUrl === '') return text;
  return text.split(reconnectUrl).join('(the link at GET /v1/connections/{id})');
}
