/**
 * Slack's tokens: bot tokens (`xoxb-`), and with token rotation on, expiring access tokens
 * (`xoxe.xoxb-`) paired with single-use refresh tokens (`xoxe-1-`). "The refresh token is then
 * revoked, and a new refresh token is used to exchange the new expiring access token when it
 * expires." https://docs.slack.dev/authentication/using-token-rotation
 */
import { randomChars } from '../core/oauth.js';

export interface SlackToken {
  token: string;
  kind: 'bot' | 'user';
  userId: string;
  /** The OAuth client (app) the token was issued to; static tokens belong to the sandbox's app. */
  clientId: string;
  scopes: readonly string[];
  /** Epoch ms, or `undefined` for tokens that never expire. */
  expiresAt: number | undefined;
  revoked: boolean;
  /** A deactivated account's token: every call answers `account_inactive`. */
  inactive: boolean;
  /** The refresh token issued with it, so revoking the token revokes the pair. */
  refreshToken: string | undefined;
}

interface RefreshRecord {
  clientId: string;
  userId: string;
  scopes: readonly string[];
  /** Used once (rotated away) or revoked. */
  spent: boolean;
}

export type Lookup =
  | { kind: 'ok'; token: SlackToken }
  | { kind: 'none' }
  | { kind: 'invalid_auth' }
  | { kind: 'token_revoked' }
  | { kind: 'token_expired' }
  | { kind: 'account_inactive' };

export interface Issued {
  accessToken: string;
  refreshToken: string | undefined;
  expiresIn: number | undefined;
}

export interface TokenStore {
  lookup(token: string | undefined, now: number): Lookup;
  /** The token whatever its state (expired, revoked…), for the request log. */
  find(token: string): SlackToken | undefined;
  issueBot(
    grant: { clientId: string; userId: string; scopes: readonly string[] },
    now: number,
  ): Issued;
  /** `undefined` if the refresh token is unknown, spent, revoked or another client's. */
  refresh(refreshToken: string, clientId: string, now: number): Issued | undefined;
  revoke(token: string): void;
  /** The static tokens only, as at start. */
  reset(): void;
}

/** Past this many issued tokens the oldest are forgotten, so a long benchmark cannot exhaust memory. */
const MAX_TOKENS = 100_000;

export function createTokenStore(options: {
  statics: () => SlackToken[];
  /** Seconds an access token lives with rotation on; `undefined` for rotation off. */
  rotationExpiresIn: number | undefined;
  teamNumber: string;
}): TokenStore {
  const tokens = new Map<string, SlackToken>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const cap = <V>(map: Map<string, V>) => {
    if (map.size <= MAX_TOKENS) return;
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  };

  const issue = (
    grant: { clientId: string; userId: string; scopes: readonly string[] },
    now: number,
  ): Issued => {
    const rotating = options.rotationExpiresIn !== undefined;
    const secret = randomChars(
      24,
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    );
    const accessToken = rotating
      ? `xoxe.xoxb-1-${randomChars(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`
      : `xoxb-${options.teamNumber}-${randomChars(13, '0123456789')}-${secret}`;
    const refreshToken = rotating
      ? `xoxe-1-${randomChars(48, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`
      : undefined;
    tokens.set(accessToken, {
      token: accessToken,
      kind: 'bot',
      userId: grant.userId,
      clientId: grant.clientId,
      scopes: grant.scopes,
      expiresAt: rotating ? now + (options.rotationExpiresIn ?? 0) * 1000 : undefined,
      revoked: false,
      inactive: false,
      refreshToken,
    });
    cap(tokens);
    if (refreshToken !== undefined) {
      refreshTokens.set(refreshToken, { ...grant, spent: false });
      cap(refreshTokens);
    }
    return { accessToken, refreshToken, expiresIn: options.rotationExpiresIn };
  };

  const reset = () => {
    tokens.clear();
    refreshTokens.clear();
    for (const token of options.statics()) tokens.set(token.token, token);
  };
  reset();

  return {
    lookup(token, now) {
      if (token === undefined || token === '') return { kind: 'none' };
      const found = tokens.get(token);
      if (found === undefined) return { kind: 'invalid_auth' };
      if (found.inactive) return { kind: 'account_inactive' };
      if (found.revoked) return { kind: 'token_revoked' };
      if (found.expiresAt !== undefined && now >= found.expiresAt) return { kind: 'token_expired' };
      return { kind: 'ok', token: found };
    },
    find(token) {
      return tokens.get(token);
    },
    issueBot: issue,
    refresh(refreshToken, clientId, now) {
      const record = refreshTokens.get(refreshToken);
      if (record === undefined || record.spent || record.clientId !== clientId) return undefined;
      record.spent = true;
      return issue(record, now);
    },
    revoke(token) {
      const found = tokens.get(token);
      if (found === undefined) return;
      found.revoked = true;
      const record =
        found.refreshToken === undefined ? undefined : refreshTokens.get(found.refreshToken);
      if (record !== undefined) record.spent = true;
    },
    reset,
  };
}
