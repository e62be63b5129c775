import { GitHubError, invalidRequest, validationFailed, type ValidationError } from '../errors.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { issue } from '../representations.js';
import {
  findUser,
  githubTimestamp,
  type IssueRecord,
  type IssueStateReason,
  type RepoRecord,
} from '../state.js';
import {
  readJsonObject,
  repoFromParams,
  type GitHubRoute,
  type RouteContext,
  type RouteResult,
} from './route.js';

const LIST_DOCS = 'https://docs.github.com/rest/issues/issues#list-repository-issues';
const GET_DOCS = 'https://docs.github.com/rest/issues/issues#get-an-issue';
const CREATE_DOCS = 'https://docs.github.com/rest/issues/issues#create-an-issue';
const UPDATE_DOCS = 'https://docs.github.com/rest/issues/issues#update-an-issue';

const ISSUE_SORT = {
  created: (record: IssueRecord) => record.createdAt,
  updated: (record: IssueRecord) => record.updatedAt,
  comments: (record: IssueRecord) => String(record.comments).padStart(9, '0'),
} as const;

/**
 * https://docs.github.com/rest/issues/issues#list-repository-issues — `state` open|closed|all
 * (default open; anything else is a 422), `labels` (comma-separated, all must match), `since`,
 * `sort` created|updated|comments, `direction` (default desc). The `Link` header points at
 * `/repositories/{id}/issues`, as GitHub's does (see the `paginate-issues` recording).
 */
