import { describe, expect, it } from 'vitest';
import { parseLinkHeader, parseRetryAfter, readRateLimit } from './headers.js';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');
  it('reads delay-seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000));
  it('reads an HTTP-date', () =>
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:30 GMT', now)).toBe(30_000));
  it('never returns a negative wait for a past date', () =>
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0));
  it('ignores garbage', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('parseLinkHeader (RFC 8288)', () => {
  it("reads GitHub's format", () => {
    const header =
      '<https://api.github.com/repositories/1000/issues?per_page=3&page=2>; rel="next", <https://api.github.com/repositories/1000/issues?per_page=3&page=5>; rel="last"';
    expect(parseLinkHeader(header)).toEqual({
      next: 'https://api.github.com/repositories/1000/issues?per_page=3&page=2',
      last: 'https://api.github.com/repositories/1000/issues?per_page=3&page=5',
    });
  });
  it('handles commas inside URLs and several rels', () => {
    expect(parseLinkHeader('<https://x.test/a?q=1,2>; rel="next prev"')).toEqual({
      next: 'https://x.test/a?q=1,2',
      prev: 'https://x.test/a?q=1,2',
    });
  });
  it('returns nothing for a missing header', () => expect(parseLinkHeader(undefined)).toEqual({}));
});

describe('readRateLimit', () => {
  const policy = {
    headers: {
      limit: 'x-ratelimit-limit',
      remaining: 'x-ratelimit-remaining',
      reset: 'x-ratelimit-reset',
    },
  };
  it('reads epoch-second resets as a wait from now', () => {
    const now = 1_700_000_000_000;
    const reading = readRateLimit(
      policy,
      {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(now / 1000 + 60),
      },
      now,
    );
    expect(reading).toEqual({ limit: 5000, remaining: 0, resetInMs: 60_000 });
  });
  it('reads relative-second resets', () => {
    expect(
      readRateLimit({ ...policy, resetUnit: 'seconds' }, { 'x-ratelimit-reset': '10' }).resetInMs,
    ).toBe(10_000);
  });
});
