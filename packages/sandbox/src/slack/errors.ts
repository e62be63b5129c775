/**
 * Slack answers almost everything with HTTP 200 and `{"ok": false, "error": "<code>"}`; the code
 * is the only thing a client can classify on. The exceptions are rate limits (HTTP 429 with
 * `Retry-After` in seconds, body `{"ok":false,"error":"ratelimited"}`) and unknown methods
 * (HTTP 404, `unknown_method`). https://docs.slack.dev/apis/web-api/#responses
 */

/** What a method answered, before the provider adds headers. */
export type MethodResult =
  | { kind: 'ok'; body: Record<string, unknown> }
  | { kind: 'error'; error: string; extra?: Record<string, unknown> }
  | { kind: 'ratelimited'; retryAfterSeconds: number };

export const ok = (body: Record<string, unknown> = {}): MethodResult => ({ kind: 'ok', body });

export const slackError = (error: string, extra?: Record<string, unknown>): MethodResult =>
  extra === undefined ? { kind: 'error', error } : { kind: 'error', error, extra };

/**
 * The body of an injected status fault without its own: the error Slack's documentation gives
 * for that kind of failure, in Slack's envelope.
 */
export function faultError(status: number): string {
  if (status === 401) return 'invalid_auth';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'unknown_method';
  if (status === 408 || status === 504) return 'request_timeout';
  if (status === 429) return 'ratelimited';
  if (status === 503) return 'service_unavailable';
  if (status >= 500 || status < 300) return 'internal_error';
  return 'invalid_arguments';
}
