// The error taxonomy shared by the API, the SDK, MCP and the CLI (docs/api.md, "Errors").

/** Every code the API documents, in the order of docs/api.md. */
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

/**
 * A code a newer server may send that this SDK version does not list yet. It is passed through
 * verbatim rather than rewritten, so nothing the server said is lost; `string & {}` keeps editor
 * completion for the known codes.
 */
export type UnknownErrorCode = string & {};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Codes that mean "the same request may succeed later", used when an answer does not say. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<string> = new Set([
  'rate_limited',
  'provider_unavailable',
  'timeout',
  'network',
]);

export function isRetryableByDefault(code: string): boolean {
  return RETRYABLE_BY_DEFAULT.has(code);
}

export interface JoineryErrorInit {
  code: ErrorCode | UnknownErrorCode;
  message: string;
  retryable?: boolean;
  /** HTTP status of Joinery's answer; null when no answer was received. */
  status?: number | null;
  retryAfterMs?: number;
  connectionId?: string;
  requestId?: string;
  /** JSON path of the fault, for `invalid_input`. */
  path?: string;
  /** Provider status, provider error code and message, as the server reported them. */
  details?: Record<string, unknown>;
  /** On `auth_revoked` for an OAuth connection that needs re-authorisation: the Connect link that fixes it. */
  reconnectUrl?: string;
  cause?: unknown;
}

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * An error from Joinery's API, or from reaching it. Match on `code` (see `isJoineryError`), not on
 * `instanceof`: two bundled copies of the SDK have two different classes.
 */
export class JoineryError extends Error {
  override readonly name = 'JoineryError';
  readonly code: ErrorCode | UnknownErrorCode;
  readonly retryable: boolean;
  readonly status: number | null;
  readonly retryAfterMs?: number;
  readonly connectionId?: string;
  readonly requestId?: string;
  readonly path?: string;
  readonly details?: Record<string, unknown>;
  readonly reconnectUrl?: string;

  constructor(init: JoineryErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.retryable = init.retryable ?? isRetryableByDefault(init.code);
    this.status = init.status ?? null;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.connectionId !== undefined) this.connectionId = init.connectionId;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.path !== undefined) this.path = init.path;
    if (init.details !== undefined) this.details = init.details;
    if (init.reconnectUrl !== undefined) this.reconnectUrl = init.reconnectUrl;
  }

  /** `{ code, message, retryable, status, ... }`: the fields, without the stack or the cause. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      status: this.status,
    };
    for (const key of [
      'retryAfterMs',
      'connectionId',
      'requestId',
      'path',
      'details',
      'reconnectUrl',
    ] as const) {
      if (this[key] !== undefined) json[key] = this[key];
    }
    return json;
  }

  /** `console.log(error)`: code, message and frames, without the fetch internals held by `cause`. */
  [inspectCustom](): string {
    const frames = (this.stack ?? '').split('\n').slice(1).join('\n');
    return `${this.name} [${this.code}]: ${this.message}${frames ? `\n${frames}` : ''}`;
  }
}

/** True for a `JoineryError`, including one made by another copy of this SDK. */
export function isJoineryError(value: unknown): value is JoineryError {
  return (
    value instanceof JoineryError ||
    (value instanceof Error &&
      value.name === 'JoineryError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}
