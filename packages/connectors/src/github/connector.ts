import { defineConnector } from '@joinery/engine';
import {
  addLabels,
  createIssue,
  createLabel,
  getIssue,
  getRepository,
  listIssues,
  listRepositories,
  searchIssues,
  updateIssue,
} from './actions.js';

/**
 * GitHub REST API, version 2022-11-28.
 * Auth: a personal access token (classic or fine-grained) as `Authorization: Bearer <token>`, or a
 * GitHub OAuth app's user token through the Connect page
 * (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps). OAuth
 * app tokens do not expire and come without a refresh token; GitHub App user tokens expire after
 * 8 hours and come with a 6-month refresh token, both handled from `expires_in` and `refresh_token`.
 * Limits: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api — 5,000
 * requests/hour per user token; the primary limit answers 403 or 429 with `x-ratelimit-remaining: 0`
 * and `x-ratelimit-reset` (epoch seconds); secondary limits answer 403/429 with `retry-after`.
 */
export const github = defineConnector({
  id: 'github',
  name: 'GitHub',
  description: 'Repositories, issues and labels on GitHub.com through the REST API.',
  docsUrl: 'https://docs.github.com/en/rest',
  baseUrl: 'https://api.github.com',
  auth: [
    { type: 'api_key', in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    { type: 'oauth2' },
  ],
  oauth: {
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    // GitHub reads the client from the form (its docs show `client_id` and `client_secret` as parameters).
    tokenEndpointAuthMethod: 'client_secret_post',
    // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps: space- or comma-separated.
    defaultScopes: ['repo', 'read:user'],
  },
  defaultHeaders: {
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
  },
  healthCheck: { method: 'GET', path: '/user' },
  pagination: { type: 'link' },
  rateLimit: {
    headers: {
      limit: 'x-ratelimit-limit',
      remaining: 'x-ratelimit-remaining',
      reset: 'x-ratelimit-reset',
      retryAfter: 'retry-after',
    },
    resetUnit: 'epoch_seconds',
    alsoStatuses: [403],
  },
  errorMessage: 'message',
  webhooks: {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    scheme: 'github',
    // GitHub App deliveries name the installation; a connection made for it holds
    // `installation_id` in its metadata.
    routes: [{ payloadPath: 'installation.id', connectionField: 'installation_id' }],
  },
  actions: [
    listRepositories,
    getRepository,
    listIssues,
    getIssue,
    createIssue,
    updateIssue,
    addLabels,
    createLabel,
    searchIssues,
  ],
});
