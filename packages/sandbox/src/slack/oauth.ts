/**
 * Slack's OAuth v2: `GET /oauth/v2/authorize` redirects back with `code` and `state` (or
 * `error=access_denied`), and the `oauth.v2.access` method exchanges the code, or with token
 * rotation a refresh token, for a bot token.
 * https://docs.slack.dev/authentication/installing-with-oauth
 * https://docs.slack.dev/reference/methods/oauth.v2.access
 */
import {
  createCodeStore,
  errorPage,
  randomChars,
  readClientCredentials,
  redirect,
  redirectAllowed,
  withQuery,
  type CodeGrant,
  type CodeStore,
} from '../core/oauth.js';
import type { ProviderRequest, ProviderResponse } from '../core/provider.js';
import { argString } from './arguments.js';
import { ok, slackError } from './errors.js';
import type { SlackMethod } from './methods/method.js';
import type { ResolvedSlackOptions } from './options.js';
import type { Issued } from './tokens.js';

/** Slack's codes "expire after ten minutes". */
export const CODE_TTL_MS = 10 * 60_000;

export type SlackCodeStore = CodeStore<CodeGrant>;

export function createSlackCodeStore(teamNumber: string): SlackCodeStore {
  return createCodeStore<CodeGrant>(
    CODE_TTL_MS,
    () => `${teamNumber}.${randomChars(13, '0123456789')}.${randomChars(64, '0123456789abcdef')}`,
  );
}

/**
 * Approves at once, as if the installing member clicked "Allow". `sandbox_deny=1` (or a 3xx
 * status fault on this path) answers as if they clicked "Cancel".
 */
export function authorize(
  request: ProviderRequest,
  options: ResolvedSlackOptions,
  codes: SlackCodeStore,
  now: number,
): ProviderResponse {
  const query = request.query;
  const clientId = query.get('client_id') ?? '';
  const client = options.clients.get(clientId);
  if (client === undefined)
    return errorPage(400, 'invalid_client_id', `No app has the client_id "${clientId}".`);
  const sent = query.get('redirect_uri') ?? undefined;
  const redirectUri =
    sent ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (redirectUri === undefined || !redirectAllowed(client.redirectUris, redirectUri))
    return errorPage(
      400,
      'bad_redirect_uri',
      'redirect_uri is missing or is not one of the app\u2019s redirect URLs.',
    );
  const state = query.get('state') ?? undefined;
  if (query.get('sandbox_deny') === '1') return denied(redirectUri, state);
  const scopes = (query.get('scope') ?? '').split(/[ ,]+/).filter((scope) => scope !== '');
  if (scopes.length === 0)
    return redirect(withQuery(redirectUri, { error: 'invalid_scope', state }));
  const code = codes.issue({ clientId, redirectUri: sent, scopes }, now);
  return redirect(withQuery(redirectUri, { code, state }));
}

/** The member clicked "Cancel": back to the app with `error=access_denied`. */
export function denied(redirectUri: string, state: string | undefined): ProviderResponse {
  return redirect(withQuery(redirectUri, { error: 'access_denied', state }));
}

/** Where a denial fault on the authorize path sends the browser, or `undefined` if nowhere valid. */
export function denialTarget(
  request: ProviderRequest,
  options: ResolvedSlackOptions,
): string | undefined {
  const client = options.clients.get(request.query.get('client_id') ?? '');
  if (client === undefined) return undefined;
  const uri = request.query.get('redirect_uri') ?? client.redirectUris[0];
  return uri !== undefined && redirectAllowed(client.redirectUris, uri) ? uri : undefined;
}

export function createOAuthAccess(codes: SlackCodeStore): SlackMethod {
  return {
    name: 'oauth.v2.access',
    tier: 4,
    scopes: [],
    public: true,
    handle({ request, args, state, options, tokens, now }) {
      const credentials = readClientCredentials(request.headers, {
        get: (name: string) => argString(args, name) ?? null,
      });
      const client =
        credentials.clientId === undefined ? undefined : options.clients.get(credentials.clientId);
      if (credentials.clientId === undefined || client === undefined)
        return slackError('invalid_client_id');
      if (credentials.clientSecret !== client.secret) return slackError('bad_client_secret');
      const clientId = credentials.clientId;

      const grantType = argString(args, 'grant_type') ?? 'authorization_code';
      let issued: Issued | undefined;
      let scopes: readonly string[];
      let installerId: string | undefined;
      if (grantType === 'authorization_code') {
        const redeemed = codes.redeem(argString(args, 'code') ?? '', now);
        if (redeemed.kind !== 'ok' || redeemed.grant.clientId !== clientId)
          return slackError('invalid_code');
        const { grant } = redeemed;
        if (
          grant.redirectUri !== undefined &&
          argString(args, 'redirect_uri') !== grant.redirectUri
        )
          return slackError('bad_redirect_uri');
        scopes = grant.scopes;
        installerId = state.installerId;
        issued = tokens.issueBot({ clientId, userId: state.botUserId, scopes }, now);
      } else if (grantType === 'refresh_token') {
        issued = tokens.refresh(argString(args, 'refresh_token') ?? '', clientId, now);
        if (issued === undefined) return slackError('invalid_refresh_token');
        const fresh = tokens.lookup(issued.accessToken, now);
        scopes = fresh.kind === 'ok' ? fresh.token.scopes : [];
      } else {
        return slackError('invalid_grant_type');
      }

      const body: Record<string, unknown> = {
        access_token: issued.accessToken,
        token_type: 'bot',
        scope: scopes.join(','),
        bot_user_id: state.botUserId,
        app_id: state.appId,
      };
      if (issued.refreshToken !== undefined) {
        body['expires_in'] = issued.expiresIn;
        body['refresh_token'] = issued.refreshToken;
      }
      body['team'] = { name: state.team.name, id: state.team.id };
      body['enterprise'] = null;
      if (installerId !== undefined) body['authed_user'] = { id: installerId };
      body['is_enterprise_install'] = false;
      return ok(body);
    },
  };
}