function listIssues(context: RouteContext): RouteResult {
  const repo = repoFromParams(context, LIST_DOCS);
  if (repo instanceof GitHubError) return repo;
  const { query } = context.request;

  const state = query.get('state') ?? 'open';
  if (state !== 'open' && state !== 'closed' && state !== 'all') {
    return validationFailed(LIST_DOCS, [
      { resource: 'Issue', field: 'state', code: 'invalid', value: state },
    ]);
  }
  const labels = (query.get('labels') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const since = Date.parse(query.get('since') ?? '');
  const sortName = query.get('sort') ?? 'created';
  const sort =
    sortName in ISSUE_SORT ? ISSUE_SORT[sortName as keyof typeof ISSUE_SORT] : ISSUE_SORT.created;
  const sign = query.get('direction') === 'asc' ? 1 : -1;

  const matching = repo.issues
    .filter((record) => state === 'all' || record.state === state)
    .filter((record) => labels.every((name) => record.labels.includes(name)))
    .filter((record) => Number.isNaN(since) || Date.parse(record.updatedAt) >= since)
    .sort((a, b) => sign * sort(a).localeCompare(sort(b)) || sign * (a.number - b.number));

  const page = paginate(
    matching,
    parsePageRequest(query),
    `${context.api}/repositories/${repo.id}/issues`,
    query,
  );
  return {
    status: 200,
    body: page.items.map((record) => issue(context.api, repo, record, context.user, false)),
    ...(page.link === undefined ? {} : { headers: { link: page.link } }),
  };
}

function findIssue(
  context: RouteContext,
  docs: string,
): { repo: RepoRecord; record: IssueRecord } | GitHubError {
  const repo = repoFromParams(context, docs);
  if (repo instanceof GitHubError) return repo;
  const number = context.params['issue_number'] ?? '';
  const record = /^\d+$/.test(number)
    ? repo.issues.find((candidate) => candidate.number === Number(number))
    : undefined;
  if (record === undefined)
    return new GitHubError(404, { message: 'Not Found', documentation_url: docs, status: '404' });
  return { repo, record };
}

/** https://docs.github.com/rest/issues/issues#get-an-issue */
function getIssue(context: RouteContext): RouteResult {
  const found = findIssue(context, GET_DOCS);
  if (found instanceof GitHubError) return found;
  return { status: 200, body: issue(context.api, found.repo, found.record, context.user, true) };
}

/** JSON-schema failures read "For 'properties/labels', "bug" is not an array." */
const wrongType = (docs: string, field: string, value: unknown, expected: string) =>
  invalidRequest(docs, `For 'properties/${field}', ${JSON.stringify(value)} is not ${expected}.`);

function readTitle(value: unknown, docs: string): string | GitHubError {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return validationFailed(docs, [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
  }
  // The schema is `string | integer`: a number is taken as its decimal text.
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string') return wrongType(docs, 'title', value, 'a string or integer');
  return value;
}

function readBodyText(value: unknown, docs: string): string | null | GitHubError {
  if (value === null || typeof value === 'string') return value;
  return wrongType(docs, 'body', value, 'a string or null');
}

/** `labels` are names or `{name}` objects; unknown names become new labels, as on GitHub. */
function readLabels(
  repo: RepoRecord,
  context: RouteContext,
  value: unknown,
  docs: string,
): string[] | GitHubError {
  if (!Array.isArray(value)) return wrongType(docs, 'labels', value, 'an array');
  const names: string[] = [];
  for (const entry of value as unknown[]) {
    const name =
      typeof entry === 'string'
        ? entry
        : typeof entry === 'object' &&
            entry !== null &&
            typeof (entry as { name?: unknown }).name === 'string'
          ? (entry as { name: string }).name
          : undefined;
    if (name === undefined)
      return wrongType(docs, 'labels', value, 'an array of strings or objects with a name');
    if (!repo.labels.some((existing) => existing.name === name)) {
      repo.labels.push({
        id: context.state.nextLabelId++,
        name,
        color: 'ededed',
        description: null,
        default: false,
      });
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Every assignee must be a user GitHub knows; otherwise a 422 naming the login. */
function readAssignees(
  context: RouteContext,
  value: unknown,
  docs: string,
): string[] | GitHubError {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    return wrongType(docs, 'assignees', value, 'an array of strings');
  }
  const errors: ValidationError[] = [];
  const logins: string[] = [];
  for (const login of value) {
    const user = findUser(context.state, login);
    if (user === undefined)
      errors.push({ value: login, resource: 'Issue', field: 'assignees', code: 'invalid' });
    else if (!logins.includes(user.login)) logins.push(user.login);
  }
  return errors.length > 0 ? validationFailed(docs, errors) : logins;
}

const hasPushAccess = (repo: RepoRecord, context: RouteContext) =>
  repo.ownerLogin === context.viewer.login;

/**
 * https://docs.github.com/rest/issues/issues#create-an-issue — 201 with a `Location` header.
 * Labels and assignees from users without push access are silently dropped, as GitHub documents.
 */
function createIssue(context: RouteContext): RouteResult {
  const repo = repoFromParams(context, CREATE_DOCS);
  if (repo instanceof GitHubError) return repo;
  const input = readJsonObject(context.request, CREATE_DOCS);
  if (input instanceof GitHubError) return input;

  const title = readTitle(input['title'], CREATE_DOCS);
  if (title instanceof GitHubError) return title;
  const body = input['body'] === undefined ? null : readBodyText(input['body'], CREATE_DOCS);
  if (body instanceof GitHubError) return body;

  const push = hasPushAccess(repo, context);
  let assignees: string[] = [];
  const rawAssignees =
    input['assignees'] ?? (typeof input['assignee'] === 'string' ? [input['assignee']] : undefined);
  if (rawAssignees !== undefined && rawAssignees !== null) {
    const read = readAssignees(context, rawAssignees, CREATE_DOCS);
    if (read instanceof GitHubError) return read;
    if (push) assignees = read;
  }
  let labels: string[] = [];
  if (input['labels'] !== undefined && input['labels'] !== null && push) {
    const read = readLabels(repo, context, input['labels'], CREATE_DOCS);
    if (read instanceof GitHubError) return read;
    labels = read;
  }

  const at = githubTimestamp(context.now);
  const record: IssueRecord = {
    id: context.state.nextIssueId++,
    number: repo.nextIssueNumber++,
    title,
    body,
    state: 'open',
    stateReason: null,
    authorLogin: context.viewer.login,
    labels,
    assignees,
    comments: 0,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
    closedBy: null,
  };
  repo.issues.push(record);
  repo.updatedAt = at;
  const body201 = issue(context.api, repo, record, context.user, true);
  return { status: 201, body: body201, headers: { location: body201.url } };
}

const STATE_REASONS: readonly (IssueStateReason | null)[] = [
  'completed',
  'not_planned',
  'reopened',
  'duplicate',
  null,
];

/**
 * https://docs.github.com/rest/issues/issues#update-an-issue — `title`, `body`, `state`,
 * `state_reason`, `labels` (replaces), `assignees` (replaces). Closing sets `closed_at` and
 * `closed_by`; reopening clears them and sets `state_reason: "reopened"`.
 */
function updateIssue(context: RouteContext): RouteResult {
  const found = findIssue(context, UPDATE_DOCS);
  if (found instanceof GitHubError) return found;
  const { repo, record } = found;
  if (!hasPushAccess(repo, context) && record.authorLogin !== context.viewer.login) {
    return new GitHubError(403, {
      message: 'Must have admin rights to Repository.',
      documentation_url: UPDATE_DOCS,
      status: '403',
    });
  }
  const input = readJsonObject(context.request, UPDATE_DOCS);
  if (input instanceof GitHubError) return input;

  // Validate everything before changing anything: a 422 must leave the issue as it was.
  const title = input['title'] === undefined ? undefined : readTitle(input['title'], UPDATE_DOCS);
  if (title instanceof GitHubError) return title;
  const body = input['body'] === undefined ? undefined : readBodyText(input['body'], UPDATE_DOCS);
  if (body instanceof GitHubError) return body;
  const state = input['state'];
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    return validationFailed(UPDATE_DOCS, [
      { value: state, resource: 'Issue', field: 'state', code: 'invalid' },
    ]);
  }
  const reason = input['state_reason'];
  if (reason !== undefined && !STATE_REASONS.includes(reason as IssueStateReason | null)) {
    return validationFailed(UPDATE_DOCS, [
      { value: reason, resource: 'Issue', field: 'state_reason', code: 'invalid' },
    ]);
  }
  const assignees =
    input['assignees'] === undefined
      ? undefined
      : readAssignees(context, input['assignees'], UPDATE_DOCS);
  if (assignees instanceof GitHubError) return assignees;
  const labels =
    input['labels'] === undefined
      ? undefined
      : readLabels(repo, context, input['labels'], UPDATE_DOCS);
  if (labels instanceof GitHubError) return labels;

  const at = githubTimestamp(context.now);
  if (title !== undefined) record.title = title;
  if (body !== undefined) record.body = body;
  if (assignees !== undefined) record.assignees = assignees;
  if (labels !== undefined) record.labels = labels;
  if (state === 'closed' && record.state === 'open') {
    record.state = 'closed';
    record.closedAt = at;
    record.closedBy = context.viewer.login;
    record.stateReason = (reason as IssueStateReason | null | undefined) ?? 'completed';
  } else if (state === 'open' && record.state === 'closed') {
    record.state = 'open';
    record.closedAt = null;
    record.closedBy = null;
    record.stateReason = 'reopened';
  } else if (reason !== undefined && record.state === 'closed') {
    record.stateReason = reason as IssueStateReason | null;
  }
  record.updatedAt = at;
  return { status: 200, body: issue(context.api, repo, record, context.user, true) };
}

export const issueRoutes: GitHubRoute[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues',
    docs: LIST_DOCS,
    acceptedScopes: 'repo',
    handle: listIssues,
  },
  // Where GitHub's own `Link` headers send the next page.
  {
    method: 'GET',
    path: '/repositories/{repository_id}/issues',
    docs: LIST_DOCS,
    acceptedScopes: 'repo',
    handle: listIssues,
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues',
    docs: CREATE_DOCS,
    acceptedScopes: '',
    handle: createIssue,
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    docs: GET_DOCS,
    acceptedScopes: 'repo',
    handle: getIssue,
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    docs: UPDATE_DOCS,
    acceptedScopes: '',
    handle: updateIssue,
  },
];
