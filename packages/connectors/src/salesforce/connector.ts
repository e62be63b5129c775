import { defineConnector } from '@joinery/engine';
import {
  API_VERSION,
  createRecord,
  describeObject,
  getRecord,
  query,
  updateRecord,
} from './actions.js';
import { salesforceSyncs } from './syncs.js';
import { salesforceMappings } from './mappings.js';

/**
 * Salesforce REST API, pinned to version 62.0.
 * Auth: the OAuth 2.0 web-server flow; the token answer's `instance_url` becomes the connection's
 * base URL, and it has no `expires_in`: sessions end by inactivity, answered with 401
 * `INVALID_SESSION_ID`, which triggers a refresh. A session id can also be given as a bearer token
 * with the integration's `baseUrl` set to the instance URL.
 * Limits: a rolling 24-hour request allocation per org, reported on every answer in
 * `Sforce-Limit-Info: api-usage=N/M` and tracked; `REQUEST_LIMIT_EXCEEDED` once it is spent.
 */
export const salesforce = defineConnector({
  id: 'salesforce',
  name: 'Salesforce',
  description:
    'SOQL queries, records (custom objects and fields too) and object descriptions in Salesforce.',
  docsUrl: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/',
  // Replaced per connection by the token answer's instance_url.
  baseUrl: 'https://login.salesforce.com',
  auth: [{ type: 'oauth2' }, { type: 'bearer' }],
  oauth: {
    authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    tokenEndpointAuthMethod: 'client_secret_post',
    defaultScopes: ['api', 'refresh_token'],
    tokenResponseSettings: { instance_url: 'baseUrl' },
  },
  healthCheck: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/query?q=SELECT+Id+FROM+Account+LIMIT+1`,
  },
  pagination: { type: 'next_url', nextUrlPath: 'nextRecordsUrl' },
  rateLimit: {
    headers: {},
    quota: {
      name: 'daily_api_requests',
      header: 'sforce-limit-info',
      pattern: 'api-usage=(\\d+)/(\\d+)',
    },
  },
  errors: {
    messagePath: '0.message',
    codePath: '0.errorCode',
    rules: [
      { codes: ['INVALID_SESSION_ID'], code: 'auth_expired' },
      // The 24-hour allocation is spent: no retry will pass before it rolls over.
      { codes: ['REQUEST_LIMIT_EXCEEDED'], code: 'rate_limited', retryable: false },
      { codes: ['NOT_FOUND', 'ENTITY_IS_DELETED'], code: 'not_found' },
      { codes: ['DUPLICATE_VALUE'], code: 'conflict' },
      { codes: ['SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION'], code: 'provider_unavailable' },
    ],
  },
  syncs: salesforceSyncs,
  actions: [query, getRecord, createRecord, updateRecord, describeObject],
  mappings: salesforceMappings,
});
