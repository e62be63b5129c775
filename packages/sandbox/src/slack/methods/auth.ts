import { argBoolean } from '../arguments.js';
import { ok } from '../errors.js';
import type { SlackMethod } from './method.js';

/**
 * https://docs.slack.dev/reference/methods/auth.test — "Special" rate limit, "hundreds of
 * requests per minute"; the sandbox counts it in Tier 4.
 */
export const authTest: SlackMethod = {
  name: 'auth.test',
  tier: 4,
  scopes: [],
  handle({ state, caller }) {
    const user = state.users.find((candidate) => candidate.id === caller?.userId);
    const body: Record<string, unknown> = {
      url: `https://${state.team.domain}.slack.com/`,
      team: state.team.name,
      user: user?.name ?? '',
      team_id: state.team.id,
      user_id: caller?.userId ?? '',
    };
    if (caller?.kind === 'bot') body['bot_id'] = state.botId;
    body['is_enterprise_install'] = false;
    return ok(body);
  },
};

/**
 * https://docs.slack.dev/reference/methods/auth.revoke — later calls with the token answer
 * `token_revoked`; `test=1` checks without revoking. A rotating token's refresh token goes too.
 */
export const authRevoke: SlackMethod = {
  name: 'auth.revoke',
  tier: 3,
  scopes: [],
  handle({ args, caller, tokens }) {
    if (argBoolean(args, 'test')) return ok({ revoked: false });
    if (caller !== undefined) tokens.revoke(caller.token);
    return ok({ revoked: true });
  },
};
