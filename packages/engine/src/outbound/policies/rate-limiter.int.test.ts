import { openStore, createTestDatabase, type Store, type TestDatabase } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryRateLimiter,
  PostgresRateLimiter,
  guardedWindowMs,
  type LimitWindow,
  type RateLimiter,
} from './rate-limiter.js';

const window = (key: string, maxRequests = 5, windowMs = 1_000): LimitWindow => ({
  key,
  name: 'test',
  maxRequests,
  windowMs,
});

/** No window of `windowMs` may contain more than `max` send times. */
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

function suite(name: string, make: () => Promise<{ limiters: RateLimiter[] }>) {
  describe(name, () => {
    let limiters: RateLimiter[];
    beforeAll(async () => {
      ({ limiters } = await make());
    });

    it('schedules a burst at the full rate and never more than the limit in any window', async () => {
      const t0 = 10_000_000;
      const times: number[] = [];
      for (let i = 0; i < 23; i++) {
        const limiter = limiters[i % limiters.length] as RateLimiter;
        times.push((await limiter.reserve([window(`${name}:burst`)], t0 + 60_000, t0)).sendAt);
      }
      expect(times.slice(0, 5)).toEqual([t0, t0, t0, t0, t0]);
      expect(maxInAnyWindow(times, 1_000)).toBeLessThanOrEqual(5);
      // 23 requests at 5 per window: the last one goes in the fifth window, not later.
      expect(Math.max(...times) - t0).toBe(4 * guardedWindowMs(1_000));
    });

    it('refuses with retryAfterMs instead of scheduling past the deadline, and reserves nothing then', async () => {
      const t0 = 20_000_000;
      const limiter = limiters[0] as RateLimiter;
      await limiter.reserve([window(`${name}:deadline`, 1, 10_000)], t0 + 1_000, t0);
      await expect(
        limiter.reserve([window(`${name}:deadline`, 1, 10_000)], t0 + 1_000, t0),
      ).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterMs: guardedWindowMs(10_000),
      });
      const later = await limiter.reserve([window(`${name}:deadline`, 1, 10_000)], t0 + 60_000, t0);
      expect(later.sendAt).toBe(t0 + guardedWindowMs(10_000));
    });

    it('holds everything back while the provider said stop, across limiters', async () => {
      const t0 = 30_000_000;
      const blockOnly = { ...window(`${name}:block`), blockOnly: true };
      await (limiters[0] as RateLimiter).block([blockOnly.key], t0 + 5_000);
      const other = limiters[limiters.length - 1] as RateLimiter;
      // The PostgreSQL limiter caches block readings briefly; a fresh key is read from the table.
      const reservation = await other.reserve([blockOnly], t0 + 60_000, t0);
      expect(reservation.sendAt).toBe(t0 + 5_000);
      expect(reservation.reason).toMatch(/provider asked/);
    });

    it('moves only the late request when several share one send time', async () => {
      const t0 = 50_000_000;
      const limiter = limiters[0] as RateLimiter;
      const key = `${name}:shared-time`;
      const first = await limiter.reserve([window(key, 2, 1_000)], t0 + 60_000, t0);
      await limiter.reserve([window(key, 2, 1_000)], t0 + 60_000, t0);
      await limiter.sentAt(first, t0 + 300);
      const third = await limiter.reserve([window(key, 2, 1_000)], t0 + 60_000, t0);
      // The second request still counts from t0; only the first moved.
      expect(third.sendAt).toBe(t0 + guardedWindowMs(1_000));
    });

    it('measures the window from the real send when a request left late', async () => {
      const t0 = 40_000_000;
      const limiter = limiters[0] as RateLimiter;
      const key = `${name}:late`;
      const first = await limiter.reserve([window(key, 1, 1_000)], t0 + 60_000, t0);
      await limiter.sentAt(first, t0 + 300);
      const second = await limiter.reserve([window(key, 1, 1_000)], t0 + 60_000, t0);
      expect(second.sendAt).toBe(t0 + 300 + guardedWindowMs(1_000));
    });
  });
}

suite('MemoryRateLimiter', () => Promise.resolve({ limiters: [new MemoryRateLimiter()] }));

let database: TestDatabase;
const stores: Store[] = [];
suite('PostgresRateLimiter (three processes sharing one database)', async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 3; i++)
    stores.push(await openStore({ kind: 'postgres', url: database.url, poolSize: 2 }));
  return { limiters: stores.map((store) => new PostgresRateLimiter(store.db)) };
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await database?.drop();
});
