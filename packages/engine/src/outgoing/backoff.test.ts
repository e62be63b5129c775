import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, formatMs, nextAttempt } from './backoff.js';
import { matchesFilter, parseEventFilter } from './event-filter.js';

describe('nextAttempt', () => {
  it('follows the schedule, then gives up', () => {
    const schedule = [10, 100];
    expect(nextAttempt(1, schedule, 0, 0.3)).toMatchObject({ retry: true, delayMs: 10 });
    expect(nextAttempt(2, schedule, 0, 0.3)).toMatchObject({ retry: true, delayMs: 100 });
    expect(nextAttempt(3, schedule, 0, 0.3)).toEqual({
      retry: false,
      reason: 'all 3 attempts failed',
    });
  });

  it('moves each wait by at most the jitter', () => {
    expect(nextAttempt(1, [1000], 0.2, 0)).toMatchObject({ delayMs: 800 });
    expect(nextAttempt(1, [1000], 0.2, 0.999999)).toMatchObject({ delayMs: 1200 });
    expect(nextAttempt(1, [1000], 0.2, 0.5)).toMatchObject({ delayMs: 1000 });
  });

  it('spreads the default schedule over more than a day', () => {
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(nextAttempt(4, DEFAULT_RETRY_SCHEDULE_MS, 0, 0)).toMatchObject({
      reason: 'attempt 4 of 8 failed; next in 2.0 h',
    });
    expect(formatMs(5_000)).toBe('5 s');
  });
});

describe('event filters', () => {
  it('matches names and prefixes; empty matches all', () => {
    expect(matchesFilter([], 'run.failed')).toBe(true);
    expect(matchesFilter(['connection.*'], 'connection.created')).toBe(true);
    expect(matchesFilter(['connection.*'], 'run.failed')).toBe(false);
    expect(matchesFilter(['run.failed'], 'run.failed')).toBe(true);
    expect(matchesFilter(['*'], 'sync.completed')).toBe(true);
  });

  it('refuses what is not an event type, naming the field', () => {
    expect(() => parseEventFilter(['connection.created', 'Bad Type'], 'events')).toThrow(
      /events\[1\] "Bad Type"/,
    );
    expect(parseEventFilter(['a.b', 'a.b'], 'events')).toEqual(['a.b']);
  });
});
