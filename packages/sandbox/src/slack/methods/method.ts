import type { ProviderRequest } from '../../core/provider.js';
import type { Args } from '../arguments.js';
import type { MethodResult } from '../errors.js';
import type { ResolvedSlackOptions } from '../options.js';
import type { SlackState } from '../state.js';
import type { SlackToken, TokenStore } from '../tokens.js';

/**
 * A rate-limit tier from the method's page: Tier 1–4 are requests per minute per app per
 * workspace; `post_message` is chat.postMessage's "one message per second per channel".
 * https://docs.slack.dev/apis/web-api/rate-limits
 */
export type Tier = 1 | 2 | 3 | 4 | 'post_message';

export interface MethodContext {
  request: ProviderRequest;
  args: Args;
  state: SlackState;
  /** The caller's token; absent only for methods that take none (`oauth.v2.access`). */
  caller: SlackToken | undefined;
  tokens: TokenStore;
  options: ResolvedSlackOptions;
  now: number;
  /**
   * Counts one request against a per-key limit; returns the seconds to wait if it is spent
   * (for limits narrower than the method's tier, like posting per channel).
   */
  throttle(key: string, limit: number, windowMs: number): number | undefined;
}

export interface SlackMethod {
  /** `chat.postMessage`. */
  name: string;
  tier: Tier;
  /** Scopes of which the token needs one (`x-accepted-oauth-scopes`); empty for none. */
  scopes: readonly string[];
  /** Takes no token: the client authenticates itself (`oauth.v2.access`). */
  public?: boolean;
  handle(context: MethodContext): MethodResult;
}

/** Does the token carry one of the method's scopes? If not, the answer is `missing_scope`. */
export function hasScope(caller: SlackToken | undefined, method: SlackMethod): boolean {
  if (method.scopes.length === 0) return true;
  return caller !== undefined && method.scopes.some((scope) => caller.scopes.includes(scope));
}
