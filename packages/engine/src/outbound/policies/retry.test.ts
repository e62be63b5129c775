import { describe, expect, it } from 'vitest';
import { JoineryError } from '../../errors.js';
import { RetryBudget, decideRetry, defaultRetryOptions } from './retry.js';

const now = 1_000_000;
const base = {
  attempt: 1,
  method: 'GET',
  hasIdempotencyKey: false,
  deadline: now + 60_000,
  now,
  budgetAllows: true,
  random: () => 0.5,
};

describe('decideRetry', () => {
  it('backs off exponentially with jitter for retryable errors on reads', () => {
    const error = new JoineryError('provider_unavailable', '503');
    const first = decideRetry({ ...base, error });
    const third = decideRetry({ ...base, error, attempt: 3 });
    expect(first).toMatchObject({ retry: true, waitMs: 100 }); // 0.5 × 200
    expect(third).toMatchObject({ retry: true, waitMs: 400 }); // 0.5 × 800
    expect(first.reason).toMatch(/^provider_unavailable: retry 2 in 100 ms, backoff/);
  });

  it('caps the backoff', () => {
    const decision = decideRetry(
      { ...base, error: new JoineryError('timeout', 't'), attempt: 3, random: () => 1 },
      { ...defaultRetryOptions, maxAttempts: 10, maxDelayMs: 500 },
    );
    expect(decision).toMatchObject({ retry: true, waitMs: 500 });
  });

  it('waits what the provider asked for', () => {
    const decision = decideRetry({
      ...base,
      error: new JoineryError('rate_limited', '429', { retryAfterMs: 1200 }),
    });
    expect(decision).toMatchObject({ retry: true, waitMs: 1250 });
    expect(decision.reason).toContain('provider asked to wait 1200 ms');
  });

  it('refuses to sit through a wait longer than the cap', () => {
    const decision = decideRetry({
      ...base,
      error: new JoineryError('rate_limited', '429', { retryAfterMs: 3_600_000 }),
    });
    expect(decision).toMatchObject({ retry: false });
    expect(decision.reason).toMatch(/longer than the 60 s/);
  });

  it('never retries non-idempotent requests without a key, and does with one', () => {
    const error = new JoineryError('network', 'reset');
    expect(decideRetry({ ...base, error, method: 'POST' })).toMatchObject({ retry: false });
    expect(decideRetry({ ...base, error, method: 'PATCH' })).toMatchObject({ retry: false });
    expect(decideRetry({ ...base, error, method: 'POST', hasIdempotencyKey: true })).toMatchObject({
      retry: true,
    });
    expect(decideRetry({ ...base, error, method: 'PUT' })).toMatchObject({ retry: true });
  });

  it('does not retry what retrying cannot fix', () => {
    for (const code of [
      'auth_revoked',
      'invalid_input',
      'provider_rejected',
      'not_found',
      'conflict',
    ] as const) {
      expect(decideRetry({ ...base, error: new JoineryError(code, 'x') }).retry, code).toBe(false);
    }
    const quota = new JoineryError('rate_limited', 'daily quota', { retryable: false });
    expect(decideRetry({ ...base, error: quota }).retry).toBe(false);
  });

  it('stops at the attempt cap, the budget and the deadline', () => {
    const error = new JoineryError('timeout', 't');
    expect(decideRetry({ ...base, error, attempt: 4 }).reason).toBe('gave up after 4 attempts');
    expect(decideRetry({ ...base, error, budgetAllows: false }).reason).toMatch(
      /retry budget exhausted/,
    );
    expect(decideRetry({ ...base, error, deadline: now + 50 }).reason).toMatch(/deadline/);
  });
});

describe('RetryBudget', () => {
  it('allows a floor of retries, then a share of requests', () => {
    const budget = new RetryBudget(0.2, 2, 10_000);
    expect(budget.tryRetry(now)).toBe(true);
    expect(budget.tryRetry(now)).toBe(true);
    expect(budget.tryRetry(now)).toBe(false); // floor reached, no traffic
    for (let i = 0; i < 50; i++) budget.recordRequest(now);
    expect(budget.tryRetry(now)).toBe(true); // 20 % of 50 = 10
    let granted = 1;
    while (budget.tryRetry(now)) granted++;
    expect(granted).toBe(8); // 10 in all, 2 used before
  });

  it('forgets what is older than the window', () => {
    const budget = new RetryBudget(0.2, 1, 1_000);
    expect(budget.tryRetry(now)).toBe(true);
    expect(budget.tryRetry(now)).toBe(false);
    expect(budget.tryRetry(now + 1_001)).toBe(true);
  });
});
