/**
 * A rolling-window counter: how many events a key had in the last `windowMs`, and when the
 * next one would fit. Slack's per-minute tiers, HubSpot's ten-second limit and Salesforce's
 * rolling 24-hour allocation are all this. Only allowed events are stored, so memory per key is
 * bounded by the limit.
 */

export interface WindowStatus {
  /** Events in the window, this one included if it was allowed. */
  count: number;
  /** `limit - count`, never below 0. */
  remaining: number;
  /** Milliseconds until one more event would be allowed; 0 if one would be now. */
  retryAfterMs: number;
}

export interface SlidingWindow {
  /** The window as it stands for `key`, without recording anything. */
  peek(key: string, limit: number, windowMs: number, now: number): WindowStatus;
  /** Records an event if fewer than `limit` happened in the window; `allowed` says which. */
  hit(
    key: string,
    limit: number,
    windowMs: number,
    now: number,
  ): WindowStatus & { allowed: boolean };
  clear(): void;
}

interface Events {
  times: number[];
  /** Index of the oldest event still in the window; earlier slots are dead. */
  head: number;
}

export function createSlidingWindow(): SlidingWindow {
  const keys = new Map<string, Events>();

  const prune = (key: string, windowMs: number, now: number): Events => {
    let events = keys.get(key);
    if (events === undefined) {
      events = { times: [], head: 0 };
      keys.set(key, events);
    }
    while (events.head < events.times.length && (events.times[events.head] ?? 0) <= now - windowMs)
      events.head += 1;
    // Compact now and then, so a long run does not keep every event it ever saw.
    if (events.head > 1024 && events.head * 2 > events.times.length) {
      events.times = events.times.slice(events.head);
      events.head = 0;
    }
    return events;
  };

  const status = (events: Events, limit: number, windowMs: number, now: number): WindowStatus => {
    const count = events.times.length - events.head;
    // For one more to fit, the oldest `count - limit + 1` events must leave the window.
    const blocking = events.times[events.head + count - limit];
    return {
      count,
      remaining: Math.max(0, limit - count),
      retryAfterMs: count < limit || blocking === undefined ? 0 : blocking + windowMs - now,
    };
  };

  return {
    peek(key, limit, windowMs, now) {
      return status(prune(key, windowMs, now), limit, windowMs, now);
    },
    hit(key, limit, windowMs, now) {
      const events = prune(key, windowMs, now);
      if (events.times.length - events.head >= limit)
        return { ...status(events, limit, windowMs, now), allowed: false };
      events.times.push(now);
      return { ...status(events, limit, windowMs, now), allowed: true };
    },
    clear() {
      keys.clear();
    },
  };
}
