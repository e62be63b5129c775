import type { ConnectionSettings } from '@joinery/store';
import type { OAuthTokens } from '../outbound/auth.js';
import type { ResolvedProviderSpec } from './provider-spec.js';
import type { TokenResponse } from './token-endpoint.js';

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

/**
 * How long before expiry a token is renewed: the larger of 60 s and a tenth of its lifetime, never
 * more than half of it. A 1-hour token is renewed 6 minutes early, a 5-second one 2.5 s early:
 * early enough that a slow token endpoint or a skewed clock costs nothing, late enough that a
 * short-lived token is not renewed on every call.
 */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(Math.max(60 * SECOND, lifetimeMs / 10), lifetimeMs / 2);
}

/**
 * How close to the stated expiry a token is no longer sent. Providers count whole seconds from
 * their own clock, so a token can die up to a second before `issued + expires_in`.
 */
export function expirySkewMs(lifetimeMs: number): number {
  return Math.min(5 * SECOND, lifetimeMs / 10);
}

/** The token set to store after a grant, with the times the token manager schedules by. */
export interface IssuedTokens {
  credentials: OAuthTokens;
  issuedAt: Date;
  expiresAt: Date | null;
  refreshDueAt: Date | null;
  /** Settings learned from the token response (only the fields the connector maps). */
  settings: ConnectionSettings;
}

export interface TokenTiming {
  issuedAt: Date;
  expiresAt: Date | null;
  hasRefreshToken: boolean;
  type: OAuthTokens['type'];
}

/**
 * When to renew: ahead of the access token's expiry, and ahead of the refresh token's idle
 * expiry for providers that expire unused refresh tokens. Null: nothing to do until a 401.
 */
export function refreshDueAt(timing: TokenTiming, spec: ResolvedProviderSpec): Date | null {
  const canRenew = timing.type === 'oauth2_client_credentials' || timing.hasRefreshToken;
  if (!canRenew) return null;
  const candidates: number[] = [];
  if (timing.expiresAt) {
    const lifetime = timing.expiresAt.getTime() - timing.issuedAt.getTime();
    candidates.push(timing.expiresAt.getTime() - refreshMarginMs(Math.max(lifetime, 0)));
  }
  if (timing.hasRefreshToken && spec.idleRefreshTokenDays !== null) {
    const idleLifetime = spec.idleRefreshTokenDays * DAY;
    candidates.push(timing.issuedAt.getTime() + idleLifetime - refreshMarginMs(idleLifetime));
  }
  return candidates.length === 0 ? null : new Date(Math.min(...candidates));
}

/**
 * The stored token set from a token response. A response without `refresh_token` keeps the one
 * already held (RFC 6749 §6), unless the connector says the provider's refresh tokens are
 * strictly single-use.
 */
export function tokensFromResponse(
  response: TokenResponse,
  options: {
    type: OAuthTokens['type'];
    previous: OAuthTokens | null;
    spec: ResolvedProviderSpec;
    now: Date;
  },
): IssuedTokens {
  const refreshToken =
    options.type === 'oauth2_client_credentials'
      ? undefined
      : (response.refresh_token ??
        (options.spec.keepRefreshTokenIfAbsent ? options.previous?.refreshToken : undefined));
  const credentials: OAuthTokens = {
    type: options.type,
    accessToken: response.access_token,
    tokenType: response.token_type,
    ...(refreshToken ? { refreshToken } : {}),
    ...(typeof response.scope === 'string'
      ? { scope: response.scope }
      : options.previous?.scope
        ? { scope: options.previous.scope }
        : {}),
  };
  const expiresIn = response.expires_in;
  const expiresAt =
    typeof expiresIn === 'number' && expiresIn > 0
      ? new Date(options.now.getTime() + expiresIn * SECOND)
      : null;
  const settings: ConnectionSettings = {};
  for (const [field, setting] of Object.entries(options.spec.tokenResponseSettings)) {
    const value = (response as Record<string, unknown>)[field];
    if (typeof value === 'string' && setting === 'baseUrl' && /^https?:\/\//i.test(value))
      settings.baseUrl = value;
  }
  return {
    credentials,
    issuedAt: options.now,
    expiresAt,
    refreshDueAt: refreshDueAt(
      {
        issuedAt: options.now,
        expiresAt,
        hasRefreshToken: refreshToken !== undefined,
        type: options.type,
      },
      options.spec,
    ),
    settings,
  };
}

/**
 * The wait before retrying a refresh the provider did not answer: 5 s, 10 s, 20 s … capped at
 * 5 minutes, with up to 20 % jitter so that many connections of one provider do not retry in step.
 */
export function refreshBackoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(5 * SECOND * 2 ** Math.max(failures - 1, 0), 5 * 60 * SECOND);
  return Math.round(base * (1 + random() * 0.2));
}
