import { openStore, createTestDatabase, type Store, type TestDatabase } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryRateLimiter,
  PostgresRateLimiter,
  guardedWindowMs,
  opening,
  type LimitWindow,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limiter.js';

/** Short windows keep these tests to about a second each, in real time. */
const window = (key: string, maxRequests = 5, windowMs = 200): LimitWindow => ({
  key,
  name: 'test',
  maxRequests,
  windowMs,
});

/** The most of these instants inside any window of `windowMs` (an instant `windowMs` later is out). */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + windowMs) j++;
    worst = Math.max(worst, j - i);
  }
  return worst;
}

const busyWait = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('opening', () => {
  const w = window('k', 2, 1_000);
  const g = guardedWindowMs(1_000);
  const state =
    (counted: number[], blockedUntil = 0) =>
    () => ({ counted, blockedUntil });

  it('is now while the window has room, then one window after the place it reuses', () => {
    expect(opening([w], state([500]), 0, 1_000).at).toBe(1_000);
    expect(opening([w], state([500, 600]), 0, 1_000)).toMatchObject({ at: 500 + g, binding: w });
    // Two queued before it: each place is used once per window.
    expect(opening([w], state([500, 600]), 2, 1_000).at).toBe(500 + 2 * g);
    expect(opening([w], state([]), 3, 1_000).at).toBe(1_000 + g);
  });

  it("says when the provider's hold is what binds", () => {
    expect(opening([w], state([], 9_000), 0, 1_000)).toMatchObject({ at: 9_000, blocked: true });
  });
});

function suite(
  name: string,
  make: (options: RateLimiterOptions) => Promise<{ limiters: RateLimiter[] }>,
) {
  describe(name, () => {
    let limiters: RateLimiter[];
    /** Answers take no time here: without the allowance, a request counts from when it left. */
    let exact: RateLimiter[];
    beforeAll(async () => {
      ({ limiters } = await make({ arrivalAllowanceMs: 100 }));
      ({ limiters: exact } = await make({ arrivalAllowanceMs: 0 }));
    });
    const deadline = () => Date.now() + 10_000;

    it('lets a burst through at the full rate and never more than the limit in any window, across limiters', async () => {
      const key = `${name}:burst:${Date.now()}`;
      const started = Date.now();
      const permits = await Promise.all(
        Array.from({ length: 23 }, (_, i) =>
          (exact[i % exact.length] as RateLimiter).acquire([window(key)], deadline()),
        ),
      );
      const sent = permits.map((p) => p.sentAt);
      expect(maxInAnyWindow(sent, 200)).toBeLessThanOrEqual(5);
      // 23 requests at 5 per window: the last five go in the fifth window.
      const took = Math.max(...sent) - started;
      expect(took).toBeGreaterThanOrEqual(4 * 200);
      expect(took).toBeLessThan(4 * guardedWindowMs(200) + 400);
      expect(permits.filter((p) => p.reason !== null).length).toBeGreaterThanOrEqual(18);
      expect(permits.find((p) => p.reason)?.reason).toMatch(
        /capacity under "test" \(5 per 0.2 s\)/,
      );
    });

    it('counts a request from its answer, or from the arrival allowance while it has none', async () => {
      const key = `${name}:allowance:${Date.now()}`;
      const [limiter] = (await make({ arrivalAllowanceMs: 400 })).limiters as [RateLimiter];
      const first = await limiter.acquire([window(key, 1)], deadline());
      const unanswered = await limiter.acquire([window(key, 1)], deadline());
      // No answer yet: it counted from 400 ms after it left.
      expect(unanswered.sentAt - first.sentAt).toBeGreaterThanOrEqual(400 + 200);
      busyWait(30);
      const answeredAt = Date.now();
      await limiter.settle(unanswered, answeredAt);
      expect(unanswered.countedAt).toBe(answeredAt);
      const third = await limiter.acquire([window(key, 1)], deadline());
      // Answered soon after it left: the next one waits a window from the answer, not longer.
      expect(third.sentAt - answeredAt).toBeGreaterThanOrEqual(200);
      expect(third.sentAt - unanswered.sentAt).toBeLessThan(400 + 200);
    });

    it('checks at the moment a request leaves, so a busy event loop cannot bunch windows together', async () => {
      const key = `${name}:late:${Date.now()}`;
      const limiter = exact[0] as RateLimiter;
      // The event loop is busy just when the second window's requests are due: they leave late.
      const started = Date.now();
      const busy = setTimeout(() => busyWait(120), 190);
      const permits = await Promise.all(
        Array.from({ length: 15 }, () => limiter.acquire([window(key)], deadline())),
      );
      clearTimeout(busy);
      const sent = permits.map((p) => p.sentAt).sort((x, y) => x - y);
      expect(sent[9]! - sent[5]!).toBeLessThan(100);
      expect(sent[5]! - started).toBeGreaterThanOrEqual(300);
      // The third window counts from when the second really left, not from when it was due.
      for (let i = 10; i < 15; i++) expect(sent[i]! - sent[i - 5]!).toBeGreaterThanOrEqual(200);
      expect(maxInAnyWindow(sent, 200)).toBeLessThanOrEqual(5);
    });

    it('refuses with retryAfterMs instead of waiting past the deadline, and counts nothing then', async () => {
      const key = `${name}:deadline:${Date.now()}`;
      const limiter = limiters[0] as RateLimiter;
      await limiter.acquire([window(key, 1, 10_000)], deadline());
      const refusal = async () => {
        const at = Date.now();
        const error = await limiter.acquire([window(key, 1, 10_000)], at + 1_000).then(
          () => {
            throw new Error('the limiter let a second request into a window of one');
          },
          (e: unknown) => e as { code: string; retryAfterMs: number },
        );
        return { at, error, slotAt: at + error.retryAfterMs, tookMs: Date.now() - at };
      };
      const first = await refusal();
      expect(first.error).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
      expect(first.tookMs).toBeLessThan(500);
      // Nothing was counted for the refused request: a second refusal points at the same next
      // slot (one window after the first request), not a window later.
      const second = await refusal();
      expect(second.error.code).toBe('rate_limited');
      expect(Math.abs(second.slotAt - first.slotAt)).toBeLessThan(250);
      expect(second.error.retryAfterMs).toBeLessThanOrEqual(guardedWindowMs(10_000) + 100);
    });

    it('fails queued requests early once their turn is past their deadline', async () => {
      const key = `${name}:queued:${Date.now()}`;
      const limiter = exact[0] as RateLimiter;
      const started = Date.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => limiter.acquire([window(key, 1, 500)], started + 700)),
      );
      // Places at 0 and ~500 ms fit the deadline; the third and fourth would not.
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
      ]);
      expect(Date.now() - started).toBeLessThan(650);
      expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({
        code: 'rate_limited',
      });
    });

    it('holds everything back while the provider said stop, across limiters', async () => {
      const blockOnly = { ...window(`${name}:block:${Date.now()}`), blockOnly: true };
      const until = Date.now() + 300;
      await (limiters[0] as RateLimiter).block([blockOnly.key], until);
      const other = limiters[limiters.length - 1] as RateLimiter;
      const permit = await other.acquire([blockOnly], deadline());
      expect(permit.sentAt).toBeGreaterThanOrEqual(until);
      expect(permit.reason).toMatch(/provider asked/);
      // The same with a declared window beside it (on PostgreSQL, read in the admitting statement).
      const later = Date.now() + 300;
      await (limiters[0] as RateLimiter).block([blockOnly.key], later);
      const both = await other.acquire(
        [window(`${blockOnly.key}:declared`), blockOnly],
        deadline(),
      );
      expect(both.sentAt).toBeGreaterThanOrEqual(later);
      expect(both.reason).toMatch(/provider asked/);
    });

    it('gives up waiting when the caller cancels', async () => {
      const key = `${name}:abort:${Date.now()}`;
      const limiter = limiters[0] as RateLimiter;
      await limiter.acquire([window(key, 1, 10_000)], deadline() + 60_000);
      const controller = new AbortController();
      const waiting = limiter.acquire(
        [window(key, 1, 10_000)],
        deadline() + 60_000,
        controller.signal,
      );
      setTimeout(() => controller.abort(), 50);
      await expect(waiting).rejects.toMatchObject({ code: 'timeout' });
    });

    it('keeps a window per key: one busy key does not hold another back', async () => {
      const limiter = exact[0] as RateLimiter;
      const busy = `${name}:busy:${Date.now()}`;
      for (let i = 0; i < 5; i++) await limiter.acquire([window(busy, 5, 1_000)], deadline());
      const queued = limiter.acquire([window(busy, 5, 1_000)], deadline()).then((p) => p.sentAt);
      const other = limiter.acquire([window(`${busy}:other`)], deadline());
      const [queuedAt, otherPermit] = await Promise.all([queued, other]);
      expect(otherPermit.reason).toBeNull();
      expect(otherPermit.sentAt).toBeLessThan(queuedAt);
    });
  });
}

