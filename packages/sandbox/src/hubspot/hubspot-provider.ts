import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { errorPage, redirect, redirectAllowed, withQuery } from '../core/oauth.js';
import type { Provider, ProviderRequest, ProviderResponse } from '../core/provider.js';
import { createRouter } from '../core/router.js';
import {
  expiredAuthentication,
  HubSpotError,
  invalidAuthentication,
  missingScopes,
  objectNotFound,
  oauthError,
  rateLimited,
  validationError,
  withCorrelationId,
} from './errors.js';
import { objectTypeFromPath } from './object-types.js';
import {
  accessTokenInfo,
  authorize,
  createHubSpotCodeStore,
  deleteRefreshToken,
  token,
  type OAuthResult,
} from './oauth.js';
import { resolveHubSpotOptions, type HubSpotSandboxOptions } from './options.js';
import { createHubSpotLimiter, type Payer } from './rate-limit.js';
import { associationRoutes } from './routes/associations.js';
import { objectRoutes } from './routes/objects.js';
import type { HubSpotRoute, RouteResult } from './routes/route.js';
import { searchObjects } from './routes/search.js';
import { seedState } from './seed.js';
import { createGeneratedContacts, GENERATED_CONTACTS_PATH } from './generated-contacts.js';
import type { HubSpotState } from './state.js';
import { createTokenStore, type AccessRecord } from './tokens.js';

const ROUTES: HubSpotRoute[] = [searchObjects, ...objectRoutes, ...associationRoutes];
const AUTHORIZE_PATH = '/oauth/authorize';
const TOKEN_PATH = '/oauth/v1/token';

/** Who is calling: a private app (every CRM scope) or an OAuth install. */
type Caller = { kind: 'private'; token: string } | { kind: 'oauth'; record: AccessRecord };

const bearer = (headers: IncomingHttpHeaders): string | undefined =>
  /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
const payerOf = (caller: Caller): Payer =>
  caller.kind === 'private'
    ? { kind: 'private', app: caller.token }
    : { kind: 'oauth', app: caller.record.clientId };

function json(status: number, body: unknown, headers: Record<string, string>): ProviderResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
    body: status === 204 ? '' : JSON.stringify(body),
  };
}

/** The body of an injected status without its own, in HubSpot's envelope. */
function defaultFaultError(status: number, path: string): HubSpotError {
  // On the token endpoint a 400 is how a revoked or expired refresh token looks.
  if (path === TOKEN_PATH && status === 400)
    return oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
  if (status === 401) return invalidAuthentication();
  if (status === 404) return objectNotFound();
  if (status === 429) return rateLimited('TEN_SECONDLY_ROLLING');
  if (status >= 500 || status < 400)
    return new HubSpotError(status, {
      status: 'error',
      message: 'internal error',
      category: 'INTERNAL_ERROR',
    });
  return validationError(STATUS_CODES[status] ?? 'Bad Request');
}

