import type { AuthScheme, AuthType } from '../connector/types.js';
import { JoineryError } from '../errors.js';
import type { Secret } from '../secret.js';

/** OAuth 2.0 tokens as stored (sealed). Their expiry lives in the connection row, in the clear. */
export interface OAuthTokens {
  type: 'oauth2' | 'oauth2_client_credentials';
  accessToken: string;
  /** Only for `oauth2`, and only when the provider issued one. */
  refreshToken?: string;
  /** Lower-case, e.g. `bearer`. */
  tokenType: string;
  /** The scopes granted, when the provider says (RFC 6749 §5.1). */
  scope?: string;
}

/** Credentials as stored (sealed) for a connection. */
export type Credentials =
  | { type: 'api_key'; apiKey: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | OAuthTokens;

export function isOAuthCredentials(credentials: Credentials): credentials is OAuthTokens {
  return credentials.type === 'oauth2' || credentials.type === 'oauth2_client_credentials';
}

export interface WireAuth {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Query parameter names that carry a secret, to redact from logged URLs. */
  secretQueryParams: string[];
}

export function schemeFor(
  schemes: readonly AuthScheme[],
  type: AuthType,
  connectorId: string,
): AuthScheme {
  const scheme = schemes.find((candidate) => candidate.type === type);
  if (!scheme) {
    const accepted = [...new Set(schemes.map((s) => s.type))].join(', ');
    throw new JoineryError(
      'invalid_input',
      `connector "${connectorId}" does not accept ${type} credentials; it accepts: ${accepted}`,
      {
        path: 'credentials.type',
      },
    );
  }
  return scheme;
}

/** Where the connector's data says each credential goes on the wire. */
export function applyAuth(scheme: AuthScheme, secret: Secret<Credentials>): WireAuth {
  const credentials = secret.reveal();
  const wire: WireAuth = { headers: {}, query: {}, secretQueryParams: [] };
  switch (scheme.type) {
    case 'api_key': {
      if (credentials.type !== 'api_key') break;
      if (scheme.in === 'header')
        wire.headers[scheme.name.toLowerCase()] = `${scheme.prefix ?? ''}${credentials.apiKey}`;
      else {
        wire.query[scheme.name] = credentials.apiKey;
        wire.secretQueryParams.push(scheme.name);
      }
      return wire;
    }
    case 'bearer':
      if (credentials.type !== 'bearer') break;
      wire.headers.authorization = `Bearer ${credentials.token}`;
      return wire;
    case 'basic':
      if (credentials.type !== 'basic') break;
      wire.headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return wire;
    case 'oauth2':
    case 'oauth2_client_credentials':
      // RFC 6750 §2.1. Only bearer tokens are issued to Joinery (DPoP is not requested).
      if (credentials.type !== scheme.type) break;
      wire.headers.authorization = `Bearer ${credentials.accessToken}`;
      return wire;
  }
  throw new JoineryError(
    'internal',
    `stored ${credentials.type} credentials do not fit the connector's ${scheme.type} scheme`,
  );
}
