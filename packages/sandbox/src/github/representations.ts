/**
 * Wire JSON for users, repositories, labels and issues, field for field as api.github.com sends
 * them (compared with recorded traffic in @octokit/fixtures, `get-repository`, `paginate-issues`
 * and `add-labels-to-issue`). API URLs point at the sandbox (the Host the client used); web URLs
 * (`html_url`) point at github.com, as they would in production.
 */
import type { IssueRecord, LabelRecord, RepoRecord, UserRecord } from './state.js';

const WEB = 'https://github.com';

/** GitHub's global node ids are opaque base64 strings; clients must not parse them. */
function nodeId(type: string, id: number): string {
  return Buffer.from(`0:${type}${id}`).toString('base64');
}

/** The "simple user" embedded in repositories and issues. */
export function simpleUser(api: string, user: UserRecord, type: 'User' | 'Organization' = 'User') {
  const url = `${api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${WEB}/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** `GET /user`: the "private user" shape, with plan and private counts. */
export function authenticatedUser(api: string, user: UserRecord, owned: RepoRecord[]) {
  const publicRepos = owned.filter((repo) => !repo.private).length;
  return {
    ...simpleUser(api, user),
    user_view_type: 'private',
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: user.email,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
    private_gists: 0,
    total_private_repos: owned.length - publicRepos,
    owned_private_repos: owned.length - publicRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
  };
}

export function label(api: string, repo: RepoRecord, record: LabelRecord) {
  return {
    id: record.id,
    node_id: nodeId('Label', record.id),
    url: `${api}/repos/${repo.ownerLogin}/${repo.name}/labels/${encodeURIComponent(record.name)}`,
    name: record.name,
    color: record.color,
    default: record.default,
    description: record.description,
  };
}

/**
 * A repository. `full` is the `GET /repos/{owner}/{repo}` shape, which adds
 * `network_count`, `subscribers_count` and `temp_clone_token` to the list-item shape.
 */
export function repository(
  api: string,
  repo: RepoRecord,
  owner: UserRecord,
  viewer: UserRecord,
  full: boolean,
) {
  const url = `${api}/repos/${repo.ownerLogin}/${repo.name}`;
  const html = `${WEB}/${repo.ownerLogin}/${repo.name}`;
  const isOwner = owner.id === viewer.id;
  const openIssues = repo.issues.filter((issue) => issue.state === 'open').length;
  const body = {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: `${repo.ownerLogin}/${repo.name}`,
    private: repo.private,
    owner: simpleUser(api, owner),
    html_url: html,
    description: repo.description,
    fork: false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `git://github.com/${repo.ownerLogin}/${repo.name}.git`,
    ssh_url: `git@github.com:${repo.ownerLogin}/${repo.name}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: repo.stargazers,
    watchers_count: repo.stargazers,
    language: repo.language,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    // Counts pull requests too on GitHub; the sandbox has none, so it is the open issues.
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: repo.topics,
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: repo.stargazers,
    default_branch: 'main',
    permissions: { admin: isOwner, maintain: isOwner, push: isOwner, triage: isOwner, pull: true },
  };
  if (!full) return body;
  return {
    ...body,
    temp_clone_token: isOwner ? '' : null,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    network_count: 0,
    subscribers_count: 1,
  };
}

/**
 * An issue. Single-issue answers (get, create, update) carry `closed_by`; list items do not,
 * as in the recorded `paginate-issues` and `add-labels-to-issue` traffic.
 */
export function issue(
  api: string,
  repo: RepoRecord,
  record: IssueRecord,
  users: (login: string) => UserRecord,
  single: boolean,
) {
  const repoUrl = `${api}/repos/${repo.ownerLogin}/${repo.name}`;
  const url = `${repoUrl}/issues/${record.number}`;
  const assignees = record.assignees.map((login) => simpleUser(api, users(login)));
  const labels = record.labels
    .map((name) => repo.labels.find((candidate) => candidate.name === name))
    .filter((found): found is LabelRecord => found !== undefined)
    .map((found) => label(api, repo, found));
  const body = {
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/${repo.ownerLogin}/${repo.name}/issues/${record.number}`,
    id: record.id,
    node_id: nodeId('Issue', record.id),
    number: record.number,
    title: record.title,
    user: simpleUser(api, users(record.authorLogin)),
    labels,
    state: record.state,
    locked: false,
    assignee: assignees[0] ?? null,
    assignees,
    milestone: null,
    comments: record.comments,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    closed_at: record.closedAt,
    author_association: record.authorLogin === repo.ownerLogin ? 'OWNER' : 'NONE',
    active_lock_reason: null,
    body: record.body,
    reactions: {
      url: `${url}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: record.stateReason,
  };
  if (!single) return body;
  return {
    ...body,
    closed_by: record.closedBy === null ? null : simpleUser(api, users(record.closedBy)),
  };
}
