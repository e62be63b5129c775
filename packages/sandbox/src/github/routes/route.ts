import type { ProviderRequest } from '../../core/provider.js';
import { notFound, problemsParsingJson, type GitHubError } from '../errors.js';
import type { RateLimitStatus } from '../rate-limit.js';
import { canSee, findRepo, type GitHubState, type RepoRecord, type UserRecord } from '../state.js';

export interface RouteContext {
  request: ProviderRequest;
  params: Record<string, string>;
  viewer: UserRecord;
  state: GitHubState;
  /** Base of API URLs in bodies and `Link` headers: `http://<host>/github`. */
  api: string;
  now: number;
  /** The viewer's primary rate limit as it stands. */
  rate: () => RateLimitStatus;
  /** The user with this login (seeded users only). */
  user: (login: string) => UserRecord;
}

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface GitHubRoute {
  method: string;
  /** Path pattern with `{name}` segments, after the `/github` prefix. */
  path: string;
  /** The endpoint's page, used as `documentation_url` in its errors. */
  docs: string;
  /** `x-accepted-oauth-scopes`. */
  acceptedScopes: string;
  /** Does not count against the primary rate limit (only `GET /rate_limit`). */
  free?: boolean;
  handle(context: RouteContext): RouteResult;
}

/**
 * The repository named by `{owner}/{repo}` or `{repository_id}`. One the viewer may not see is
 * a 404, never a 403: GitHub does not confirm that a private repository exists.
 */
export function repoFromParams(context: RouteContext, docs: string): RepoRecord | GitHubError {
  const { owner, repo, repository_id: id } = context.params;
  const found =
    id !== undefined
      ? context.state.repos.find((candidate) => String(candidate.id) === id)
      : owner !== undefined && repo !== undefined
        ? findRepo(context.state, owner, repo)
        : undefined;
  if (found === undefined || !canSee(found, context.viewer)) return notFound(docs);
  return found;
}

/** A JSON object body; an empty body counts as `{}`, anything unparsable is GitHub's 400. */
export function readJsonObject(
  request: ProviderRequest,
  docs: string,
): Record<string, unknown> | GitHubError {
  const text = request.body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return problemsParsingJson(docs);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return problemsParsingJson(docs);
  return parsed as Record<string, unknown>;
}
