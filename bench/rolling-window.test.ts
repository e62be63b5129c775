import { describe, expect, it } from 'vitest';
import { RollingWindow, bursts, tightestSpan } from './rolling-window.js';

describe('RollingWindow', () => {
  it('accepts the limit within a window and refuses the next', () => {
    const window = new RollingWindow(3, 1000);
    expect([0, 1, 2, 3].map((t) => window.admit(t))).toEqual([true, true, true, false]);
    expect(window.inWindow(3)).toBe(3);
  });

  it('frees a slot exactly windowMs after the request that held it arrived', () => {
    const window = new RollingWindow(2, 1000);
    expect(window.admit(0)).toBe(true);
    expect(window.admit(500)).toBe(true);
    expect(window.admit(999.9)).toBe(false);
    expect(window.admit(1000)).toBe(true);
    expect(window.admit(1499)).toBe(false);
    expect(window.admit(1500)).toBe(true);
  });

  it('does not count refused requests against the window', () => {
    const window = new RollingWindow(1, 1000);
    expect(window.admit(0)).toBe(true);
    for (let t = 1; t < 1000; t += 100) expect(window.admit(t)).toBe(false);
    expect(window.admit(1000)).toBe(true);
  });

  it('never lets more than the limit into any window over a long run', () => {
    const window = new RollingWindow(50, 1000);
    const accepted: number[] = [];
    for (let t = 0; t < 20_000; t += 3) if (window.admit(t)) accepted.push(t);
    for (let i = 50; i < accepted.length; i += 1)
      expect((accepted[i] as number) - (accepted[i - 50] as number)).toBeGreaterThanOrEqual(1000);
    // 20 s of demand far above the limit: 50 per second, each window full.
    expect(accepted.length).toBeGreaterThanOrEqual(20 * 50 - 50);
  });
});

describe('tightestSpan', () => {
  it('finds the shortest time holding limit + 1 arrivals', () => {
    expect(tightestSpan([0, 10, 500, 1000, 1400, 1500], 2)).toBe(500);
    expect(tightestSpan([0, 400, 1000, 1400, 2000], 2)).toBe(1000);
    expect(tightestSpan([0, 1], 2)).toBeNull();
  });
});

describe('bursts', () => {
  it('splits arrivals at quiet gaps and counts the 429s in each', () => {
    const arrivals = [0, 5, 30, 1025, 1100, 1101].map((at, i) => ({
      at,
      status: i === 3 ? 429 : 200,
    }));
    expect(bursts(arrivals, 200)).toEqual([
      { start: 0, spreadMs: 30, arrivals: 3, rejected: 0 },
      { start: 1025, spreadMs: 76, arrivals: 3, rejected: 1 },
    ]);
    expect(bursts([], 200)).toEqual([]);
  });
});
