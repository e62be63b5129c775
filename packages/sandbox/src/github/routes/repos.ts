import { GitHubError } from '../errors.js';
import { repository } from '../representations.js';
import { repoFromParams, type GitHubRoute, type RouteContext } from './route.js';

const DOCS = 'https://docs.github.com/rest/repos/repos#get-a-repository';

function getRepo(context: RouteContext) {
  const repo = repoFromParams(context, DOCS);
  if (repo instanceof GitHubError) return repo;
  return {
    status: 200,
    body: repository(context.api, repo, context.user(repo.ownerLogin), context.viewer, true),
  };
}

/** https://docs.github.com/rest/repos/repos#get-a-repository */
export const getRepository: GitHubRoute = {
  method: 'GET',
  path: '/repos/{owner}/{repo}',
  docs: DOCS,
  acceptedScopes: 'repo',
  handle: getRepo,
};

/**
 * Undocumented but real: GitHub's `Link` headers and rename redirects point at
 * `/repositories/{id}…`, so a client that follows them lands here.
 */
export const getRepositoryById: GitHubRoute = {
  method: 'GET',
  path: '/repositories/{repository_id}',
  docs: DOCS,
  acceptedScopes: 'repo',
  handle: getRepo,
};
