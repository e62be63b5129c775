import { defineConnector } from '@joinery/engine';
import {
  listConversations,
  listUsers,
  lookupUserByEmail,
  postMessage,
  updateMessage,
} from './actions.js';

/**
 * Slack Web API (https://docs.slack.dev/apis/web-api/).
 * Auth: a bot token (`xoxb-…`) from OAuth v2, as `Authorization: Bearer`; with token rotation the
 * bot token expires (`expires_in`, 12 h) and is renewed with the `xoxe-1-…` refresh token.
 * Every answer is HTTP 200 with `{"ok": true|false}`: `ok: false` is an error, never data.
 * Limits: per method per workspace in tiers (https://docs.slack.dev/apis/web-api/rate-limits),
 * 429 + `Retry-After` when exceeded.
 */
export const slack = defineConnector({
  id: 'slack',
  name: 'Slack',
  description: 'Post and update messages, list channels and members, find people by email.',
  docsUrl: 'https://docs.slack.dev/reference/methods',
  baseUrl: 'https://slack.com/api',
  auth: [{ type: 'oauth2' }, { type: 'bearer' }],
  oauth: {
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    // https://docs.slack.dev/authentication/installing-with-oauth: the client may authenticate either way.
    tokenEndpointAuthMethod: 'client_secret_post',
    // Slack's bot scopes are comma-separated in the authorize URL.
    scopeSeparator: ',',
    defaultScopes: ['chat:write', 'channels:read', 'users:read', 'users:read.email'],
    // Slack answers auth failures inside a 200 (`invalid_auth`), never with a 401 to refresh on.
    refreshOn401: false,
    // oauth.v2.access answers `"token_type": "bot"` for the bot token, a bearer credential.
    bearerTokenTypes: ['bot', 'user'],
  },
  healthCheck: { method: 'GET', path: '/auth.test' },
  pagination: {
    type: 'cursor',
    cursorParam: 'cursor',
    nextCursorPath: 'response_metadata.next_cursor',
  },
  rateLimit: {
    headers: { retryAfter: 'retry-after' },
    // The documented floors per method tier, per workspace (a connection is one workspace).
    limits: [
      { name: 'tier2_users_list', requests: 20, perSeconds: 60, path: '/users\\.list$' },
      {
        name: 'tier2_conversations_list',
        requests: 20,
        perSeconds: 60,
        path: '/conversations\\.list$',
      },
      { name: 'tier3_users_lookup', requests: 50, perSeconds: 60, path: '/users\\.lookupByEmail$' },
      { name: 'tier3_chat_update', requests: 50, perSeconds: 60, path: '/chat\\.update$' },
      // chat.postMessage: about one message per second per channel. Joinery's buckets are keyed
      // by connection, not channel, so this is the conservative workspace-wide reading.
      { name: 'chat_post_message', requests: 1, perSeconds: 1, path: '/chat\\.postMessage$' },
    ],
  },
  errors: {
    okField: 'ok',
    codePath: 'error',
    messagePath: 'error',
    rules: [
      { codes: ['ratelimited', 'rate_limited'], code: 'rate_limited' },
      { codes: ['token_expired'], code: 'auth_expired' },
      {
        codes: [
          'invalid_auth',
          'not_authed',
          'token_revoked',
          'account_inactive',
          'no_permission',
          'ekm_access_denied',
        ],
        code: 'auth_revoked',
      },
      {
        codes: [
          'channel_not_found',
          'users_not_found',
          'user_not_found',
          'message_not_found',
          'thread_not_found',
        ],
        code: 'not_found',
      },
      {
        codes: ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'],
        code: 'provider_unavailable',
      },
    ],
  },
  webhooks: {
    // Events API with the app's Signing Secret, five minutes' tolerance:
    // https://docs.slack.dev/authentication/verifying-requests-from-slack
    scheme: 'slack_v0',
    toleranceSeconds: 300,
    // Every Events API envelope names the workspace; a connection holds it as `team_id` in its
    // metadata (https://docs.slack.dev/apis/events-api/#callback-field).
    routes: [{ payloadPath: 'team_id', connectionField: 'team_id' }],
  },
  actions: [postMessage, updateMessage, listConversations, listUsers, lookupUserByEmail],
});
