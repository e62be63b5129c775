import * as oauth from 'oauth4webapi';
import { Agent, fetch as undiciFetch } from 'undici';
import { isJoineryError } from '../errors.js';
import type { Secret } from '../secret.js';
import { checkLiteralHost, guardedLookup } from '../outbound/ssrf.js';
import type { ResolvedProviderSpec } from './provider-spec.js';

/** One integration's OAuth client, resolved from the connector's data and the integration. */
export interface OAuthClientConfig {
  /** The connector's display name, for messages ("GitHub refused …"). */
  providerName: string;
  clientId: string;
  /** Null for a public client (PKCE only, `token_endpoint_auth_method=none`). */
  clientSecret: Secret<string> | null;
  authorizationUrl: string | null;
  tokenUrl: string;
  scopes: readonly string[];
  /** When known, the `iss` an authorization response must carry (RFC 9207). */
  issuer: string | null;
  allowPrivateNetwork: boolean;
  spec: ResolvedProviderSpec;
}

/** A token endpoint's answer, validated by oauth4webapi; the ID token, if any, is dropped unread. */
export type TokenResponse = oauth.TokenEndpointResponse;

/**
 * Why a token request failed, as a value: `rejected` (an OAuth error the provider chose to send,
 * RFC 6749 §5.2), `unavailable` (never answered, timed out, 5xx or 429: worth retrying later) or
 * `invalid_response` (an answer that is not a token response, e.g. a 404 page at a wrong URL).
 */
export type TokenFailure =
  | { kind: 'rejected'; error: string; description: string | null; status: number }
  | {
      kind: 'unavailable';
      message: string;
      status: number | null;
      /** True when the request may have reached the provider (a timeout): a retry could reuse a rotated refresh token. */
      maybeDelivered: boolean;
    }
  | { kind: 'invalid_response'; message: string; status: number | null }
  | { kind: 'blocked'; message: string };

export class TokenEndpointError extends Error {
  readonly failure: TokenFailure;

  constructor(failure: TokenFailure, providerName: string) {
    super(describeTokenFailure(failure, providerName));
    this.name = 'TokenEndpointError';
    this.failure = failure;
  }
}

export function describeTokenFailure(failure: TokenFailure, providerName: string): string {
  switch (failure.kind) {
    case 'rejected':
      return `${providerName}'s token endpoint refused the request (${failure.error}${failure.description ? `: ${failure.description}` : ''})`;
    case 'unavailable':
      return `${providerName}'s token endpoint is unavailable (${failure.message})`;
    case 'invalid_response':
      return `${providerName}'s token endpoint gave an answer that is not a token response (${failure.message}); check the integration's oauth.tokenUrl`;
    case 'blocked':
      return failure.message;
  }
}

export interface TokenRequestOptions {
  /** A hard deadline for the whole exchange. */
  timeoutMs: number;
}

/** Token responses are a few kilobytes; anything far larger is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

// Two dispatchers, as for API calls: one whose sockets only reach public addresses.
const guardedAgent = new Agent({ connect: { lookup: guardedLookup }, connections: 16 });
const openAgent = new Agent({ connections: 16 });

/**
 * oauth4webapi builds each request and validates each answer; this fetch carries them: the SSRF
 * guard, a size cap, and two provider quirks normalised before validation (below).
 */
type TokenFetch = (
  url: string,
  init: oauth.CustomFetchOptions<'POST', URLSearchParams>,
) => Promise<Response>;

function fetchFor(config: OAuthClientConfig): TokenFetch {
  return async (url, init) => {
    const target = new URL(url);
    if (!config.allowPrivateNetwork) checkLiteralHost(target.hostname);
    const response = await undiciFetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: init.signal ?? null,
      dispatcher: config.allowPrivateNetwork ? openAgent : guardedAgent,
    });
    const body = await readCapped(response.body, MAX_TOKEN_RESPONSE_BYTES);
    let status = response.status;
    let text = body;
    if (/json/i.test(response.headers.get('content-type') ?? '') && body.length > 0) {
      try {
        const json = JSON.parse(body) as Record<string, unknown>;
        // GitHub answers token errors with 200 and `{"error": …}` (docs.github.com: "Troubleshooting
        // OAuth app access token request errors"); RFC 6749 §5.2 says 400. Read it as the 400 it means.
        if (status === 200 && typeof json.error === 'string' && json.access_token === undefined)
          status = 400;
        // Joinery authorises API calls; it signs nobody in. An ID token (when `openid` was asked for)
        // is dropped unread rather than validated against an issuer the integration may not name.
        if ('id_token' in json) {
          delete json.id_token;
          text = JSON.stringify(json);
        }
        if (
          typeof json.token_type === 'string' &&
          config.spec.bearerTokenTypes.includes(json.token_type)
        ) {
          json.token_type = 'bearer';
          text = JSON.stringify(json);
        }
      } catch {
        // Not JSON after all: oauth4webapi will say so.
      }
    }
    const headers = new Headers();
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'content-encoding') headers.set(name, value);
    });
    return new Response(status === 204 || status === 304 ? null : text, { status, headers });
  };
}

