import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { Provider, ProviderRequest, ProviderResponse } from '../core/provider.js';
import { createRouter } from '../core/router.js';
import { readCredentials } from './auth.js';
import {
  badCredentials,
  GENERIC_DOCS,
  GitHubError,
  notFound,
  primaryRateLimit,
  requiresAuthentication,
  secondaryRateLimit,
} from './errors.js';
import { resolveGitHubOptions, type GitHubSandboxOptions } from './options.js';
import { createRateLimiter, UNAUTHENTICATED_LIMIT, type RateLimitStatus } from './rate-limit.js';
import { githubHeaders, requestId } from './response-headers.js';
import { issueRoutes } from './routes/issues.js';
import { getRateLimitStatus } from './routes/rate-limit-status.js';
import { getRepository, getRepositoryById } from './routes/repos.js';
import type { GitHubRoute, RouteResult } from './routes/route.js';
import { getAuthenticatedUser, listReposForAuthenticatedUser } from './routes/users.js';
import { findUser, type UserRecord } from './state.js';
import { seedState } from './seed.js';

const ROUTES: GitHubRoute[] = [
  getAuthenticatedUser,
  listReposForAuthenticatedUser,
  getRepository,
  getRepositoryById,
  ...issueRoutes,
  getRateLimitStatus,
];

/** Who is calling, and which rate-limit bucket pays for it. */
interface Caller {
  viewer: UserRecord | undefined;
  /** Credentials were sent but name nobody (wrong token or unreadable header). */
  badCredentials: boolean;
  /** Classic tokens get `x-oauth-scopes`; fine-grained (`github_pat_`) and app (`ghs_`) tokens do not. */
  scopes: string | undefined;
  bucket: string;
  limit: number;
  /** How the rate-limit message names the caller: `user ID 1` or the IP address. */
  who: string;
}

const firstHeader = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Weak, like api.github.com's (it compresses); compared weakly, as RFC 9110 §13.1.2 says. */
const etagOf = (body: string) => `W/"${createHash('sha256').update(body).digest('hex')}"`;
const etagMatches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined &&
  ifNoneMatch
    .split(',')
    .some((candidate) => candidate.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''));

/**
 * The body of an injected error status when the rule gives none: GitHub's own for the statuses
 * it has one for (a 401 is how a revoked token looks), the reason phrase otherwise.
 */
function defaultErrorBody(status: number): Record<string, unknown> {
  if (status === 401) return badCredentials().body;
  if (status === 404) return notFound(GENERIC_DOCS).body;
  return {
    message: STATUS_CODES[status] ?? 'Error',
    documentation_url: GENERIC_DOCS,
    status: String(status),
  };
}

