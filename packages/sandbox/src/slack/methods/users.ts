import { argBoolean, argString } from '../arguments.js';
import { ok, slackError } from '../errors.js';
import { MAX_LIMIT, pageOf } from '../pagination.js';
import { user } from '../representations.js';
import type { SlackMethod } from './method.js';

/**
 * https://docs.slack.dev/reference/methods/users.list — Tier 2. Without `limit` Slack
 * "attempts to deliver the entire result set" and large teams get `limit_required`; the sandbox
 * draws that line at 1000 members. `limit` above 1000 is read as 1000.
 */
export const usersList: SlackMethod = {
  name: 'users.list',
  tier: 2,
  scopes: ['users:read'],
  handle({ args, state, now }) {
    const rawLimit = argString(args, 'limit');
    let limit = state.users.length;
    if (rawLimit !== undefined && rawLimit !== '' && rawLimit !== '0') {
      if (!/^\d+$/.test(rawLimit)) return slackError('invalid_arguments');
      limit = Math.min(Number(rawLimit), MAX_LIMIT);
    } else if (state.users.length > MAX_LIMIT) {
      return slackError('limit_required');
    }
    const page = pageOf('user', state.users, argString(args, 'cursor'), limit);
    if (page.kind === 'invalid_cursor') return slackError('invalid_cursor');
    const includeLocale = argBoolean(args, 'include_locale');
    return ok({
      members: page.items.map((record) => user(state, record, includeLocale)),
      cache_ts: Math.floor(now / 1000),
      response_metadata: { next_cursor: page.nextCursor },
    });
  },
};

/**
 * https://docs.slack.dev/reference/methods/users.lookupByEmail — Tier 3, `users:read.email`.
 * Bots, Slackbot and deactivated members have no address to find (`users_not_found`).
 */
export const usersLookupByEmail: SlackMethod = {
  name: 'users.lookupByEmail',
  tier: 3,
  scopes: ['users:read.email'],
  handle({ args, state }) {
    const email = argString(args, 'email');
    if (email === undefined || email === '') return slackError('invalid_arguments');
    const wanted = email.toLowerCase();
    const found = state.users.find(
      (record) => !record.deleted && record.email?.toLowerCase() === wanted,
    );
    if (found === undefined) return slackError('users_not_found');
    return ok({ user: user(state, found) });
  },
};
