import type { IncomingHttpHeaders } from 'node:http';
import { errorPage, redirectAllowed } from '../core/oauth.js';
import type { Provider, ProviderRequest, ProviderResponse } from '../core/provider.js';
import { createRouter } from '../core/router.js';
import { createSlidingWindow } from '../core/sliding-window.js';
import {
  invalidSession,
  notFound,
  OAuthError,
  requestLimitExceeded,
  SalesforceError,
  sfError,
} from './errors.js';
import { authorize, createSalesforceCodeStore, denial, revoke, token } from './oauth.js';
import { resolveSalesforceOptions, type SalesforceSandboxOptions } from './options.js';
import { createLocatorStore } from './query-locators.js';
import { query, queryMore } from './routes/query.js';
import { limits, resources } from './routes/resources.js';
import type { RouteResult, SalesforceRoute } from './routes/route.js';
import { sobjectRoutes } from './routes/sobjects.js';
import { sobjectNamed } from './schema.js';
import { ADMIN_USER_ID, seedState } from './seed.js';
import { createSessionStore, type Session } from './sessions.js';
import { findRecord, ORG_ID15, type SalesforceState } from './state.js';
import { supportedVersion, versionList } from './versions.js';

const ROUTES: SalesforceRoute[] = [resources, limits, query, queryMore, ...sobjectRoutes];
const DAY_MS = 86_400_000;
const AUTHORIZE_PATH = '/services/oauth2/authorize';
const TOKEN_PATH = '/services/oauth2/token';

/** `Bearer`, or the older `OAuth` scheme Salesforce still accepts. */
const bearer = (headers: IncomingHttpHeaders): string | undefined =>
  /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];

function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ProviderResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: status === 204 || body === null || body === undefined ? '' : JSON.stringify(body),
  };
}

