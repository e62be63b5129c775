/**
 * Salesforce's OAuth 2.0 web server flow: `GET /services/oauth2/authorize` redirects back with
 * `code` (approved at once), `POST /services/oauth2/token` exchanges it, or a refresh token, for
 * a session. The answer has no `expires_in` (sessions end by inactivity), a `refresh_token` only
 * on the first grant, `instance_url` (this sandbox's `/salesforce`), the identity URL `id`,
 * `issued_at` in epoch milliseconds and `signature`, base64 HMAC-SHA256 of `id + issued_at`
 * keyed with the consumer secret.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 */
import { createHmac } from 'node:crypto';
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
import { OAuthError } from './errors.js';
import type { ResolvedSalesforceOptions } from './options.js';
import type { Session, SessionStore } from './sessions.js';
import type { SalesforceState } from './state.js';

/** "The authorization code is valid for 15 minutes." */
export const CODE_TTL_MS = 15 * 60_000;
/** What a connected app grants when the request names no scope. */
export const DEFAULT_SCOPES = ['api', 'refresh_token'];

export function createSalesforceCodeStore(): CodeStore<CodeGrant> {
  return createCodeStore<CodeGrant>(
    CODE_TTL_MS,
    () =>
      `aPrx${randomChars(86, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._')}==`,
  );
}

export function authorize(
  request: ProviderRequest,
  options: ResolvedSalesforceOptions,
  codes: CodeStore<CodeGrant>,
  now: number,
): ProviderResponse {
  const query = request.query;
  const client = options.clients.get(query.get('client_id') ?? '');
  if (client === undefined)
    return errorPage(400, 'error=invalid_client_id', 'error_description=client identifier invalid');
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!redirectAllowed(client.redirectUris, redirectUri))
    return errorPage(
      400,
      'error=redirect_uri_mismatch',
      'error_description=redirect_uri must match configuration',
    );
  const state = query.get('state') ?? undefined;
  if (query.get('response_type') !== 'code')
    return redirect(
      withQuery(redirectUri, {
        error: 'unsupported_response_type',
        error_description: 'response type not supported',
        state,
      }),
    );
  if (query.get('sandbox_deny') === '1') return denial(redirectUri, state);
  const requested = (query.get('scope') ?? '').split(/[ +]+/).filter((s) => s !== '');
  const code = codes.issue(
    {
      clientId: query.get('client_id') ?? '',
      redirectUri,
      scopes: requested.length === 0 ? DEFAULT_SCOPES : requested,
    },
    now,
  );
  return redirect(withQuery(redirectUri, { code, state }));
}

/** The user clicked "Deny". */
export function denial(redirectUri: string, state: string | undefined): ProviderResponse {
  return redirect(
    withQuery(redirectUri, {
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state,
    }),
  );
}

export type TokenResult = { status: 200; body: Record<string, unknown> } | OAuthError;

function tokenBody(
  session: Session,
  state: SalesforceState,
  instanceUrl: string,
  secret: string,
  withRefreshToken: boolean,
  now: number,
) {
  const id = `${instanceUrl}/id/${state.orgId}/${session.userId}`;
  const issuedAt = String(now);
  const body: Record<string, unknown> = { access_token: session.token };
  if (withRefreshToken && session.refreshToken !== undefined)
    body['refresh_token'] = session.refreshToken;
  return {
    ...body,
    signature: createHmac('sha256', secret)
      .update(id + issuedAt)
      .digest('base64'),
    scope: session.scopes.join(' '),
    instance_url: instanceUrl,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  };
}

export function token(
  request: ProviderRequest,
  options: ResolvedSalesforceOptions,
  codes: CodeStore<CodeGrant>,
  sessions: SessionStore,
  state: SalesforceState,
  now: number,
): TokenResult {
  const form = readForm(request.headers, request.body);
  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
    return new OAuthError('unsupported_grant_type', 'grant type not supported');
  const credentials = readClientCredentials(request.headers, form);
  const clientId = credentials.clientId ?? '';
  const client = options.clients.get(clientId);
  if (client === undefined) return new OAuthError('invalid_client_id', 'client identifier invalid');
  if (credentials.clientSecret !== client.secret)
    return new OAuthError('invalid_client', 'invalid client credentials');

  if (grantType === 'refresh_token') {
    const session = sessions.refresh(form.get('refresh_token') ?? '', clientId, now);
    if (session === undefined)
      return new OAuthError('invalid_grant', 'expired access/refresh token');
    return {
      status: 200,
      body: tokenBody(session, state, request.baseUrl, client.secret, false, now),
    };
  }
  const redeemed = codes.redeem(form.get('code') ?? '', now);
  if (redeemed.kind === 'expired')
    return new OAuthError('invalid_grant', 'expired authorization code');
  if (redeemed.kind === 'unknown' || redeemed.grant.clientId !== clientId)
    return new OAuthError('invalid_grant', 'authentication failure');
  if (form.get('redirect_uri') !== redeemed.grant.redirectUri)
    return new OAuthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
  const grant = { clientId, userId: state.userId, scopes: redeemed.grant.scopes };
  // A refresh token only for apps granted `refresh_token` (or `offline_access`).
  const refreshToken = grant.scopes.some(
    (scope) => scope === 'refresh_token' || scope === 'offline_access',
  )
    ? sessions.newRefreshToken(grant)
    : undefined;
  const session = sessions.open(grant, refreshToken, now);
  return {
    status: 200,
    body: tokenBody(session, state, request.baseUrl, client.secret, true, now),
  };
}

/**
 * `POST /services/oauth2/revoke` (`token` in the form, or the query of a GET): revoking a
 * refresh token ends every session opened from it. 200 with an empty body.
 */
export function revoke(
  request: ProviderRequest,
  sessions: SessionStore,
): TokenResult | { status: 200; body: null } {
  const form = readForm(request.headers, request.body);
  const tokenToRevoke = form.get('token') ?? request.query.get('token') ?? '';
  if (!sessions.revoke(tokenToRevoke))
    return new OAuthError('unsupported_token_type', 'this token type is not supported');
  return { status: 200, body: null };
}
