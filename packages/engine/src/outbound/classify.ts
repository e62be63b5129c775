import type { ConnectorDefinition, ErrorRule } from '../connector/types.js';
import { JoineryError, type ErrorCode, type ProviderDetails } from '../errors.js';
import { readRateLimit } from './headers.js';

/** Reads a dotted path (`error.message`, `0.errorCode`) from a parsed body. */
export function readPath(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 500) : undefined;
}

export function providerDetails(
  connector: ConnectorDefinition,
  status: number,
  body: unknown,
): ProviderDetails {
  const details: ProviderDetails = { status };
  const dialect = connector.errors;
  const message = text(readPath(body, dialect?.messagePath ?? connector.errorMessage ?? 'message'));
  if (message) details.message = message;
  const code = dialect?.codePath ? text(readPath(body, dialect.codePath)) : undefined;
  if (code) details.code = code;
  return details;
}

export interface ClassifyOptions {
  /** Whether a 401 can be cured by refreshing (OAuth); static keys cannot. */
  refreshable: boolean;
  now?: number;
}

function matches(
  rule: ErrorRule,
  status: number,
  details: ProviderDetails,
  body: unknown,
): boolean {
  if (rule.status && !rule.status.includes(status)) return false;
  if (rule.codes && (details.code === undefined || !rule.codes.includes(details.code)))
    return false;
  if (rule.path !== undefined) {
    const value = readPath(body, rule.path);
    if (typeof value !== 'string' || !(rule.equals ?? []).includes(value)) return false;
  }
  return true;
}

/** Whether a 2xx body is really an error in the provider's dialect (Slack's `ok: false`). */
export function isErrorBody(connector: ConnectorDefinition, body: unknown): boolean {
  const field = connector.errors?.okField;
  return field !== undefined && readPath(body, field) === false;
}

/**
 * Maps a provider's answer onto the error taxonomy from the connector's data alone: the
 * dialect's rules first, then rate-limit headers, then the HTTP status. Returns null for success.
 */
export function classifyStatus(
  connector: ConnectorDefinition,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  options: ClassifyOptions,
): JoineryError | null {
  const success = status >= 200 && status < 300;
  if (success && !isErrorBody(connector, body)) return null;
  const details = providerDetails(connector, status, body);
  const said = details.message ?? details.code;
  const saidText = said ? `: ${said}` : '';
  const limits = readRateLimit(connector.rateLimit, headers, options.now);
  const waitMs = limits.retryAfterMs ?? limits.resetInMs;
  const waitOption = waitMs === undefined ? {} : { retryAfterMs: waitMs };
  const waitText = waitMs === undefined ? '' : `; retry in ${Math.ceil(waitMs / 1000)} s`;

  const rule = connector.errors?.rules?.find((candidate) =>
    matches(candidate, status, details, body),
  );
  if (rule) {
    const code = rule.code === 'auth_expired' && !options.refreshable ? 'auth_revoked' : rule.code;
    return new JoineryError(
      code,
      `${connector.name} answered ${status}${saidText}${code === 'rate_limited' ? waitText : ''}`,
      {
        details,
        ...(code === 'rate_limited' ? waitOption : {}),
        ...(rule.retryable === undefined ? {} : { retryable: rule.retryable }),
      },
    );
  }
  if (success) {
    // An error body inside a 2xx that no rule names: the provider refused, in its own words.
    return new JoineryError(
      'provider_rejected',
      `${connector.name} answered ${status} with an error${saidText}`,
      { details },
    );
  }
  const limited =
    status === 429 ||
    ((connector.rateLimit?.alsoStatuses ?? []).includes(status) &&
      (limits.remaining === 0 || limits.retryAfterMs !== undefined));
  if (limited) {
    return new JoineryError(
      'rate_limited',
      `${connector.name} rate limit reached (${status})${saidText}${waitText}`,
      {
        details,
        ...waitOption,
      },
    );
  }
  let code: ErrorCode;
  let advice = '';
  if (status === 401) {
    code = options.refreshable ? 'auth_expired' : 'auth_revoked';
    advice = options.refreshable
      ? ''
      : ' The credentials are invalid or revoked: create the connection again with valid ones.';
  } else if (status === 404 || status === 410) code = 'not_found';
  else if (status === 409) code = 'conflict';
  else if (status === 408) code = 'timeout';
  else if (status >= 500) code = 'provider_unavailable';
  else code = 'provider_rejected';
  return new JoineryError(code, `${connector.name} answered ${status}${saidText}.${advice}`, {
    details,
    ...(code === 'provider_unavailable' && limits.retryAfterMs !== undefined
      ? { retryAfterMs: limits.retryAfterMs }
      : {}),
  });
}
