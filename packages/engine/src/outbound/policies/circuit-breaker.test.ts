import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  const t0 = 1_000_000;

  it('opens after consecutive provider failures and fails fast with retryAfterMs', () => {
    const breaker = new CircuitBreaker('HubSpot', { failureThreshold: 3, openMs: 1_000 });
    expect(breaker.record('provider_unavailable', t0)).toBeNull();
    expect(breaker.record('timeout', t0)).toBeNull();
    expect(breaker.record('network', t0)).toMatch(
      /circuit opened for 1000 ms after 3 consecutive failures/,
    );
    expect(breaker.state).toBe('open');
    try {
      breaker.admit(t0 + 400);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'provider_unavailable',
        retryAfterMs: 600,
        retryable: true,
      });
    }
  });

  it('ignores answers that say nothing about the provider being unwell', () => {
    const breaker = new CircuitBreaker('x', { failureThreshold: 2 });
    breaker.record('provider_unavailable', t0);
    breaker.record('provider_rejected', t0); // a 4xx: the provider answered
    breaker.record('provider_unavailable', t0);
    expect(breaker.state).toBe('closed');
    breaker.record('auth_revoked', t0);
    breaker.record('rate_limited', t0);
    expect(breaker.state).toBe('closed');
  });

  it('lets one probe through when half-open, closes on success, re-opens longer on failure', () => {
    const breaker = new CircuitBreaker('x', {
      failureThreshold: 1,
      openMs: 1_000,
      maxOpenMs: 3_000,
    });
    breaker.record('network', t0);
    breaker.admit(t0 + 1_000); // the probe
    expect(breaker.state).toBe('half_open');
    expect(() => breaker.admit(t0 + 1_001)).toThrow(/circuit open/); // only one probe at a time
    expect(breaker.record('network', t0 + 1_010)).toMatch(/re-opened for 2000 ms/);
    expect(() => breaker.admit(t0 + 2_500)).toThrow();
    breaker.admit(t0 + 3_010);
    expect(breaker.record(null, t0 + 3_020)).toMatch(/circuit closed/);
    expect(breaker.state).toBe('closed');
    breaker.admit(t0 + 3_030);
  });
});
