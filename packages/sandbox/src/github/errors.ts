/**
 * GitHub's error bodies. Most carry `status` as a *string* next to `message` and
 * `documentation_url` (the page of the endpoint that failed); rate-limit bodies carry no
 * `status`. https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api
 */

/** `documentation_url` for paths that match no endpoint. */
export const GENERIC_DOCS = 'https://docs.github.com/rest';
export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/** An error answer as a value; a class so it cannot be confused with a parsed request body. */
export class GitHubError {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}

export function notFound(docs = GENERIC_DOCS): GitHubError {
  return new GitHubError(404, { message: 'Not Found', documentation_url: docs, status: '404' });
}

export function requiresAuthentication(docs: string): GitHubError {
  return new GitHubError(401, {
    message: 'Requires authentication',
    documentation_url: docs,
    status: '401',
  });
}

export function badCredentials(): GitHubError {
  return new GitHubError(401, {
    message: 'Bad credentials',
    documentation_url: GENERIC_DOCS,
    status: '401',
  });
}

export function problemsParsingJson(docs: string): GitHubError {
  return new GitHubError(400, {
    message: 'Problems parsing JSON',
    documentation_url: docs,
    status: '400',
  });
}

/** One entry of a 422's `errors`: https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api */
export interface ValidationError {
  resource: string;
  code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  field: string;
  value?: unknown;
}

export function validationFailed(docs: string, errors: ValidationError[]): GitHubError {
  return new GitHubError(422, {
    message: 'Validation Failed',
    errors,
    documentation_url: docs,
    status: '422',
  });
}

/** A body that breaks the endpoint's JSON schema (wrong type), e.g. `labels: "bug"`. */
export function invalidRequest(docs: string, detail: string): GitHubError {
  return new GitHubError(422, {
    message: `Invalid request.\n\n${detail}`,
    documentation_url: docs,
    status: '422',
  });
}

/** GitHub's "2024-05-01 12:00:00 UTC" in rate-limit messages. */
function supportTimestamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** Primary limit exhausted (x-ratelimit-remaining: 0). `who` is `user ID 1` or an IP address. */
export function primaryRateLimit(
  status: 403 | 429,
  who: string,
  requestId: string,
  now: number,
): GitHubError {
  const message = who.startsWith('user ID')
    ? `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${requestId} and timestamp ${supportTimestamp(now)}.`
    : `API rate limit exceeded for ${who}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.) If you reach out to GitHub Support for help, please include the request ID ${requestId} and timestamp ${supportTimestamp(now)}.`;
  return new GitHubError(status, { message, documentation_url: RATE_LIMIT_DOCS });
}

/** Secondary limit: quota may remain, the answer is `retry-after` or "wait a minute". */
export function secondaryRateLimit(status: 403 | 429, requestId: string): GitHubError {
  return new GitHubError(status, {
    message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
    documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
  });
}
