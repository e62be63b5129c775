/**
 * HubSpot's OAuth: `GET /oauth/authorize` (the install screen, approved at once), and
 * `POST /oauth/v1/token` with `authorization_code` and `refresh_token` grants, form-encoded
 * with the client id and secret in the body. Access tokens live `expires_in` seconds (1800);
 * refresh tokens do not rotate. Token metadata is at `GET /oauth/v1/access-tokens/{token}` and
 * uninstalling is `DELETE /oauth/v1/refresh-tokens/{token}`.
 * https://developers.hubspot.com/docs/guides/apps/authentication/working-with-oauth
 */
import {
  createCodeStore,
  errorPage,
  randomChars,
  readClientCredentials,
  readForm,
  redirect,
  redirectAllowed,
  withQuery,
  type CodeGrant,
  type CodeStore,
} from '../core/oauth.js';
import type { ProviderRequest, ProviderResponse } from '../core/provider.js';
import type { HubSpotError } from './errors.js';
import { expiredAuthentication, objectNotFound, oauthError } from './errors.js';
import type { ResolvedHubSpotOptions } from './options.js';
import type { HubSpotState } from './state.js';
import type { Issued, TokenStore } from './tokens.js';

/** HubSpot does not publish a code lifetime; the sandbox gives ten minutes. */
export const CODE_TTL_MS = 10 * 60_000;
/** The member who installs the app in the sandbox's account. */
export const INSTALLER = { email: 'ada.lovelace@example.com', userId: 7_001 };
export const APP_ID = 3_141_592;

const HEX = '0123456789abcdef';
export function createHubSpotCodeStore(): CodeStore<CodeGrant> {
  return createCodeStore<CodeGrant>(
    CODE_TTL_MS,
    () =>
      `na1-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(12, HEX)}`,
  );
}

/** Scopes are space-separated (`crm.objects.contacts.read crm.objects.contacts.write`). */
const scopeList = (text: string | null) => (text ?? '').split(/[ +]+/).filter((s) => s !== '');

export function authorize(
  request: ProviderRequest,
  options: ResolvedHubSpotOptions,
  codes: CodeStore<CodeGrant>,
  now: number,
): ProviderResponse {
  const query = request.query;
  const clientId = query.get('client_id') ?? '';
  const client = options.clients.get(clientId);
  if (client === undefined)
    return errorPage(400, 'Authorization failed', `No app has the client_id "${clientId}".`);
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!redirectAllowed(client.redirectUris, redirectUri))
    return errorPage(
      400,
      'Authorization failed',
      `Authorization failed as the redirect URL '${redirectUri}' doesn't match the app's registered redirect URL.`,
    );
  const state = query.get('state') ?? undefined;
  if (query.get('sandbox_deny') === '1')
    return redirect(withQuery(redirectUri, { error: 'access_denied', state }));
  const scopes = [...scopeList(query.get('scope')), ...scopeList(query.get('optional_scope'))];
  if (scopes.length === 0)
    return errorPage(
      400,
      'Authorization failed',
      'The install URL must request at least one scope.',
    );
  const code = codes.issue({ clientId, redirectUri, scopes }, now);
  return redirect(withQuery(redirectUri, { code, state }));
}

export type OAuthResult =
  | { status: number; body: Record<string, unknown>; headers?: Record<string, string> }
  | HubSpotError;

const tokenBody = (issued: Issued) => ({
  token_type: 'bearer',
  refresh_token: issued.refreshToken,
  access_token: issued.accessToken,
  expires_in: issued.expiresIn,
});

/** `POST /oauth/v1/token`: errors are 400s with the code in `status` (`BAD_AUTH_CODE`). */
export function token(
  request: ProviderRequest,
  options: ResolvedHubSpotOptions,
  codes: CodeStore<CodeGrant>,
  tokens: TokenStore,
  now: number,
): OAuthResult {
  const form = readForm(request.headers, request.body);
  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
    return oauthError('BAD_GRANT_TYPE', 'missing or unknown grant type');
  const credentials = readClientCredentials(request.headers, form);
  const client = options.clients.get(credentials.clientId ?? '');
  if (credentials.clientId === undefined || client === undefined)
    return oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
  if (credentials.clientSecret !== client.secret)
    return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');

  if (grantType === 'refresh_token') {
    const issued = tokens.refresh(form.get('refresh_token') ?? '', credentials.clientId, now);
    if (issued === 'unknown')
      return oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    if (issued === 'other_client')
      return oauthError('BAD_REFRESH_TOKEN', 'refresh token was not issued to this client');
    return { status: 200, body: tokenBody(issued) };
  }
  const redeemed = codes.redeem(form.get('code') ?? '', now);
  if (redeemed.kind === 'expired') return oauthError('EXPIRED_AUTH_CODE', 'auth code is expired');
  if (redeemed.kind === 'unknown' || redeemed.grant.clientId !== credentials.clientId)
    return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
  if (form.get('redirect_uri') !== redeemed.grant.redirectUri)
    return oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match initial redirect_uri');
  const issued = tokens.issue(
    {
      clientId: credentials.clientId,
      scopes: redeemed.grant.scopes,
      userEmail: INSTALLER.email,
      userId: INSTALLER.userId,
    },
    now,
  );
  return { status: 200, body: tokenBody(issued) };
}

/** `GET /oauth/v1/access-tokens/{token}`: who and what an access token is for. */
export function accessTokenInfo(
  accessToken: string,
  state: HubSpotState,
  tokens: TokenStore,
  now: number,
): OAuthResult {
  const found = tokens.lookup(accessToken, now);
  if (found.kind === 'expired') return expiredAuthentication(found.record.expiresAt, now);
  if (found.kind !== 'oauth') return objectNotFound('Token not found');
  const { record } = found;
  return {
    status: 200,
    body: {
      token: record.token,
      user: record.userEmail,
      hub_domain: 'joinery-sandbox.example',
      scopes: record.scopes,
      scope_to_scope_group_pks: [],
      trial_scopes: [],
      trial_scope_to_scope_group_pks: [],
      hub_id: state.portalId,
      app_id: APP_ID,
      expires_in: Math.max(0, Math.floor((record.expiresAt - now) / 1000)),
      user_id: record.userId,
      token_type: 'access',
    },
  };
}

/** `DELETE /oauth/v1/refresh-tokens/{token}`: 204, and the app's tokens stop working. */
export function deleteRefreshToken(refreshToken: string, tokens: TokenStore): OAuthResult {
  return tokens.revokeRefreshToken(refreshToken)
    ? { status: 204, body: {} }
    : objectNotFound('Refresh token not found');
}
