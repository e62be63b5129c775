/**
 * A provider's strict rate limit, as the rate-limit benchmark's upstream enforces it: at most
 * `limit` requests accepted in any rolling window of `windowMs`, counted when they arrive. A
 * request is inside the window if it arrived less than `windowMs` ago, so one that arrived exactly
 * `windowMs` ago no longer counts. Rejected requests do not count: a client that retries too early
 * is refused but does not push the window further out (the lenient reading; some providers also
 * count refusals, which would only make early retries costlier).
 */
export class RollingWindow {
  readonly limit: number;
  readonly windowMs: number;
  /** Arrival times of accepted requests, ascending; entries before `#head` have left the window. */
  #accepted: number[] = [];
  #head = 0;

  constructor(limit: number, windowMs: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be an integer ≥ 1');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts a request arriving at `now` (ms, non-decreasing) if the limit allows it. */
  admit(now: number): boolean {
    const leftBefore = now - this.windowMs;
    while (
      this.#head < this.#accepted.length &&
      (this.#accepted[this.#head] as number) <= leftBefore
    )
      this.#head += 1;
    if (this.#accepted.length - this.#head >= this.limit) return false;
    this.#accepted.push(now);
    // Compact now and then, so a long run keeps at most about `limit` entries.
    if (this.#head > 1024 && this.#head * 2 > this.#accepted.length) {
      this.#accepted = this.#accepted.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  /** Requests accepted within the window ending at `now`. */
  inWindow(now: number): number {
    const leftBefore = now - this.windowMs;
    let count = 0;
    for (let i = this.#accepted.length - 1; i >= this.#head; i -= 1) {
      if ((this.#accepted[i] as number) <= leftBefore) break;
      count += 1;
    }
    return count;
  }

  reset(): void {
    this.#accepted = [];
    this.#head = 0;
  }
}

/**
 * The shortest time in which `limit + 1` of these requests arrived (times ascending, ms). Below
 * the window, the sender put more requests into some window than the limit allows, whatever the
 * provider then did with them; null with `limit` requests or fewer.
 */
export function tightestSpan(times: readonly number[], limit: number): number | null {
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = limit; i < times.length; i += 1)
    tightest = Math.min(tightest, (times[i] as number) - (times[i - limit] as number));
  return Number.isFinite(tightest) ? tightest : null;
}

export interface Burst {
  /** Epoch ms of the burst's first arrival. */
  start: number;
  /** From its first to its last arrival, ms. */
  spreadMs: number;
  arrivals: number;
  rejected: number;
}

/**
 * Groups arrivals (ascending) into bursts: runs separated by quiet gaps of at least `gapMs`. A
 * sender that schedules a window's worth of requests at one instant shows as one burst per window;
 * the spread of a burst is how long those requests took to reach the provider.
 */
export function bursts(
  arrivals: readonly { at: number; status: number }[],
  gapMs: number,
): Burst[] {
  const found: Burst[] = [];
  let current: Burst | null = null;
  let last = Number.NEGATIVE_INFINITY;
  for (const { at, status } of arrivals) {
    if (current === null || at - last >= gapMs) {
      current = { start: at, spreadMs: 0, arrivals: 0, rejected: 0 };
      found.push(current);
    }
    current.arrivals += 1;
    if (status === 429) current.rejected += 1;
    current.spreadMs = at - current.start;
    last = at;
  }
  return found;
}
