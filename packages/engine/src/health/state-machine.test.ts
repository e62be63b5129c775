import { describe, expect, it } from 'vitest';
import { detect } from './detectors.js';
import type { ConnectionSignals } from './signals.js';
import { nextState, observedReason } from './state-machine.js';

const quiet: ConnectionSignals = {
  windowMs: 15 * 60_000,
  calls: 0,
  failures: 0,
  errorRate: 0,
  malformed: 0,
  rateLimited: 0,
  latencyP50Ms: null,
  latencyP95Ms: null,
  consecutiveFailures: 0,
  lastFailureCode: null,
  lastSuccessAt: null,
  tokenExpiresAt: null,
  refreshFailures: 0,
  lastSyncAt: null,
  quotaHeadroom: null,
};
const signals = (over: Partial<ConnectionSignals>): ConnectionSignals => ({ ...quiet, ...over });

describe('nextState', () => {
  it('degrades a healthy connection after 3 failures in a row, naming the last code', () => {
    expect(
      nextState('healthy', signals({ consecutiveFailures: 2, lastFailureCode: 'network' })),
    ).toBeNull();
    expect(
      nextState('healthy', signals({ consecutiveFailures: 3, lastFailureCode: 'network' })),
    ).toEqual({ to: 'degraded', reason: '3 calls in a row failed (last: network)' });
  });

  it('degrades on the error rate only with enough samples and while still failing', () => {
    const busy = { calls: 20, failures: 12, errorRate: 0.6, lastFailureCode: 'timeout' };
    expect(nextState('healthy', signals({ ...busy, consecutiveFailures: 1 }))).toEqual({
      to: 'degraded',
      reason: '60 % of 20 calls in the last 15 min failed (last: timeout)',
    });
    // The newest call succeeded: a success heals at once, so degrading now would flap.
    expect(nextState('healthy', signals({ ...busy, consecutiveFailures: 0 }))).toBeNull();
    expect(
      nextState(
        'healthy',
        signals({ calls: 9, failures: 9, errorRate: 1, consecutiveFailures: 1 }),
      ),
    ).toBeNull();
  });

  it('recovers a degraded connection once the newest exchange succeeded and renewals work', () => {
    const ok = signals({ lastSuccessAt: new Date() });
    expect(nextState('degraded', ok)).toEqual({
      to: 'healthy',
      reason: 'the provider answers again',
    });
    expect(nextState('degraded', { ...ok, refreshFailures: 1 })).toBeNull();
    expect(nextState('degraded', { ...ok, consecutiveFailures: 1 })).toBeNull();
  });

  it('leaves needs_reauth and disabled to the reconnect and to the user', () => {
    const bad = signals({ consecutiveFailures: 10, lastSuccessAt: new Date() });
    expect(nextState('needs_reauth', bad)).toBeNull();
    expect(nextState('disabled', bad)).toBeNull();
    expect(nextState('needs_reauth', signals({ lastSuccessAt: new Date() }))).toBeNull();
  });

  it('explains changes made elsewhere', () => {
    const error = { code: 'auth_revoked', message: 'Slack says token_revoked' };
    expect(observedReason('healthy', 'needs_reauth', error)).toBe(
      'auth_revoked: Slack says token_revoked',
    );
    expect(observedReason('needs_reauth', 'healthy', error)).toBe('re-authorised');
    expect(observedReason('degraded', 'healthy', null)).toBe('a call succeeded again');
  });
});

describe('detect', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const created = { createdAt: new Date(now - 48 * 3_600_000) };

  it('finds a connection with no success in the expected window', () => {
    const findings = detect(
      signals({ lastSuccessAt: new Date(now - 25 * 3_600_000) }),
      created,
      undefined,
      now,
    );
    expect(findings.no_success).toBe(
      'no successful call or check for 25 h (expected one within 24 h)',
    );
    expect(
      detect(signals({ lastSuccessAt: new Date(now - 60_000) }), created, undefined, now),
    ).toEqual({});
  });

  it('counts a new connection that never succeeded from its creation', () => {
    const young = { createdAt: new Date(now - 3_600_000) };
    expect(detect(quiet, young, undefined, now)).toEqual({});
    expect(detect(quiet, created, undefined, now).no_success).toMatch(
      /since the connection was created 48 h ago/,
    );
  });

  it('finds a spike of malformed answers: at least 3, and at least 20 %', () => {
    const recent = { lastSuccessAt: new Date(now) };
    expect(
      detect(signals({ ...recent, calls: 10, malformed: 3 }), created, undefined, now)
        .malformed_spike,
    ).toBe('3 of 10 answers in the last 15 min were empty or malformed 200s');
    expect(
      detect(signals({ ...recent, calls: 100, malformed: 3 }), created, undefined, now),
    ).toEqual({});
    expect(detect(signals({ ...recent, calls: 2, malformed: 2 }), created, undefined, now)).toEqual(
      {},
    );
  });
});