async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      await body.cancel().catch(() => undefined);
      throw new TokenEndpointError(
        {
          kind: 'invalid_response',
          message: `the answer is larger than ${maxBytes} bytes`,
          status: null,
        },
        'the provider',
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function authorizationServer(config: OAuthClientConfig): oauth.AuthorizationServer {
  return {
    // Without a configured issuer there is nothing to compare an `iss` with; see `callbackParameters`.
    issuer: config.issuer ?? new URL(config.tokenUrl).origin,
    token_endpoint: config.tokenUrl,
    ...(config.authorizationUrl ? { authorization_endpoint: config.authorizationUrl } : {}),
  };
}

function client(config: OAuthClientConfig): oauth.Client {
  return {
    client_id: config.clientId,
    token_endpoint_auth_method: config.clientSecret ? config.spec.tokenEndpointAuthMethod : 'none',
  };
}

function clientAuth(config: OAuthClientConfig): oauth.ClientAuth {
  if (!config.clientSecret) return oauth.None();
  const secret = config.clientSecret.reveal();
  return config.spec.tokenEndpointAuthMethod === 'client_secret_post'
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret);
}

function requestOptions(
  config: OAuthClientConfig,
  options: TokenRequestOptions,
  extra?: Record<string, string>,
): oauth.TokenEndpointRequestOptions {
  return {
    signal: AbortSignal.timeout(options.timeoutMs),
    [oauth.customFetch]: fetchFor(config),
    // Plain http only where the integration already trusts private networks (sandboxes, tests).
    ...(config.allowPrivateNetwork ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(extra ? { additionalParameters: extra } : {}),
  };
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

/** The URL the user's browser is sent to (RFC 6749 §4.1.1 with PKCE S256, RFC 7636 §4.3). */
export function authorizationUrl(config: OAuthClientConfig, request: AuthorizationRequest): URL {
  if (!config.authorizationUrl) throw new Error(`no authorization URL for ${config.providerName}`);
  const url = new URL(config.authorizationUrl);
  for (const [name, value] of Object.entries(config.spec.authorizationParams))
    url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  if (config.scopes.length > 0)
    url.searchParams.set('scope', config.scopes.join(config.spec.scopeSeparator));
  url.searchParams.set('state', request.state);
  url.searchParams.set('code_challenge', request.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

export const newCodeVerifier = oauth.generateRandomCodeVerifier;
export const newState = oauth.generateRandomState;
export const codeChallengeOf = oauth.calculatePKCECodeChallenge;

/**
 * Validates the parameters the provider redirected back with (RFC 6749 §4.1.2): the state (which
 * the caller already matched to a session), `iss` when the issuer is known, and an error answer.
 * Without a configured issuer an `iss` cannot be compared and is set aside: a Connect session is
 * bound to one integration and so to one authorization server, the mix-up RFC 9207 guards against
 * needs a client that lets the user pick between several.
 */
export function callbackParameters(
  config: OAuthClientConfig,
  parameters: URLSearchParams,
  expectedState: string,
): URLSearchParams {
  const copy = new URLSearchParams(parameters);
  if (!config.issuer) copy.delete('iss');
  return oauth.validateAuthResponse(
    authorizationServer(config),
    client(config),
    copy,
    expectedState,
  );
}

/** RFC 6749 §4.1.3 with the PKCE verifier (RFC 7636 §4.5). */
export async function exchangeCode(
  config: OAuthClientConfig,
  callback: URLSearchParams,
  redirectUri: string,
  codeVerifier: string,
  options: TokenRequestOptions,
): Promise<TokenResponse> {
  return tokenCall(config, async () => {
    const as = authorizationServer(config);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client(config),
      clientAuth(config),
      callback,
      redirectUri,
      codeVerifier,
      requestOptions(config, options),
    );
    return oauth.processAuthorizationCodeResponse(as, client(config), response);
  });
}

/** RFC 6749 §6. */
export async function refreshGrant(
  config: OAuthClientConfig,
  refreshToken: string,
  redirectUri: string,
  options: TokenRequestOptions,
): Promise<TokenResponse> {
  return tokenCall(config, async () => {
    const as = authorizationServer(config);
    const extra = config.spec.redirectUriOnRefresh ? { redirect_uri: redirectUri } : undefined;
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client(config),
      clientAuth(config),
      refreshToken,
      requestOptions(config, options, extra),
    );
    return oauth.processRefreshTokenResponse(as, client(config), response);
  });
}

/** RFC 6749 §4.4. */
export async function clientCredentialsGrant(
  config: OAuthClientConfig,
  options: TokenRequestOptions,
): Promise<TokenResponse> {
  return tokenCall(config, async () => {
    const as = authorizationServer(config);
    const parameters: Record<string, string> = {};
    if (config.scopes.length > 0) parameters.scope = config.scopes.join(config.spec.scopeSeparator);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client(config),
      clientAuth(config),
      parameters,
      requestOptions(config, options),
    );
    return oauth.processClientCredentialsResponse(as, client(config), response);
  });
}

async function tokenCall(
  config: OAuthClientConfig,
  run: () => Promise<TokenResponse>,
): Promise<TokenResponse> {
  try {
    return await run();
  } catch (error) {
    throw new TokenEndpointError(await classifyTokenError(error), config.providerName);
  }
}

/**
 * Turns whatever oauth4webapi or the socket threw into a `TokenFailure`. The original error is
 * not kept: oauth4webapi attaches the response body as `cause`, which may hold tokens.
 */
export async function classifyTokenError(error: unknown): Promise<TokenFailure> {
  if (error instanceof TokenEndpointError) return error.failure;
  if (isJoineryError(error) && error.code === 'blocked_destination')
    return { kind: 'blocked', message: error.message };
  if (error instanceof oauth.ResponseBodyError) {
    if (error.status >= 500 || error.error === 'temporarily_unavailable' || error.status === 429)
      return {
        kind: 'unavailable',
        message: `${error.status} ${error.error}`,
        status: error.status,
        maybeDelivered: false,
      };
    return {
      kind: 'rejected',
      error: error.error,
      description: error.error_description?.slice(0, 300) ?? null,
      status: error.status,
    };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge: client authentication failed (RFC 6749 §5.2 invalid_client).
    const body = await error.response
      .clone()
      .json()
      .catch(() => null);
    const said = body as { error?: unknown; error_description?: unknown } | null;
    return {
      kind: 'rejected',
      error: typeof said?.error === 'string' ? said.error : 'invalid_client',
      description:
        typeof said?.error_description === 'string' ? said.error_description.slice(0, 300) : null,
      status: error.status,
    };
  }
  if (error instanceof oauth.OperationProcessingError) {
    if (
      error.code === oauth.HTTP_REQUEST_FORBIDDEN ||
      error.code === oauth.REQUEST_PROTOCOL_FORBIDDEN
    )
      return {
        kind: 'blocked',
        message:
          'refused to send OAuth credentials over plain http: token endpoints must use https unless the integration sets allowPrivateNetwork (sandboxes, tests)',
      };
    const response = error.cause instanceof Response ? error.cause : null;
    const status = response?.status ?? null;
    if (status !== null && (status >= 500 || status === 429))
      return { kind: 'unavailable', message: `answered ${status}`, status, maybeDelivered: false };
    return {
      kind: 'invalid_response',
      message: status === null ? error.message : `answered ${status}`,
      status,
    };
  }
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    // The request may have reached the provider: a retry could reuse a refresh token it rotated.
    return {
      kind: 'unavailable',
      message: 'no answer before the deadline',
      status: null,
      maybeDelivered: true,
    };
  // undici's fetch reports every socket failure as `TypeError: fetch failed` with the reason as cause.
  // The answer broke off after its headers: the provider did receive the request.
  if (error instanceof TypeError && error.message === 'terminated')
    return {
      kind: 'unavailable',
      message: 'the answer broke off',
      status: null,
      maybeDelivered: true,
    };
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: unknown }).cause;
    if (isJoineryError(cause) && cause.code === 'blocked_destination')
      return { kind: 'blocked', message: cause.message };
    const detail = cause as { code?: string; message?: string } | undefined;
    return {
      kind: 'unavailable',
      message: `${detail?.code ?? 'network'}: ${detail?.message ?? error.message}`,
      status: null,
      maybeDelivered: false,
    };
  }
  // Anything else is a bug here, not the provider's doing.
  throw error;
}
