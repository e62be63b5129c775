/**
 * HubSpot's credentials: private-app tokens that never expire, and OAuth access tokens that
 * expire after `expires_in` seconds with refresh tokens that do not rotate (every refresh
 * answers with the same refresh token) until the app is uninstalled.
 * https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/tokens
 */
import { randomChars } from '../core/oauth.js';

export interface OAuthGrant {
  clientId: string;
  scopes: readonly string[];
  /** The installing user, for token metadata. */
  userEmail: string;
  userId: number;
}

export interface AccessRecord extends OAuthGrant {
  token: string;
  expiresAt: number;
  refreshToken: string;
}

interface RefreshRecord extends OAuthGrant {
  revoked: boolean;
}

export type AccessLookup =
  | { kind: 'private'; token: string }
  | { kind: 'oauth'; record: AccessRecord }
  | { kind: 'expired'; record: AccessRecord }
  | { kind: 'unknown' };

export interface Issued {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface TokenStore {
  lookup(token: string, now: number): AccessLookup;
  issue(grant: OAuthGrant, now: number): Issued;
  /** `unknown` for revoked or made-up refresh tokens; `other_client` if issued to another app. */
  refresh(refreshToken: string, clientId: string, now: number): Issued | 'unknown' | 'other_client';
  /** Uninstalls: the refresh token and every access token from it stop working. */
  revokeRefreshToken(refreshToken: string): boolean;
  reset(): void;
}

const MAX_TOKENS = 100_000;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

/** `na1-` and a UUID-shaped body, like HubSpot's refresh tokens for US-hosted accounts. */
const refreshTokenText = () =>
  `na1-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(4, HEX)}-${randomChars(12, HEX)}`;

export function createTokenStore(options: {
  privateTokens: readonly string[];
  ttlSeconds: number;
}): TokenStore {
  const privateTokens = new Set(options.privateTokens);
  const access = new Map<string, AccessRecord>();
  const refresh = new Map<string, RefreshRecord>();

  const issueAccess = (refreshToken: string, grant: OAuthGrant, now: number): Issued => {
    const token = `C${randomChars(3, '0123456789ABCDEF')}${randomChars(96, `${ALNUM}-_`)}`;
    const { clientId, scopes, userEmail, userId } = grant;
    access.set(token, {
      clientId,
      scopes,
      userEmail,
      userId,
      token,
      refreshToken,
      expiresAt: now + options.ttlSeconds * 1000,
    });
    if (access.size > MAX_TOKENS) {
      const oldest = access.keys().next().value;
      if (oldest !== undefined) access.delete(oldest);
    }
    return { accessToken: token, refreshToken, expiresIn: options.ttlSeconds };
  };

  return {
    lookup(token, now) {
      if (privateTokens.has(token)) return { kind: 'private', token };
      const record = access.get(token);
      if (record === undefined || refresh.get(record.refreshToken)?.revoked !== false)
        return { kind: 'unknown' };
      if (now >= record.expiresAt) return { kind: 'expired', record };
      return { kind: 'oauth', record };
    },
    issue(grant, now) {
      const refreshToken = refreshTokenText();
      refresh.set(refreshToken, { ...grant, revoked: false });
      return issueAccess(refreshToken, grant, now);
    },
    refresh(refreshToken, clientId, now) {
      const record = refresh.get(refreshToken);
      if (record === undefined || record.revoked) return 'unknown';
      if (record.clientId !== clientId) return 'other_client';
      return issueAccess(refreshToken, record, now);
    },
    revokeRefreshToken(refreshToken) {
      const record = refresh.get(refreshToken);
      if (record === undefined || record.revoked) return false;
      record.revoked = true;
      return true;
    },
    reset() {
      access.clear();
      refresh.clear();
    },
  };
}
