/**
 * GitHub's primary rate limit: a quota per token (or per IP address when unauthenticated) per
 * hour. The window starts with the first request and `x-ratelimit-reset` is its end in epoch
 * *seconds*. https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */

export const WINDOW_SECONDS = 3600;
/** Unauthenticated requests get 60 per hour per IP address. */
export const UNAUTHENTICATED_LIMIT = 60;

export interface RateLimitStatus {
  limit: number;
  used: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
}

export interface RateLimiter {
  /** The window as it stands, without counting a request. */
  peek(key: string, limit: number, now: number): RateLimitStatus;
  /** Counts one request; `exhausted` if the quota was already used up (nothing is counted then). */
  consume(key: string, limit: number, now: number): RateLimitStatus & { exhausted: boolean };
  clear(): void;
}

export function createRateLimiter(): RateLimiter {
  const windows = new Map<string, { used: number; reset: number }>();

  const current = (key: string, now: number) => {
    const nowSeconds = Math.floor(now / 1000);
    let window = windows.get(key);
    if (window === undefined || nowSeconds >= window.reset) {
      window = { used: 0, reset: nowSeconds + WINDOW_SECONDS };
      windows.set(key, window);
    }
    return window;
  };
  const status = (window: { used: number; reset: number }, limit: number): RateLimitStatus => ({
    limit,
    used: window.used,
    remaining: Math.max(0, limit - window.used),
    reset: window.reset,
  });

  return {
    peek(key, limit, now) {
      return status(current(key, now), limit);
    },
    consume(key, limit, now) {
      const window = current(key, now);
      if (window.used >= limit) return { ...status(window, limit), exhausted: true };
      window.used += 1;
      return { ...status(window, limit), exhausted: false };
    },
    clear() {
      windows.clear();
    },
  };
}
