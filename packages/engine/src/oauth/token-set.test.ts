import { describe, expect, it } from 'vitest';
import { resolveProviderSpec } from './provider-spec.js';
import {
  expirySkewMs,
  refreshBackoffMs,
  refreshDueAt,
  refreshMarginMs,
  tokensFromResponse,
} from './token-set.js';
import type { TokenResponse } from './token-endpoint.js';

const SECOND = 1000;
const now = new Date('2026-01-01T00:00:00Z');
const spec = resolveProviderSpec({});
const response = (fields: Record<string, unknown>) =>
  ({ access_token: 'at', token_type: 'bearer', ...fields }) as unknown as TokenResponse;

describe('renewal margin', () => {
  it('is the larger of 60 s and a tenth of the lifetime, never more than half of it', () => {
    expect(refreshMarginMs(5 * SECOND)).toBe(2.5 * SECOND);
    expect(refreshMarginMs(30 * SECOND)).toBe(15 * SECOND);
    expect(refreshMarginMs(10 * 60 * SECOND)).toBe(60 * SECOND);
    expect(refreshMarginMs(3600 * SECOND)).toBe(360 * SECOND);
  });

  it('stops sending a token shortly before its stated expiry', () => {
    expect(expirySkewMs(5 * SECOND)).toBe(500);
    expect(expirySkewMs(3600 * SECOND)).toBe(5 * SECOND);
  });
});

describe('token set from a token response', () => {
  it('keeps the refresh token already held when a refresh response has none (RFC 6749 §6)', () => {
    const previous = {
      type: 'oauth2' as const,
      accessToken: 'old',
      refreshToken: 'rt-1',
      tokenType: 'bearer',
      scope: 'a b',
    };
    const issued = tokensFromResponse(response({ expires_in: 3600 }), {
      type: 'oauth2',
      previous,
      spec,
      now,
    });
    expect(issued.credentials).toEqual({
      type: 'oauth2',
      accessToken: 'at',
      refreshToken: 'rt-1',
      tokenType: 'bearer',
      scope: 'a b',
    });
    const rotated = tokensFromResponse(response({ refresh_token: 'rt-2' }), {
      type: 'oauth2',
      previous,
      spec,
      now,
    });
    expect(rotated.credentials.refreshToken).toBe('rt-2');
    const strict = resolveProviderSpec({ keepRefreshTokenIfAbsent: false });
    const dropped = tokensFromResponse(response({}), {
      type: 'oauth2',
      previous,
      spec: strict,
      now,
    });
    expect(dropped.credentials.refreshToken).toBeUndefined();
  });

  it('schedules the renewal from expires_in, and none without expiry or refresh token', () => {
    const issued = tokensFromResponse(response({ expires_in: 3600, refresh_token: 'rt' }), {
      type: 'oauth2',
      previous: null,
      spec,
      now,
    });
    expect(issued.expiresAt?.getTime()).toBe(now.getTime() + 3600 * SECOND);
    expect(issued.refreshDueAt?.getTime()).toBe(now.getTime() + 3240 * SECOND);
    const forever = tokensFromResponse(response({ refresh_token: 'rt' }), {
      type: 'oauth2',
      previous: null,
      spec,
      now,
    });
    expect(forever.expiresAt).toBeNull();
    expect(forever.refreshDueAt).toBeNull();
    const noRefresh = tokensFromResponse(response({ expires_in: 60 }), {
      type: 'oauth2',
      previous: null,
      spec,
      now,
    });
    expect(noRefresh.refreshDueAt).toBeNull();
    const cc = tokensFromResponse(response({ expires_in: 60, refresh_token: 'ignored' }), {
      type: 'oauth2_client_credentials',
      previous: null,
      spec,
      now,
    });
    expect(cc.credentials.refreshToken).toBeUndefined();
    expect(cc.refreshDueAt?.getTime()).toBe(now.getTime() + 30 * SECOND);
  });

  it('renews idle refresh tokens before the provider forgets them', () => {
    const idle = resolveProviderSpec({ idleRefreshTokenDays: 30 });
    const issued = tokensFromResponse(response({ refresh_token: 'rt' }), {
      type: 'oauth2',
      previous: null,
      spec: idle,
      now,
    });
    expect(issued.refreshDueAt?.getTime()).toBe(now.getTime() + 27 * 24 * 3600 * SECOND);
    expect(
      refreshDueAt(
        {
          issuedAt: now,
          expiresAt: new Date(now.getTime() + 3600 * SECOND),
          hasRefreshToken: true,
          type: 'oauth2',
        },
        idle,
      )?.getTime(),
    ).toBe(now.getTime() + 3240 * SECOND);
  });

  it('turns mapped token response fields into connection settings (Salesforce instance_url)', () => {
    const salesforce = resolveProviderSpec({ tokenResponseSettings: { instance_url: 'baseUrl' } });
    const issued = tokensFromResponse(
      response({ instance_url: 'https://acme.my.salesforce.com' }),
      {
        type: 'oauth2',
        previous: null,
        spec: salesforce,
        now,
      },
    );
    expect(issued.settings).toEqual({ baseUrl: 'https://acme.my.salesforce.com' });
    const notUrl = tokensFromResponse(response({ instance_url: 'javascript:alert(1)' }), {
      type: 'oauth2',
      previous: null,
      spec: salesforce,
      now,
    });
    expect(notUrl.settings).toEqual({});
  });
});

describe('refresh backoff', () => {
  it('doubles from 5 s to a 5-minute cap, with at most 20 % jitter', () => {
    expect(refreshBackoffMs(1, () => 0)).toBe(5 * SECOND);
    expect(refreshBackoffMs(2, () => 0)).toBe(10 * SECOND);
    expect(refreshBackoffMs(3, () => 1)).toBe(24 * SECOND);
    expect(refreshBackoffMs(50, () => 0)).toBe(300 * SECOND);
    expect(refreshBackoffMs(50, () => 1)).toBe(360 * SECOND);
  });
});
