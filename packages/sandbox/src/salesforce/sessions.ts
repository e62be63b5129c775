/**
 * Salesforce sessions: an access token is a session id (`<org id>!<secret>`) with no stated
 * lifetime; it dies after the org's inactivity timeout ("If you make an API call, the
 * inactivity timer is reset to zero"), on revocation, or when its refresh token is revoked.
 * Refresh tokens do not rotate and have no expiry here (the connected app's default policy,
 * "valid until revoked").
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 */
import { randomChars } from '../core/oauth.js';

export interface Session {
  token: string;
  userId: string;
  /** The connected app, or `undefined` for the configured static sessions. */
  clientId: string | undefined;
  scopes: readonly string[];
  lastUsed: number;
  /** Static sessions stand for ones kept alive: the inactivity timeout skips them. */
  keptAlive: boolean;
  refreshToken: string | undefined;
}

interface RefreshRecord {
  clientId: string;
  userId: string;
  scopes: readonly string[];
  revoked: boolean;
}

export interface SessionStore {
  /** The live session for this token, its inactivity clock restarted; `undefined` if none. */
  use(token: string, now: number): Session | undefined;
  /** The session whatever its state, for the request log. */
  find(token: string): Session | undefined;
  open(
    grant: { clientId: string; userId: string; scopes: readonly string[] },
    refreshToken: string | undefined,
    now: number,
  ): Session;
  newRefreshToken(grant: { clientId: string; userId: string; scopes: readonly string[] }): string;
  /** A new session from a refresh token, or `undefined` if it is unknown, revoked or another app's. */
  refresh(refreshToken: string, clientId: string, now: number): Session | undefined;
  /** Revokes an access token, or a refresh token and every session opened from it. */
  revoke(token: string): boolean;
  reset(): void;
}

const MAX_SESSIONS = 100_000;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createSessionStore(options: {
  orgId15: string;
  timeoutMs: number;
  statics: () => Session[];
}): SessionStore {
  const sessions = new Map<string, Session>();
  const refreshTokens = new Map<string, RefreshRecord>();

  const reset = () => {
    sessions.clear();
    refreshTokens.clear();
    for (const session of options.statics()) sessions.set(session.token, session);
  };
  reset();

  const open: SessionStore['open'] = (grant, refreshToken, now) => {
    const token = `${options.orgId15}!AQ${randomChars(4, ALNUM)}${randomChars(96, `${ALNUM}._`)}`;
    const session: Session = {
      token,
      userId: grant.userId,
      clientId: grant.clientId,
      scopes: grant.scopes,
      lastUsed: now,
      keptAlive: false,
      refreshToken,
    };
    sessions.set(token, session);
    if (sessions.size > MAX_SESSIONS) {
      const oldest = sessions.keys().next().value;
      if (oldest !== undefined) sessions.delete(oldest);
    }
    return session;
  };

  return {
    use(token, now) {
      const session = sessions.get(token);
      if (session === undefined) return undefined;
      if (!session.keptAlive && now - session.lastUsed >= options.timeoutMs) {
        sessions.delete(token);
        return undefined;
      }
      session.lastUsed = now;
      return session;
    },
    find(token) {
      return sessions.get(token);
    },
    open,
    newRefreshToken(grant) {
      const token = `5Aep861${randomChars(80, `${ALNUM}.`)}`;
      refreshTokens.set(token, { ...grant, revoked: false });
      return token;
    },
    refresh(refreshToken, clientId, now) {
      const record = refreshTokens.get(refreshToken);
      if (record === undefined || record.revoked || record.clientId !== clientId) return undefined;
      return open(record, refreshToken, now);
    },
    revoke(token) {
      const record = refreshTokens.get(token);
      if (record !== undefined) {
        record.revoked = true;
        for (const [key, session] of sessions)
          if (session.refreshToken === token) sessions.delete(key);
        return true;
      }
      return sessions.delete(token);
    },
    reset,
  };
}
