/**
 * Salesforce's REST errors are a JSON *array* of `{"message", "errorCode", "fields"?}`; the
 * `errorCode` is what a client classifies on. OAuth endpoints answer RFC 6749 style instead:
 * `{"error", "error_description"}`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 */

export interface SfErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** An error answer as a value, so a handler can return it instead of a body. */
export class SalesforceError {
  constructor(
    readonly status: number,
    readonly errors: SfErrorItem[],
  ) {}
}

export function sfError(status: number, errorCode: string, message: string, fields?: string[]) {
  return new SalesforceError(status, [
    fields === undefined ? { message, errorCode } : { message, errorCode, fields },
  ]);
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';
export const notFound = (message = NOT_FOUND_MESSAGE) => sfError(404, 'NOT_FOUND', message);

/** Expired by inactivity, revoked, made up or missing: Salesforce says the same for all. */
export const invalidSession = () =>
  sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

/** The org's rolling 24-hour API allocation is spent. */
export const requestLimitExceeded = () =>
  sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

/** `{"error", "error_description"}` from the OAuth endpoints, always a 400 here. */
export class OAuthError {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {}
}
