/**
 * What the benchmark's upstream answers, shared by the upstream process and the load generator so
 * both agree on paths and the token without the parent importing (and starting) the server.
 */

/** The API key stored on the bench connection; the upstream refuses any other. */
export const UPSTREAM_TOKEN = 'bench-token';

/** The path every measured request asks for, direct and through the proxy. */
export const PAYLOAD_PATH = '/payload';

/** The GitHub connector's health check (`GET /user`) must see 200 JSON for the connection to be healthy. */
export const USER_PATH = '/user';

/** Shaped like GitHub's `GET /user` (https://docs.github.com/en/rest/users/users), ~1 KB. */
export const userBody = JSON.stringify({
  login: 'octocat',
  id: 583231,
  node_id: 'MDQ6VXNlcjU4MzIzMQ==',
  avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/octocat',
  html_url: 'https://github.com/octocat',
  followers_url: 'https://api.github.com/users/octocat/followers',
  following_url: 'https://api.github.com/users/octocat/following{/other_user}',
  gists_url: 'https://api.github.com/users/octocat/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/octocat/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/octocat/subscriptions',
  organizations_url: 'https://api.github.com/users/octocat/orgs',
  repos_url: 'https://api.github.com/users/octocat/repos',
  events_url: 'https://api.github.com/users/octocat/events{/privacy}',
  received_events_url: 'https://api.github.com/users/octocat/received_events',
  type: 'User',
  site_admin: false,
  name: 'The Octocat',
  company: '@github',
  blog: 'https://github.blog',
  location: 'San Francisco',
  email: null,
  hireable: null,
  bio: null,
  twitter_username: null,
  public_repos: 8,
  public_gists: 8,
  followers: 17000,
  following: 9,
  created_at: '2011-01-25T18:44:36Z',
  updated_at: '2024-01-22T12:13:14Z',
});

/** A small page of issue-like records, ~1 KB: the body every measured request carries back. */
export const payloadBody = JSON.stringify(
  [1, 2, 3, 4, 5].map((n) => ({
    id: 1_000_000 + n,
    number: n,
    title: `Benchmark issue ${n}`,
    state: n % 2 === 0 ? 'closed' : 'open',
    user: { login: 'octocat', id: 583231 },
    labels: [{ name: 'bench', color: 'ededed' }],
    comments: n * 3,
    created_at: '2024-01-22T12:13:14Z',
  })),
);

/** The rate-limited repository the rate-limit benchmark reads (`get_repository bench/limited`). */
export const LIMITED_OWNER = 'bench';
export const LIMITED_REPO = 'limited';
export const LIMITED_PATH = `/repos/${LIMITED_OWNER}/${LIMITED_REPO}`;

/**
 * Shaped like GitHub's `GET /repos/{owner}/{repo}`, trimmed
 * (https://docs.github.com/en/rest/repos/repos#get-a-repository).
 */
export const limitedRepositoryBody = JSON.stringify({
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: LIMITED_REPO,
  full_name: `${LIMITED_OWNER}/${LIMITED_REPO}`,
  private: false,
  owner: { login: LIMITED_OWNER, id: 583231, type: 'Organization' },
  html_url: `https://github.com/${LIMITED_OWNER}/${LIMITED_REPO}`,
  description: 'A repository behind a strict rate limit',
  fork: false,
  url: `https://api.github.com/repos/${LIMITED_OWNER}/${LIMITED_REPO}`,
  default_branch: 'main',
  visibility: 'public',
  open_issues_count: 0,
  created_at: '2011-01-26T19:01:12Z',
  updated_at: '2024-01-22T12:13:14Z',
  pushed_at: '2024-01-22T12:13:14Z',
});

/** What the rate-limited upstream's `GET /_stats` answers. */
export interface LimitedUpstreamStats {
  limit: number;
  windowMs: number;
  serviceMs: number;
  /** Requests to the limited path, accepted or not. */
  arrivals: number;
  served: number;
  /** 429s sent. */
  rejected: number;
  /** `GET /user`: not limited, not counted in `arrivals`. */
  healthChecks: number;
  /** Requests without the bench token, or to any other path. */
  refused: number;
  /** Epoch ms of the first arrival and of the last 200 sent, since the last reset. */
  firstArrivalAt: number | null;
  lastServedAt: number | null;
}

/** One request on the limited path, as `GET /_stats?arrivals=1` lists them. */
export interface LimitedUpstreamArrival {
  /** Epoch ms, sub-millisecond, taken when the request arrived. */
  at: number;
  status: 200 | 429;
}
