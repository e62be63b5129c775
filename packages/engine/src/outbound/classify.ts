import type { ConnectorDefinition } from '../connector/types.js';
import { JoineryError, type ErrorCode, type ProviderDetails } from '../errors.js';
import { readRateLimit } from './headers.js';

/** Reads a dotted path (`error.message`) from a parsed body. */
export function readPath(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function providerDetails(
  connector: ConnectorDefinition,
  status: number,
  body: unknown,
): ProviderDetails {
  const details: ProviderDetails = { status };
  const message = readPath(body, connector.errorMessage ?? 'message');
  if (typeof message === 'string') details.message = message.slice(0, 500);
  return details;
}

export interface ClassifyOptions {
  /** Whether a 401 can be cured by refreshing (OAuth); static keys cannot. */
  refreshable: boolean;
  now?: number;
}

/**
 * Maps a provider's non-2xx answer onto the error taxonomy, from the connector's data alone.
 * Returns null for a success status.
 */
export function classifyStatus(
  connector: ConnectorDefinition,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  options: ClassifyOptions,
): JoineryError | null {
  if (status >= 200 && status < 300) return null;
  const details = providerDetails(connector, status, body);
  const said = details.message ? `: ${details.message}` : '';
  const limits = readRateLimit(connector.rateLimit, headers, options.now);
  const waitMs = limits.retryAfterMs ?? limits.resetInMs;
  const limited =
    status === 429 ||
    ((connector.rateLimit?.alsoStatuses ?? []).includes(status) &&
      (limits.remaining === 0 || limits.retryAfterMs !== undefined));
  if (limited) {
    return new JoineryError(
      'rate_limited',
      `${connector.name} rate limit reached (${status})${said}${waitMs === undefined ? '' : `; retry in ${Math.ceil(waitMs / 1000)} s`}`,
      { details, ...(waitMs === undefined ? {} : { retryAfterMs: waitMs }) },
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
  return new JoineryError(code, `${connector.name} answered ${status}${said}.${advice}`, {
    details,
  });
}