/** HubSpot's CRM v3 (contacts, companies, search), associations v4 and OAuth under `/hubspot`. */
export function createHubSpotProvider(options?: HubSpotSandboxOptions): Provider {
  const resolved = resolveHubSpotOptions(options);
  const seed = () =>
    seedState({ extraContacts: resolved.seedContacts, extraCompanies: resolved.seedCompanies });
  let state: HubSpotState = seed();
  const tokens = createTokenStore({
    privateTokens: resolved.privateAppTokens,
    ttlSeconds: resolved.accessTokenTtlSeconds,
  });
  const codes = createHubSpotCodeStore();
  const limiter = createHubSpotLimiter(resolved);
  const generated = createGeneratedContacts();
  const router = createRouter<HubSpotRoute>();
  for (const route of ROUTES) router.add(route.method, route.path, route);

  const authenticate = (headers: IncomingHttpHeaders, now: number): Caller | HubSpotError => {
    const presented = bearer(headers);
    if (presented === undefined) return invalidAuthentication();
    const found = tokens.lookup(presented, now);
    if (found.kind === 'private') return { kind: 'private', token: found.token };
    if (found.kind === 'oauth') return { kind: 'oauth', record: found.record };
    if (found.kind === 'expired') return expiredAuthentication(found.record.expiresAt, now);
    return invalidAuthentication();
  };

  const answer = (
    result: RouteResult | OAuthResult,
    correlationId: string,
    headers: Record<string, string> = {},
  ): ProviderResponse => {
    const all = { 'x-hubspot-correlation-id': correlationId, ...headers };
    if (result instanceof HubSpotError)
      return json(result.status, withCorrelationId(result.body, correlationId), all);
    return json(result.status, result.body, { ...all, ...result.headers });
  };

  const handleApi = (request: ProviderRequest, now: number, correlationId: string) => {
    const caller = authenticate(request.headers, now);
    if (caller instanceof HubSpotError) return answer(caller, correlationId);
    const match = router.match(request.method, request.path);
    const route = typeof match === 'object' ? match.route : undefined;
    const payer = payerOf(caller);
    const bulk = generated.handle(request, request.baseUrl);
    if (bulk !== undefined && generated.config()?.unthrottled === true)
      return answer(bulk, correlationId);
    const charged = limiter.charge(payer, now, route?.search === true);
    if (!charged.allowed)
      return answer(rateLimited(charged.policy), correlationId, charged.headers);
    if (bulk !== undefined) return answer(bulk, correlationId, charged.headers);
    if (match === undefined) return answer(objectNotFound(), correlationId, charged.headers);
    if (match === 'method_not_allowed')
      return answer(
        new HubSpotError(405, {
          status: 'error',
          message: `HTTP ${request.method} is not supported by this resource`,
          category: 'VALIDATION_ERROR',
        }),
        correlationId,
        charged.headers,
      );
    const segment = match.params['objectType'] ?? '';
    const type = objectTypeFromPath(segment);
    if (type === undefined)
      return answer(
        validationError(`Unable to infer object type from: ${segment}`),
        correlationId,
        charged.headers,
      );
    const scope = match.route.access === 'read' ? type.readScope : type.writeScope;
    if (caller.kind === 'oauth' && !caller.record.scopes.includes(scope))
      return answer(missingScopes(scope), correlationId, charged.headers);
    const result = match.route.handle({
      request,
      params: match.params,
      type,
      state,
      now,
      api: request.baseUrl,
    });
    return answer(result, correlationId, charged.headers);
  };

  return {
    name: 'hubspot',
    prefix: '/hubspot',
    description:
      'HubSpot CRM v3 (contacts, companies, search), associations v4 and OAuth v1. "Authorization: Bearer pat-na1-…" or an OAuth access token.',

    handle(request) {
      const now = Date.now();
      const correlationId = randomUUID();
      const { method, path } = request;
      if (method === 'GET' && path === AUTHORIZE_PATH)
        return authorize(request, resolved, codes, now);
      if (path === GENERATED_CONTACTS_PATH)
        return answer(generated.control(request, now), correlationId);
      if (method === 'POST' && path === TOKEN_PATH)
        return answer(token(request, resolved, codes, tokens, now), correlationId);
      const accessToken = /^\/oauth\/v1\/access-tokens\/([^/]+)$/.exec(path)?.[1];
      if (method === 'GET' && accessToken !== undefined)
        return answer(
          accessTokenInfo(decodeURIComponent(accessToken), state, tokens, now),
          correlationId,
        );
      const refreshToken = /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/.exec(path)?.[1];
      if (method === 'DELETE' && refreshToken !== undefined)
        return answer(deleteRefreshToken(decodeURIComponent(refreshToken), tokens), correlationId);
      return handleApi(request, now, correlationId);
    },

    statusFault(request, fault) {
      if (request.path === AUTHORIZE_PATH && fault.status >= 300 && fault.status < 400) {
        // A 3xx fault on the install screen is the user declining.
        const client = resolved.clients.get(request.query.get('client_id') ?? '');
        const uri = request.query.get('redirect_uri') ?? '';
        if (client === undefined || !redirectAllowed(client.redirectUris, uri))
          return errorPage(
            400,
            'Authorization failed',
            'No valid redirect_uri to send the denial to.',
          );
        return redirect(
          withQuery(uri, {
            error: 'access_denied',
            state: request.query.get('state') ?? undefined,
          }),
        );
      }
      const caller = authenticate(request.headers, Date.now());
      const rate =
        caller instanceof HubSpotError ? {} : limiter.headers(payerOf(caller), Date.now());
      const error = defaultFaultError(fault.status, request.path);
      const correlationId = randomUUID();
      const response = json(
        fault.status,
        fault.body !== undefined ? fault.body : withCorrelationId(error.body, correlationId),
        { 'x-hubspot-correlation-id': correlationId, ...rate, ...fault.headers },
      );
      if (typeof fault.body === 'string') response.body = fault.body; // sent as is, e.g. an HTML 502 page
      return response;
    },

    rateLimitFault(request, fault) {
      const now = Date.now();
      const caller = authenticate(request.headers, now);
      const rate =
        caller instanceof HubSpotError ? {} : limiter.headers(payerOf(caller), now, true);
      const headers: Record<string, string> = { ...rate };
      if (fault.retryAfter !== undefined)
        headers['retry-after'] =
          fault.retryAfter === 'http-date'
            ? new Date(Math.ceil(now / 1000) * 1000 + 60_000).toUTCString()
            : String(fault.retryAfter);
      return answer(rateLimited('TEN_SECONDLY_ROLLING'), randomUUID(), headers);
    },

    identify(headers) {
      const presented = bearer(headers);
      if (presented === undefined) return null;
      const found = tokens.lookup(presented, Date.now());
      if (found.kind === 'private') return 'private-app';
      if (found.kind === 'oauth' || found.kind === 'expired') return found.record.userEmail;
      return null;
    },

    reset() {
      state = seed();
      generated.reset();
      tokens.reset();
      codes.clear();
      limiter.clear();
    },
  };
}
