/**
 * What a connector knows about its provider's OAuth 2.0 server, as data. Every field has a
 * standard default (RFC 6749); a field is set only where a real provider departs from it.
 */
export interface OAuthProviderSpec {
  /**
   * Where the user is sent to authorise (RFC 6749 §3.1). Absent: the integration must give it
   * (the generic `oauth2` connector).
   */
  authorizationUrl?: string;
  /** Where codes and refresh tokens are exchanged (RFC 6749 §3.2). Absent: from the integration. */
  tokenUrl?: string;
  /** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). Defaults to `client_secret_basic`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Sent with every authorization request, e.g. Google's `access_type=offline` and `prompt=consent`. */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Scopes asked for when the integration names none. Defaults to none. */
  defaultScopes?: readonly string[];
  /** How scopes are joined in the authorization request. Defaults to a space (RFC 6749 §3.3). */
  scopeSeparator?: string;
  /**
   * A refresh response without `refresh_token` keeps the refresh token already held: RFC 6749 §6
   * lets the server issue a new one or not. Defaults to true; false only for a provider whose
   * refresh tokens are strictly single-use even when it sends no replacement.
   */
  keepRefreshTokenIfAbsent?: boolean;
  /**
   * Token response fields beyond the standard ones that become connection settings, e.g.
   * Salesforce's `{ instance_url: 'baseUrl' }`: each connection then calls its own instance.
   */
  tokenResponseSettings?: Readonly<Record<string, 'baseUrl'>>;
  /**
   * Also send `redirect_uri` with refresh grants. Defaults to false: RFC 6749 §6 defines none and
   * some providers reject the request when it is there; a few require it.
   */
  redirectUriOnRefresh?: boolean;
  /**
   * Whether the provider's 401 means "the access token expired: refresh and retry". Defaults to
   * true. False for providers that answer 401 for other reasons: their tokens are renewed by
   * `expires_in` alone, and a 401 is reported as it is.
   */
  refreshOn401?: boolean;
  /**
   * The provider expires refresh tokens left unused this many days; the token manager renews them
   * well before that, even for a connection nobody calls.
   */
  idleRefreshTokenDays?: number;
  /**
   * `token_type` values the provider uses for what is a bearer token. Slack answers
   * `"token_type": "bot"` for bot tokens it documents as `Authorization: Bearer` credentials
   * (https://docs.slack.dev/authentication/tokens); RFC 6749 §7.1 names only `bearer` and `mac`.
   */
  bearerTokenTypes?: readonly string[];
}

/** The defaults above, resolved: what the token code reads. */
export interface ResolvedProviderSpec {
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  authorizationParams: Readonly<Record<string, string>>;
  defaultScopes: readonly string[];
  scopeSeparator: string;
  keepRefreshTokenIfAbsent: boolean;
  tokenResponseSettings: Readonly<Record<string, 'baseUrl'>>;
  redirectUriOnRefresh: boolean;
  refreshOn401: boolean;
  idleRefreshTokenDays: number | null;
  bearerTokenTypes: readonly string[];
}

export function resolveProviderSpec(spec: OAuthProviderSpec | undefined): ResolvedProviderSpec {
  return {
    tokenEndpointAuthMethod: spec?.tokenEndpointAuthMethod ?? 'client_secret_basic',
    authorizationParams: spec?.authorizationParams ?? {},
    defaultScopes: spec?.defaultScopes ?? [],
    scopeSeparator: spec?.scopeSeparator ?? ' ',
    keepRefreshTokenIfAbsent: spec?.keepRefreshTokenIfAbsent ?? true,
    tokenResponseSettings: spec?.tokenResponseSettings ?? {},
    redirectUriOnRefresh: spec?.redirectUriOnRefresh ?? false,
    refreshOn401: spec?.refreshOn401 ?? true,
    idleRefreshTokenDays: spec?.idleRefreshTokenDays ?? null,
    bearerTokenTypes: spec?.bearerTokenTypes ?? [],
  };
}
