import { z } from 'zod';

// Shapes follow GitHub's published REST reference (https://docs.github.com/en/rest), API version
// 2022-11-28. Objects are loose: GitHub adds fields over time, and they pass through untouched.

export const simpleUser = z.looseObject({
  login: z.string(),
  id: z.number().int(),
  node_id: z.string().optional(),
  type: z.string().optional(),
  html_url: z.string().optional(),
});

export const label = z.looseObject({
  id: z.number().int(),
  node_id: z.string().optional(),
  name: z.string(),
  color: z.string(),
  description: z.string().nullable().optional(),
  default: z.boolean().optional(),
});

export const repository = z.looseObject({
  id: z.number().int(),
  node_id: z.string(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
  owner: simpleUser,
  html_url: z.string(),
  description: z.string().nullable(),
  fork: z.boolean(),
  url: z.string(),
  default_branch: z.string().optional(),
  visibility: z.string().optional(),
  open_issues_count: z.number().int().optional(),
  created_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
  pushed_at: z.string().nullable().optional(),
});

export const issue = z.looseObject({
  id: z.number().int(),
  node_id: z.string(),
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  body: z.string().nullable().optional(),
  user: simpleUser.nullable(),
  // Labels are objects, or bare names on some older payloads (GitHub documents both).
  labels: z.array(z.union([z.string(), label.partial().extend({ name: z.string().optional() })])),
  assignees: z.array(simpleUser).nullable().optional(),
  comments: z.number().int(),
  html_url: z.string(),
  url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  pull_request: z.looseObject({}).optional(),
});

export const owner = z
  .string()
  .min(1)
  .describe('The account owner of the repository (not case sensitive).');
export const repo = z
  .string()
  .min(1)
  .describe('The name of the repository without the .git extension (not case sensitive).');
export const issueNumber = z
  .number()
  .int()
  .positive()
  .describe('The number that identifies the issue.');
export const perPage = z
  .number()
  .int()
  .min(1)
  .max(100)
  .optional()
  .describe('Results per page (max 100). Defaults to the smaller of `limit` and 100.');
export const limit = z
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .describe('Most items to return, following pages as needed. Defaults to 100.');
