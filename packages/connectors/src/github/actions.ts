import { defineHttpAction } from '@joinery/engine';
import { z } from 'zod';
import { issue, issueNumber, label, limit, owner, perPage, repo, repository } from './schemas.js';

const paginate = { limitField: 'limit', pageSizeField: 'per_page', maxPageSize: 100 } as const;

// https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
export const listRepositories = defineHttpAction({
  name: 'list_repositories',
  description:
    'List repositories the authenticated user can access (owner, collaborator or organization member).',
  readOnly: true,
  input: z.object({
    visibility: z.enum(['all', 'public', 'private']).optional(),
    affiliation: z
      .string()
      .optional()
      .describe('Comma-separated: owner, collaborator, organization_member.'),
    sort: z.enum(['created', 'updated', 'pushed', 'full_name']).optional(),
    direction: z.enum(['asc', 'desc']).optional(),
    per_page: perPage,
    limit,
  }),
  output: z.array(repository),
  request: {
    method: 'GET',
    path: '/user/repos',
    query: ['visibility', 'affiliation', 'sort', 'direction', 'per_page'],
  },
  paginate,
});

// https://docs.github.com/en/rest/repos/repos#get-a-repository
export const getRepository = defineHttpAction({
  name: 'get_repository',
  description: 'Get one repository by owner and name.',
  readOnly: true,
  input: z.object({ owner, repo }),
  output: repository,
  request: { method: 'GET', path: '/repos/{owner}/{repo}' },
});

// https://docs.github.com/en/rest/issues/issues#list-repository-issues
export const listIssues = defineHttpAction({
  name: 'list_issues',
  description:
    'List issues (and pull requests, which GitHub counts as issues) in a repository, newest first.',
  readOnly: true,
  input: z.object({
    owner,
    repo,
    state: z.enum(['open', 'closed', 'all']).optional(),
    labels: z.string().optional().describe('Comma-separated label names.'),
    sort: z.enum(['created', 'updated', 'comments']).optional(),
    direction: z.enum(['asc', 'desc']).optional(),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Only issues updated at or after this time (ISO 8601).'),
    per_page: perPage,
    limit,
  }),
  output: z.array(issue),
  request: {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues',
    query: ['state', 'labels', 'sort', 'direction', 'since', 'per_page'],
  },
  paginate,
});

// https://docs.github.com/en/rest/issues/issues#get-an-issue
export const getIssue = defineHttpAction({
  name: 'get_issue',
  description: 'Get one issue by number.',
  readOnly: true,
  input: z.object({ owner, repo, issue_number: issueNumber }),
  output: issue,
  request: { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}' },
});

// https://docs.github.com/en/rest/issues/issues#create-an-issue
export const createIssue = defineHttpAction({
  name: 'create_issue',
  description: 'Open a new issue in a repository.',
  input: z.object({
    owner,
    repo,
    title: z.string().min(1),
    body: z.string().optional(),
    assignees: z.array(z.string()).optional(),
    labels: z.array(z.string()).optional(),
    milestone: z.number().int().optional(),
  }),
  output: issue,
  request: { method: 'POST', path: '/repos/{owner}/{repo}/issues', body: 'rest' },
});

// https://docs.github.com/en/rest/issues/issues#update-an-issue
export const updateIssue = defineHttpAction({
  name: 'update_issue',
  description: 'Change an issue: title, body, state (open/closed), labels or assignees.',
  input: z.object({
    owner,
    repo,
    issue_number: issueNumber,
    title: z.string().min(1).optional(),
    body: z.string().optional(),
    state: z.enum(['open', 'closed']).optional(),
    state_reason: z.enum(['completed', 'not_planned', 'reopened']).optional(),
    assignees: z.array(z.string()).optional(),
    labels: z.array(z.string()).optional(),
  }),
  output: issue,
  request: { method: 'PATCH', path: '/repos/{owner}/{repo}/issues/{issue_number}', body: 'rest' },
});

// https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
export const addLabels = defineHttpAction({
  name: 'add_labels',
  description: 'Add labels to an issue; labels that do not exist yet are created.',
  input: z.object({
    owner,
    repo,
    issue_number: issueNumber,
    labels: z.array(z.string().min(1)).min(1),
  }),
  output: z.array(label),
  request: {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    body: ['labels'],
  },
});

// https://docs.github.com/en/rest/issues/labels#create-a-label
export const createLabel = defineHttpAction({
  name: 'create_label',
  description: 'Create a label in a repository.',
  input: z.object({
    owner,
    repo,
    name: z.string().min(1),
    color: z.string().optional().describe('Hexadecimal colour without the leading #.'),
    description: z.string().max(100).optional(),
  }),
  output: label,
  request: { method: 'POST', path: '/repos/{owner}/{repo}/labels', body: 'rest' },
});

// https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
export const searchIssues = defineHttpAction({
  name: 'search_issues',
  description:
    'Search issues and pull requests with GitHub search syntax, e.g. "bug repo:owner/name is:open".',
  readOnly: true,
  input: z.object({
    q: z.string().min(1),
    sort: z.enum(['comments', 'reactions', 'created', 'updated']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    per_page: perPage,
    page: z.number().int().min(1).optional(),
  }),
  output: z.looseObject({
    total_count: z.number().int(),
    incomplete_results: z.boolean(),
    items: z.array(issue),
  }),
  request: {
    method: 'GET',
    path: '/search/issues',
    query: ['q', 'sort', 'order', 'per_page', 'page'],
  },
});
