import { defineConnector } from '@joinery/engine';
import {
  associateContactWithCompany,
  createCompany,
  createContact,
  getCompany,
  getContact,
  searchCompanies,
  searchContacts,
  updateCompany,
  updateContact,
} from './actions.js';
import { hubspotSyncs } from './syncs.js';
import { hubspotMappings } from './mappings.js';

/**
 * HubSpot CRM (https://developers.hubspot.com/docs/api/overview).
 * Auth: OAuth (access tokens of 30 minutes, refresh tokens that do not rotate) or a private app
 * token (`pat-…`) as `Authorization: Bearer`.
 * Limits (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details): 100 requests
 * per rolling 10 s per app and account (110 for OAuth apps, up to 190 on higher tiers), search 5 per
 * second per account, a daily quota for private apps. A 429 names its policy: `DAILY` will not pass
 * in seconds and is not retried; `TEN_SECONDLY_ROLLING` and `SECONDLY` are.
 */
export const hubspot = defineConnector({
  id: 'hubspot',
  name: 'HubSpot',
  description:
    'Contacts and companies in the HubSpot CRM: create, update, read, search, associate.',
  docsUrl: 'https://developers.hubspot.com/docs/api/crm/understanding-the-crm',
  baseUrl: 'https://api.hubapi.com',
  auth: [{ type: 'oauth2' }, { type: 'bearer' }],
  oauth: {
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    // https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/tokens: client id and secret in the form body.
    tokenEndpointAuthMethod: 'client_secret_post',
    defaultScopes: [
      'crm.objects.contacts.read',
      'crm.objects.contacts.write',
      'crm.objects.companies.read',
      'crm.objects.companies.write',
    ],
    redirectUriOnRefresh: true,
  },
  healthCheck: { method: 'GET', path: '/crm/v3/objects/contacts?limit=1' },
  pagination: { type: 'cursor', cursorParam: 'after', nextCursorPath: 'paging.next.after' },
  rateLimit: {
    headers: {
      limit: 'x-hubspot-ratelimit-max',
      remaining: 'x-hubspot-ratelimit-remaining',
      retryAfter: 'retry-after',
    },
    limits: [
      { name: 'ten_secondly', requests: 100, perSeconds: 10 },
      { name: 'search_secondly', requests: 5, perSeconds: 1, path: '/search$' },
    ],
  },
  errors: {
    messagePath: 'message',
    codePath: 'category',
    rules: [
      // The daily quota resets at midnight: waiting it out is not a retry.
      {
        status: [429],
        path: 'policyName',
        equals: ['DAILY'],
        code: 'rate_limited',
        retryable: false,
      },
      { status: [429], code: 'rate_limited' },
      { codes: ['EXPIRED_AUTHENTICATION'], code: 'auth_expired' },
      { codes: ['INVALID_AUTHENTICATION'], code: 'auth_revoked' },
      { codes: ['OBJECT_NOT_FOUND'], code: 'not_found' },
      { codes: ['CONFLICT'], code: 'conflict' },
    ],
  },
  syncs: hubspotSyncs,
  actions: [
    createContact,
    updateContact,
    getContact,
    searchContacts,
    createCompany,
    updateCompany,
    getCompany,
    searchCompanies,
    associateContactWithCompany,
  ] as const,
  mappings: hubspotMappings,
});
