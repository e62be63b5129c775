import { describe, expect, it } from 'vitest';
import { createSlidingWindow } from './sliding-window.js';

describe('sliding window', () => {
  it('allows `limit` events per window per key, then says when the next one fits', () => {
    const window = createSlidingWindow();
    expect(window.hit('a', 2, 1000, 0)).toEqual({
      allowed: true,
      count: 1,
      remaining: 1,
      retryAfterMs: 0,
    });
    expect(window.hit('a', 2, 1000, 100)).toEqual({
      allowed: true,
      count: 2,
      remaining: 0,
      retryAfterMs: 900,
    });
    expect(window.hit('a', 2, 1000, 400)).toEqual({
      allowed: false,
      count: 2,
      remaining: 0,
      retryAfterMs: 600,
    });
    // Another key has its own window.
    expect(window.hit('b', 2, 1000, 400).allowed).toBe(true);
  });

  it('rolls: an event leaves the window exactly `windowMs` after it happened', () => {
    const window = createSlidingWindow();
    window.hit('a', 2, 1000, 0);
    window.hit('a', 2, 1000, 500);
    expect(window.hit('a', 2, 1000, 999).allowed).toBe(false);
    expect(window.hit('a', 2, 1000, 1000)).toMatchObject({ allowed: true, count: 2 });
    // The refused attempt at 999 was not recorded.
    expect(window.peek('a', 2, 1000, 1500)).toMatchObject({ count: 1, remaining: 1 });
  });

  it('waits for enough events to leave when the limit was lowered', () => {
    const window = createSlidingWindow();
    for (let t = 0; t < 5; t += 1) window.hit('a', 10, 1000, t * 100);
    // Five in the window and a limit of 2: four must leave, the last of them (at 300) at 1300.
    expect(window.peek('a', 2, 1000, 450).retryAfterMs).toBe(1300 - 450);
  });

  it('allows a steady rate under the limit for as long as it lasts, and forgets all on clear()', () => {
    const window = createSlidingWindow();
    // One event every 3 ms in a 10 ms window is at most 4 at a time: under a limit of 5.
    let refused = 0;
    for (let t = 0; t < 50_000; t += 1) if (!window.hit('a', 5, 10, t * 3).allowed) refused += 1;
    expect(refused).toBe(0);
    // The last three (149 991, 149 994, 149 997) are within 10 ms of 150 000.
    expect(window.peek('a', 5, 10, 150_000).count).toBe(3);
    window.clear();
    expect(window.peek('a', 5, 10, 150_000).count).toBe(0);
  });
});