suite('MemoryRateLimiter', (options) =>
  Promise.resolve({ limiters: [new MemoryRateLimiter(options)] }),
);

let database: TestDatabase | undefined;
const stores: Store[] = [];
suite('PostgresRateLimiter (three processes sharing one database)', async (options) => {
  database ??= await createTestDatabase();
  const limiters: RateLimiter[] = [];
  for (let i = 0; i < 3; i++) {
    const store = await openStore({ kind: 'postgres', url: database.url, poolSize: 2 });
    stores.push(store);
    limiters.push(new PostgresRateLimiter(store.db, options));
  }
  return { limiters };
});

/** A process whose cache of windows is full (and already knows `key`): a new key drops it. */
class CrowdedRateLimiter extends PostgresRateLimiter {
  crowd(key: string): void {
    this.known.set(key, { counted: [], blockedUntil: 0 });
    for (let i = 0; i < 10_000; i++)
      this.known.set(`filler:${i}`, { counted: [], blockedUntil: 0 });
  }
}

describe('PostgresRateLimiter with a full cache', () => {
  it('decides on the rows it locked, even when the cache is dropped during the admission', async () => {
    database ??= await createTestDatabase();
    const [one, two] = await Promise.all(
      [0, 1].map(() => openStore({ kind: 'postgres', url: database?.url ?? '', poolSize: 2 })),
    );
    stores.push(one as Store, two as Store);
    const run = Date.now();
    // One request a minute under `a-…`; the other process already sent it.
    const full = window(`a-full:${run}`, 1, 60_000);
    await new PostgresRateLimiter((one as Store).db).acquire([full], Date.now() + 1_000);
    const crowded = new CrowdedRateLimiter((two as Store).db);
    crowded.crowd(full.key);
    // `a-…` is read first (key order); `b-…`, new to this process, then drops the cache.
    const attempt = crowded.acquire([full, window(`b-fresh:${run}`, 5, 1_000)], Date.now() + 500);
    await expect(attempt).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await database?.drop();
});
