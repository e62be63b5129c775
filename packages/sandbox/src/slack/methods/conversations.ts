import { argBoolean, argString } from '../arguments.js';
import { ok, slackError } from '../errors.js';
import { MAX_LIMIT, pageOf } from '../pagination.js';
import { channel, message } from '../representations.js';
import { findChannel } from '../state.js';
import type { SlackMethod } from './method.js';

const CHANNEL_TYPES = new Set(['public_channel', 'private_channel', 'mpim', 'im']);
export const DEFAULT_CONVERSATIONS_LIMIT = 100;

/**
 * https://docs.slack.dev/reference/methods/conversations.list — Tier 2. `types` defaults to
 * `public_channel`; `limit` defaults to 100 and must be at most 1000 (`invalid_limit`).
 * Filters apply after the page is cut, so a page can hold fewer than `limit` channels while
 * `next_cursor` is still set, as Slack warns: "Fewer than the requested number of items may be
 * returned, even if the end of the list hasn't been reached."
 */
export const conversationsList: SlackMethod = {
  name: 'conversations.list',
  tier: 2,
  scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
  handle({ args, state, caller }) {
    const viewerId = caller?.userId ?? '';
    const rawLimit = argString(args, 'limit');
    let limit = DEFAULT_CONVERSATIONS_LIMIT;
    if (rawLimit !== undefined && rawLimit !== '') {
      if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT)
        return slackError('invalid_limit');
      limit = Number(rawLimit);
    }
    const types = (argString(args, 'types') ?? 'public_channel')
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '');
    if (types.length === 0 || !types.every((type) => CHANNEL_TYPES.has(type)))
      return slackError('invalid_types');
    const excludeArchived = argBoolean(args, 'exclude_archived');

    const page = pageOf('team', state.channels, argString(args, 'cursor'), limit);
    if (page.kind === 'invalid_cursor') return slackError('invalid_cursor');
    const visible = page.items.filter(
      (record) =>
        (record.isPrivate
          ? types.includes('private_channel') && record.memberIds.includes(viewerId)
          : types.includes('public_channel')) && !(excludeArchived && record.isArchived),
    );
    return ok({
      channels: visible.map((record) => channel(state, record, viewerId)),
      response_metadata: { next_cursor: page.nextCursor },
    });
  },
};

export const DEFAULT_HISTORY_LIMIT = 100;

/**
 * https://docs.slack.dev/reference/methods/conversations.history — newest first, `limit`
 * (default 100, at most 1000), `cursor`, `oldest`/`latest` (exclusive unless `inclusive`).
 * Answers `has_more` next to the cursor. The cursor is Slack's `next_ts:<ts>` in base64.
 */
export const conversationsHistory: SlackMethod = {
  name: 'conversations.history',
  tier: 3,
  scopes: ['channels:history', 'groups:history'],
  handle({ args, state, caller }) {
    const viewerId = caller?.userId ?? '';
    const found = findChannel(state, argString(args, 'channel') ?? '', viewerId);
    if (found === undefined || !found.id.startsWith('C')) return slackError('channel_not_found');
    if (!found.memberIds.includes(viewerId)) return slackError('not_in_channel');
    const rawLimit = argString(args, 'limit');
    let limit = DEFAULT_HISTORY_LIMIT;
    if (rawLimit !== undefined && rawLimit !== '') {
      if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1) return slackError('invalid_limit');
      limit = Math.min(Number(rawLimit), MAX_LIMIT);
    }
    const inclusive = argBoolean(args, 'inclusive');
    const oldest = Number(argString(args, 'oldest') ?? '0');
    const latest = Number(argString(args, 'latest') ?? 'Infinity');
    let before = Infinity;
    const cursor = argString(args, 'cursor');
    if (cursor !== undefined && cursor !== '') {
      const text = /^[A-Za-z0-9+/]+={0,2}$/.test(cursor)
        ? Buffer.from(cursor, 'base64').toString('utf8')
        : '';
      const ts = /^next_ts:(\d+\.\d{6})$/.exec(text)?.[1];
      if (ts === undefined) return slackError('invalid_cursor');
      before = Number(ts);
    }
    const inRange = (ts: number) =>
      (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest) && ts <= before;
    const matching = found.messages
      .filter((record) => inRange(Number(record.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const items = matching.slice(0, limit);
    const next = matching[limit];
    return ok({
      messages: items.map((record) => message(state, record)),
      has_more: next !== undefined,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: {
        next_cursor: next === undefined ? '' : Buffer.from(`next_ts:${next.ts}`).toString('base64'),
      },
    });
  },
};