const oauthJson = (result: OAuthError) =>
  json(
    400,
    { error: result.error, error_description: result.description },
    { 'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
  );

/** The default body of an injected status, as an error array. */
function defaultFaultErrors(status: number): SalesforceError {
  if (status === 401) return invalidSession();
  if (status === 403)
    return sfError(
      403,
      'INSUFFICIENT_ACCESS_OR_READONLY',
      'insufficient access rights on object id',
    );
  if (status === 404) return notFound();
  if (status === 503)
    return sfError(503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable, try again later');
  if (status >= 500)
    return sfError(
      status,
      'UNKNOWN_EXCEPTION',
      'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
    );
  return sfError(status, 'INVALID_INPUT', 'The request could not be understood');
}

/** Salesforce's REST API (Contact, Account, SOQL) and OAuth web-server flow under `/salesforce`. */
export function createSalesforceProvider(options?: SalesforceSandboxOptions): Provider {
  const resolved = resolveSalesforceOptions(options);
  const seed = () =>
    seedState({ extraContacts: resolved.seedContacts, extraAccounts: resolved.seedAccounts });
  let state: SalesforceState = seed();
  const sessions = createSessionStore({
    orgId15: ORG_ID15,
    timeoutMs: resolved.sessionTimeoutSeconds * 1000,
    statics: () =>
      resolved.sessionTokens.map((token): Session => ({
        token,
        userId: ADMIN_USER_ID,
        clientId: undefined,
        scopes: ['api', 'refresh_token', 'full'],
        lastUsed: Date.now(),
        keptAlive: true,
        refreshToken: undefined,
      })),
  });
  const codes = createSalesforceCodeStore();
  const usage = createSlidingWindow();
  const locators = createLocatorStore();
  const router = createRouter<SalesforceRoute>();
  for (const route of ROUTES) router.add(route.method, route.path, route);

  const limitInfo = (used: number) => ({
    'sforce-limit-info': `api-usage=${used}/${resolved.apiRequestLimit}`,
  });
  const peekUsage = (now: number) => usage.peek('org', resolved.apiRequestLimit, DAY_MS, now).count;

  const handleData = (request: ProviderRequest, now: number): ProviderResponse => {
    const [, segment = '', rest = ''] =
      /^\/services\/data\/([^/]+)(\/.*)?$/.exec(request.path) ?? [];
    const version = supportedVersion(segment);
    if (version === undefined) return json(404, notFound().errors);
    const presented = bearer(request.headers);
    const session = presented === undefined ? undefined : sessions.use(presented, now);
    if (session === undefined)
      return json(401, invalidSession().errors, { 'www-authenticate': 'Token' });

    // Every authenticated call counts against the rolling 24-hour allocation.
    const hit = usage.hit('org', resolved.apiRequestLimit, DAY_MS, now);
    if (!hit.allowed) return json(403, requestLimitExceeded().errors, limitInfo(hit.count));
    const headers = limitInfo(hit.count);

    const match = router.match(request.method, rest === '' ? '/' : rest.replace(/\/$/, '') || '/');
    if (match === undefined) return json(404, notFound().errors, headers);
    if (match === 'method_not_allowed')
      return json(
        405,
        sfError(
          405,
          'METHOD_NOT_ALLOWED',
          `HTTP Method '${request.method}' not allowed. Allowed are GET,PATCH,POST,HEAD`,
        ).errors,
        headers,
      );
    const result: RouteResult | SalesforceError = match.route.handle({
      request,
      params: match.params,
      version,
      state,
      session,
      options: resolved,
      locators,
      now,
      parentOf: (reference, record) => {
        const parent =
          reference.referenceTo === undefined ? undefined : sobjectNamed(reference.referenceTo);
        const id = record.fields[reference.name];
        return parent === undefined || typeof id !== 'string'
          ? undefined
          : findRecord(state, parent, id);
      },
      apiUsage: () => ({ used: hit.count, max: resolved.apiRequestLimit }),
    });
    if (result instanceof SalesforceError) return json(result.status, result.errors, headers);
    return json(result.status, result.body, headers);
  };

  /** `GET /id/{orgId}/{userId}`: the identity service, for the `id` URL in token answers. */
  const identity = (request: ProviderRequest, now: number): ProviderResponse => {
    const presented = bearer(request.headers);
    const session = presented === undefined ? undefined : sessions.use(presented, now);
    const [, org = '', user = ''] = /^\/id\/([^/]+)\/([^/]+)$/.exec(request.path) ?? [];
    if (session === undefined)
      return {
        status: 403,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: 'Bad_OAuth_Token',
      };
    if (org !== state.orgId || user !== session.userId) return json(404, notFound().errors);
    return json(200, {
      id: `${request.baseUrl}/id/${org}/${user}`,
      asserted_user: true,
      user_id: user,
      organization_id: org,
      username: state.username,
      nick_name: 'admin',
      display_name: 'Sandbox Admin',
      email: state.username,
      email_verified: true,
      first_name: 'Sandbox',
      last_name: 'Admin',
      timezone: 'Europe/London',
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_GB',
      utcOffset: 0,
      urls: {
        rest: `${request.baseUrl}/services/data/v{version}/`,
        sobjects: `${request.baseUrl}/services/data/v{version}/sobjects/`,
        query: `${request.baseUrl}/services/data/v{version}/query/`,
      },
    });
  };

  return {
    name: 'salesforce',
    prefix: '/salesforce',
    description:
      'Salesforce REST API (Contact, Account, SOQL query, describe) and the OAuth web-server flow. "Authorization: Bearer <session id>".',

    handle(request) {
      const now = Date.now();
      const { method, path } = request;
      if (method === 'GET' && path === AUTHORIZE_PATH)
        return authorize(request, resolved, codes, now);
      if (method === 'POST' && path === TOKEN_PATH) {
        const result = token(request, resolved, codes, sessions, state, now);
        return result instanceof OAuthError ? oauthJson(result) : json(200, result.body);
      }
      if ((method === 'POST' || method === 'GET') && path === '/services/oauth2/revoke') {
        const result = revoke(request, sessions);
        return result instanceof OAuthError ? oauthJson(result) : json(200, null);
      }
      if (method === 'GET' && /^\/id\/[^/]+\/[^/]+$/.test(path)) return identity(request, now);
      if (method === 'GET' && (path === '/services/data' || path === '/services/data/'))
        return json(200, versionList());
      if (path.startsWith('/services/data/')) return handleData(request, now);
      return json(404, notFound().errors);
    },

    statusFault(request, fault) {
      if (request.path === AUTHORIZE_PATH && fault.status >= 300 && fault.status < 400) {
        // A 3xx fault on the consent page is the user clicking "Deny".
        const client = resolved.clients.get(request.query.get('client_id') ?? '');
        const uri = request.query.get('redirect_uri') ?? '';
        if (client === undefined || !redirectAllowed(client.redirectUris, uri))
          return errorPage(
            400,
            'error=redirect_uri_mismatch',
            'No valid redirect_uri to send the denial to.',
          );
        return denial(uri, request.query.get('state') ?? undefined);
      }
      let body: unknown = fault.body;
      if (body === undefined)
        body =
          request.path === TOKEN_PATH && fault.status === 400
            ? // On the token endpoint a 400 is how a revoked refresh token looks.
              { error: 'invalid_grant', error_description: 'expired access/refresh token' }
            : defaultFaultErrors(fault.status).errors;
      const headers = request.path.startsWith('/services/data/')
        ? limitInfo(peekUsage(Date.now()))
        : {};
      const response = json(fault.status, body, { ...headers, ...fault.headers });
      if (typeof fault.body === 'string') response.body = fault.body; // sent as is, e.g. an HTML 502 page
      return response;
    },

    rateLimitFault(_request, fault) {
      const headers: Record<string, string> = limitInfo(resolved.apiRequestLimit);
      if (typeof fault.retryAfter === 'number') headers['retry-after'] = String(fault.retryAfter);
      return json(fault.status ?? 403, requestLimitExceeded().errors, headers);
    },

    identify(headers) {
      const presented = bearer(headers);
      const session = presented === undefined ? undefined : sessions.find(presented);
      return session === undefined ? null : state.username;
    },

    reset() {
      state = seed();
      sessions.reset();
      codes.clear();
      usage.clear();
      locators.clear();
    },
  };
}
