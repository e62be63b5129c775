import { defineHttpAction } from '@joinery/engine';
import { z } from 'zod';

// Shapes follow Slack's method reference (https://docs.slack.dev/reference/methods). Objects are
// loose: Slack adds fields over time, and they pass through.

const channelId = z
  .string()
  .min(1)
  .describe('A channel ID (C…, G…) or, for posting, a user ID for a DM.');

const message = z.looseObject({
  type: z.string().optional(),
  text: z.string().optional(),
  ts: z.string(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
});

const channel = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  is_channel: z.boolean().optional(),
  is_private: z.boolean().optional(),
  is_archived: z.boolean().optional(),
  is_member: z.boolean().optional(),
  num_members: z.number().int().optional(),
});

const user = z.looseObject({
  id: z.string(),
  team_id: z.string().optional(),
  name: z.string().optional(),
  real_name: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  profile: z
    .looseObject({
      email: z.string().optional(),
      display_name: z.string().optional(),
      real_name: z.string().optional(),
    })
    .optional(),
});

const limit = z
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .describe('Most items to return, following cursors as needed. Defaults to 100.');
const pageSize = z
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .describe('Items per page (Slack recommends ≤ 200). Defaults to the smaller of `limit` and 200.');
const paginate = { limitField: 'limit', pageSizeField: 'page_size', maxPageSize: 200 } as const;

// https://docs.slack.dev/reference/methods/chat.postMessage
export const postMessage = defineHttpAction({
  name: 'post_message',
  description: 'Post a message to a channel, DM or thread as the bot.',
  input: z.object({
    channel: channelId,
    text: z
      .string()
      .min(1)
      .max(40_000)
      .describe('The message text (mrkdwn); also the fallback when blocks are given.'),
    blocks: z
      .array(z.looseObject({ type: z.string() }))
      .max(50)
      .optional(),
    thread_ts: z.string().optional().describe("Reply in this message's thread."),
    unfurl_links: z.boolean().optional(),
  }),
  output: z.looseObject({ ok: z.literal(true), channel: z.string(), ts: z.string(), message }),
  request: { method: 'POST', path: '/chat.postMessage', body: 'rest' },
});

// https://docs.slack.dev/reference/methods/chat.update
export const updateMessage = defineHttpAction({
  name: 'update_message',
  description: 'Change the text (or blocks) of a message the bot posted.',
  input: z.object({
    channel: channelId,
    ts: z.string().min(1),
    text: z.string().min(1).max(40_000),
    blocks: z
      .array(z.looseObject({ type: z.string() }))
      .max(50)
      .optional(),
  }),
  output: z.looseObject({
    ok: z.literal(true),
    channel: z.string(),
    ts: z.string(),
    text: z.string().optional(),
  }),
  request: { method: 'POST', path: '/chat.update', body: 'rest' },
});

// https://docs.slack.dev/reference/methods/conversations.list
export const listConversations = defineHttpAction({
  name: 'list_conversations',
  description: 'List channels in the workspace, following cursor pagination.',
  readOnly: true,
  input: z.object({
    types: z
      .string()
      .optional()
      .describe(
        'Comma-separated: public_channel, private_channel, mpim, im. Defaults to public_channel.',
      ),
    exclude_archived: z.boolean().optional(),
    page_size: pageSize,
    limit,
  }),
  output: z.array(channel),
  request: {
    method: 'GET',
    path: '/conversations.list',
    query: ['types', 'exclude_archived', 'page_size'],
    rename: { page_size: 'limit' },
  },
  paginate: { ...paginate, itemsPath: 'channels' },
});

// https://docs.slack.dev/reference/methods/users.list
export const listUsers = defineHttpAction({
  name: 'list_users',
  description: 'List the members of the workspace, following cursor pagination.',
  readOnly: true,
  input: z.object({ page_size: pageSize, limit }),
  output: z.array(user),
  request: {
    method: 'GET',
    path: '/users.list',
    query: ['page_size'],
    rename: { page_size: 'limit' },
  },
  paginate: { ...paginate, itemsPath: 'members' },
});

// https://docs.slack.dev/reference/methods/users.lookupByEmail
export const lookupUserByEmail = defineHttpAction({
  name: 'lookup_user_by_email',
  description: 'Find a workspace member by email address.',
  readOnly: true,
  input: z.object({ email: z.email() }),
  output: user,
  request: { method: 'GET', path: '/users.lookupByEmail', query: ['email'] },
  response: { mapping: 'user' },
});
