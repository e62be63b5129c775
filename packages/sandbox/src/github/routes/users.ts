import { paginate, parsePageRequest } from '../pagination.js';
import { authenticatedUser, repository } from '../representations.js';
import type { RepoRecord } from '../state.js';
import type { GitHubRoute } from './route.js';

/** https://docs.github.com/rest/users/users#get-the-authenticated-user */
export const getAuthenticatedUser: GitHubRoute = {
  method: 'GET',
  path: '/user',
  docs: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
  acceptedScopes: '',
  handle({ api, viewer, state }) {
    const owned = state.repos.filter((repo) => repo.ownerLogin === viewer.login);
    return { status: 200, body: authenticatedUser(api, viewer, owned) };
  },
};

const SORT_KEYS = {
  created: (repo: RepoRecord) => repo.createdAt,
  updated: (repo: RepoRecord) => repo.updatedAt,
  pushed: (repo: RepoRecord) => repo.pushedAt,
  full_name: (repo: RepoRecord) => `${repo.ownerLogin}/${repo.name}`.toLowerCase(),
} as const;

/**
 * https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user —
 * `visibility` all|public|private (default all); `sort` created|updated|pushed|full_name
 * (default full_name); `direction` defaults to asc for full_name, desc otherwise. Unknown values
 * fall back to the defaults. The sandbox has no collaborators or organisations, so `affiliation`
 * changes nothing.
 */
export const listReposForAuthenticatedUser: GitHubRoute = {
  method: 'GET',
  path: '/user/repos',
  docs: 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user',
  acceptedScopes: '',
  handle({ api, viewer, state, request, user }) {
    const { query } = request;
    const visibility = query.get('visibility') ?? query.get('type') ?? 'all';
    const sortName = query.get('sort') ?? 'full_name';
    const sort =
      sortName in SORT_KEYS ? SORT_KEYS[sortName as keyof typeof SORT_KEYS] : SORT_KEYS.full_name;
    const direction = query.get('direction') ?? (sort === SORT_KEYS.full_name ? 'asc' : 'desc');
    const sign = direction === 'asc' ? 1 : -1;

    const repos = state.repos
      .filter((repo) => repo.ownerLogin === viewer.login)
      .filter((repo) =>
        visibility === 'public' ? !repo.private : visibility === 'private' ? repo.private : true,
      )
      .sort((a, b) => sign * sort(a).localeCompare(sort(b)) || a.id - b.id);
    const page = paginate(repos, parsePageRequest(query), `${api}/user/repos`, query);
    return {
      status: 200,
      body: page.items.map((repo) => repository(api, repo, user(repo.ownerLogin), viewer, false)),
      ...(page.link === undefined ? {} : { headers: { link: page.link } }),
    };
  },
};