/** The GitHub REST API under `/github`: the endpoints `joinery-sandbox --help` lists. */
export function createGitHubProvider(options?: GitHubSandboxOptions): Provider {
  const resolved = resolveGitHubOptions(options);
  const seed = () =>
    seedState({ logins: [...new Set(resolved.tokens.values())], reposPerUser: resolved.seedRepos });
  let state = seed();
  const limiter = createRateLimiter();
  const router = createRouter<GitHubRoute>();
  for (const route of ROUTES) router.add(route.method, route.path, route);

  const identifyCaller = (request: Pick<ProviderRequest, 'headers' | 'remoteAddress'>): Caller => {
    const credentials = readCredentials(firstHeader(request.headers, 'authorization'));
    const login = credentials.kind === 'token' ? resolved.tokens.get(credentials.token) : undefined;
    const viewer = login === undefined ? undefined : findUser(state, login);
    if (credentials.kind === 'token' && viewer !== undefined) {
      const fineGrained =
        credentials.token.startsWith('github_pat_') || credentials.token.startsWith('ghs_');
      return {
        viewer,
        badCredentials: false,
        scopes: fineGrained ? undefined : 'repo, user',
        bucket: `token:${credentials.token}`,
        limit: resolved.rateLimit,
        who: `user ID ${viewer.id}`,
      };
    }
    return {
      viewer: undefined,
      badCredentials: credentials.kind !== 'none',
      scopes: undefined,
      bucket: `ip:${request.remoteAddress}`,
      limit: UNAUTHENTICATED_LIMIT,
      who: request.remoteAddress,
    };
  };

  const answer = (
    caller: Caller,
    id: string,
    rate: RateLimitStatus,
    result: RouteResult,
    acceptedScopes = '',
  ): ProviderResponse => ({
    status: result.status,
    headers: {
      ...githubHeaders({ requestId: id, rate, scopes: caller.scopes, acceptedScopes }),
      ...result.headers,
    },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  });

  /** Counts the request; an exhausted quota turns any answer into GitHub's rate-limit 403. */
  const charge = (
    caller: Caller,
    id: string,
    now: number,
    result: RouteResult,
    acceptedScopes?: string,
  ) => {
    const rate = limiter.consume(caller.bucket, caller.limit, now);
    if (rate.exhausted) return answer(caller, id, rate, primaryRateLimit(403, caller.who, id, now));
    return answer(caller, id, rate, result, acceptedScopes);
  };

  return {
    name: 'github',
    prefix: '/github',
    description:
      'GitHub REST API (2022-11-28): user, repositories, issues. "Authorization: Bearer <token>".',

    handle(request) {
      const id = requestId();
      const now = Date.now();
      const caller = identifyCaller(request);
      // GitHub checks credentials before anything else: a wrong token on any path is a 401.
      if (caller.badCredentials) return charge(caller, id, now, badCredentials());

      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const match = router.match(method, request.path);
      // Unknown paths and unsupported methods are both 404s on GitHub, not 405s.
      if (match === undefined || match === 'method_not_allowed')
        return charge(caller, id, now, notFound(GENERIC_DOCS));
      const { route, params } = match;
      const viewer = caller.viewer;
      if (viewer === undefined) return charge(caller, id, now, requiresAuthentication(route.docs));

      const peek = () => limiter.peek(caller.bucket, caller.limit, now);
      // Refuse before running the handler, so an exhausted quota never creates anything.
      if (!route.free && peek().remaining === 0) {
        return answer(caller, id, peek(), primaryRateLimit(403, caller.who, id, now));
      }

      const result = route.handle({
        request,
        params,
        viewer,
        state,
        api: request.baseUrl,
        now,
        rate: peek,
        user: (login) =>
          findUser(state, login) ?? {
            id: 0,
            login,
            name: login,
            email: '',
            createdAt: '1970-01-01T00:00:00Z',
          },
      });
      if (result instanceof GitHubError)
        return charge(caller, id, now, result, route.acceptedScopes);

      if (method === 'GET' && result.status === 200) {
        const body = JSON.stringify(result.body);
        const etag = etagOf(body);
        // "Making a conditional request does not count against your primary rate limit if a
        // 304 response is returned": https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api
        if (etagMatches(firstHeader(request.headers, 'if-none-match'), etag)) {
          const notModified = answer(
            caller,
            id,
            peek(),
            { status: 304, body: undefined, headers: { etag } },
            route.acceptedScopes,
          );
          delete notModified.headers['content-type'];
          return notModified;
        }
        result.headers = {
          ...result.headers,
          etag,
          'cache-control': 'private, max-age=60, s-maxage=60',
        };
      }
      if (route.free) return answer(caller, id, peek(), result, route.acceptedScopes);
      return charge(caller, id, now, result, route.acceptedScopes);
    },

    statusFault(request, fault) {
      const caller = identifyCaller(request);
      const rate = limiter.peek(caller.bucket, caller.limit, Date.now());
      const body = fault.body !== undefined ? fault.body : defaultErrorBody(fault.status);
      const response = answer(caller, requestId(), rate, {
        status: fault.status,
        body,
        ...(fault.headers ? { headers: fault.headers } : {}),
      });
      if (typeof fault.body === 'string') response.body = fault.body; // sent as is, e.g. an HTML 502 page
      return response;
    },

    rateLimitFault(request, fault) {
      const caller = identifyCaller(request);
      const now = Date.now();
      const id = requestId();
      const rate = limiter.peek(caller.bucket, caller.limit, now);
      const status = fault.status ?? 403;
      if (fault.retryAfter === undefined) {
        // Primary: the quota is gone until x-ratelimit-reset.
        const reset =
          fault.resetAfter !== undefined ? Math.floor(now / 1000) + fault.resetAfter : rate.reset;
        return answer(
          caller,
          id,
          { limit: rate.limit, used: rate.limit, remaining: 0, reset },
          primaryRateLimit(status, caller.who, id, now),
        );
      }
      // Secondary: quota may remain; the wait is in retry-after (GitHub sends seconds; an
      // HTTP-date is allowed by RFC 9110 §10.2.3 and tests clients that must read both).
      const retryAfter =
        fault.retryAfter === 'http-date'
          ? new Date(Math.ceil(now / 1000) * 1000 + 60_000).toUTCString()
          : String(fault.retryAfter);
      const response = answer(caller, id, rate, secondaryRateLimit(status, id));
      response.headers['retry-after'] = retryAfter;
      return response;
    },

    identify(headers) {
      const credentials = readCredentials(firstHeader(headers, 'authorization'));
      return credentials.kind === 'token' ? (resolved.tokens.get(credentials.token) ?? null) : null;
    },

    reset() {
      state = seed();
      limiter.clear();
    },
  };
}
