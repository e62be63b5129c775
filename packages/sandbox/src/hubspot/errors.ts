/**
 * HubSpot's error bodies: `{"status": "error", "message", "correlationId", "category", …}`, the
 * `category` being what a client classifies on. The OAuth token endpoint has its own shape,
 * with the error code in `status` (`BAD_REFRESH_TOKEN`).
 * https://developers.hubspot.com/docs/faq/api-error-responses
 */

/** An error answer as a value; the provider adds `correlationId` and headers. */
export class HubSpotError {
  constructor(
    readonly status: number,
    readonly body: { status: string; message: string } & Record<string, unknown>,
  ) {}
}

const AUTH_NOT_FOUND =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/** No token, an unknown one, or one whose app was uninstalled: all the same 401. */
export function invalidAuthentication(): HubSpotError {
  return new HubSpotError(401, {
    status: 'error',
    message: AUTH_NOT_FOUND,
    category: 'INVALID_AUTHENTICATION',
  });
}

/** "expired 0 second(s) ago", "expired 5 hour(s) ago", as HubSpot words it. */
export function expiredFor(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} second(s)`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} minute(s)`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} hour(s)`;
  return `${Math.floor(seconds / 86_400)} day(s)`;
}

export function expiredAuthentication(expiresAt: number, now: number): HubSpotError {
  return new HubSpotError(401, {
    status: 'error',
    message: `The OAuth token used to make this call expired ${expiredFor(now - expiresAt)} ago.`,
    category: 'EXPIRED_AUTHENTICATION',
    context: { 'expire time': [new Date(expiresAt).toISOString()] },
  });
}

export function missingScopes(required: string): HubSpotError {
  return new HubSpotError(403, {
    status: 'error',
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    errors: [
      {
        message: 'One or more of the following scopes are required.',
        context: { requiredGranularScopes: [required] },
      },
    ],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
    category: 'MISSING_SCOPES',
  });
}

export function objectNotFound(message = 'resource not found'): HubSpotError {
  return new HubSpotError(404, { status: 'error', message, category: 'OBJECT_NOT_FOUND' });
}

export function validationError(
  message: string,
  errors?: { message: string; code?: string; in?: string }[],
): HubSpotError {
  return new HubSpotError(400, {
    status: 'error',
    message,
    category: 'VALIDATION_ERROR',
    ...(errors === undefined ? {} : { errors }),
  });
}

export interface PropertyProblem {
  isValid: false;
  message: string;
  error:
    | 'PROPERTY_DOESNT_EXIST'
    | 'READ_ONLY_VALUE'
    | 'INVALID_EMAIL'
    | 'INVALID_OPTION'
    | 'INVALID_INTEGER';
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

/** The list of problems is JSON inside the message, as HubSpot sends it. */
export function invalidProperties(problems: PropertyProblem[]): HubSpotError {
  return validationError(`Property values were not valid: ${JSON.stringify(problems)}`);
}

export function contactExists(existingId: string): HubSpotError {
  return new HubSpotError(409, {
    status: 'error',
    message: `Contact already exists. Existing ID: ${existingId}`,
    category: 'CONFLICT',
  });
}

/** The `DAILY` and `TEN_SECONDLY_ROLLING` policies, and the search endpoints' `SECONDLY`. */
export type RatePolicy = 'DAILY' | 'TEN_SECONDLY_ROLLING' | 'SECONDLY';

/**
 * As in HubSpot's documented 429 example, less `requestId`, which left every error body in
 * January 2020 (https://developers.hubspot.com/changelog/upcoming-changes-to-error-responses).
 */
export function rateLimited(policy: RatePolicy): HubSpotError {
  return new HubSpotError(429, {
    status: 'error',
    message: `You have reached your ${policy === 'DAILY' ? 'daily' : policy.toLowerCase()} limit.`,
    errorType: 'RATE_LIMIT',
    policyName: policy,
  });
}

/** The token endpoint's errors: the code is in `status`. */
export function oauthError(code: string, message: string): HubSpotError {
  return new HubSpotError(400, { status: code, message });
}

/** `{status, message, correlationId, …rest}`: the correlation id third, as HubSpot orders it. */
export function withCorrelationId(
  body: HubSpotError['body'],
  correlationId: string,
): Record<string, unknown> {
  const { status, message, ...rest } = body;
  return { status, message, correlationId, ...rest };
}
