import { describe, expect, it } from 'vitest';
import { isExpired, refreshDecision, type StoredTiming } from './refresh-decision.js';

const base: StoredTiming = {
  now: 10_000,
  issuedAt: 0,
  expiresAt: 20_000,
  refreshDueAt: 16_000,
  accessToken: 'A',
};
const call = { kind: 'due', horizonMs: 0, source: 'call' } as const;
const on401 = { refreshOn401: true };

describe('refresh decision', () => {
  it('renews a token that is due or expired, and not one another call already renewed', () => {
    expect(refreshDecision(base, call, on401)).toMatchObject({
      refresh: false,
      reason: 'the stored token is not due',
    });
    expect(refreshDecision({ ...base, now: 16_500 }, call, on401)).toMatchObject({
      refresh: true,
      reason: 'the access token is within its renewal margin',
    });
    expect(
      refreshDecision({ ...base, now: 19_000, refreshDueAt: 30_000 }, call, on401),
    ).toMatchObject({ refresh: true, reason: 'the access token has expired' });
  });

  it('lets the scheduler renew what falls due before its next sweep', () => {
    const sweep = { kind: 'due', horizonMs: 10_000, source: 'scheduler' } as const;
    expect(refreshDecision(base, sweep, on401)).toMatchObject({
      refresh: true,
      reason: 'renewal falls due before the next sweep',
    });
    expect(
      refreshDecision({ ...base, refreshDueAt: null, expiresAt: null }, sweep, on401).refresh,
    ).toBe(false);
  });

  it('after a 401 renews the rejected token once, and uses a replacement that is still valid', () => {
    expect(refreshDecision(base, { kind: 'rejected', accessToken: 'A' }, on401).refresh).toBe(true);
    expect(refreshDecision(base, { kind: 'rejected', accessToken: 'OLD' }, on401)).toMatchObject({
      refresh: false,
      reason: 'the rejected token was already replaced',
    });
    expect(
      refreshDecision({ ...base, now: 19_900 }, { kind: 'rejected', accessToken: 'OLD' }, on401)
        .refresh,
    ).toBe(true);
  });

  it('does not treat a 401 as an expiry signal when the connector says so', () => {
    const decision = refreshDecision(
      base,
      { kind: 'rejected', accessToken: 'A' },
      { refreshOn401: false },
    );
    expect(decision).toMatchObject({ refresh: false, declined: true });
    expect(
      refreshDecision(
        { ...base, now: 19_900 },
        { kind: 'rejected', accessToken: 'A' },
        { refreshOn401: false },
      ).refresh,
    ).toBe(true);
  });

  it('retries only while the failed token is still the stored one', () => {
    expect(refreshDecision(base, { kind: 'retry', accessToken: 'A' }, on401).refresh).toBe(true);
    expect(refreshDecision(base, { kind: 'retry', accessToken: 'B' }, on401).refresh).toBe(false);
  });

  it('counts a token as expired a tenth of its lifetime (at most 5 s) early', () => {
    expect(isExpired({ now: 19_400, issuedAt: 15_000, expiresAt: 20_000 })).toBe(false);
    expect(isExpired({ now: 19_500, issuedAt: 15_000, expiresAt: 20_000 })).toBe(true);
    expect(isExpired({ now: 0, issuedAt: 0, expiresAt: null })).toBe(false);
  });
});
