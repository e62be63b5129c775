import { eq, sql } from 'drizzle-orm';
import { rateLimitBuckets, type Database } from '@joinery/store';
import { JoineryError } from '../../errors.js';

/** One limit as it applies to one request: a key (whose allowance) and the window. */
export interface LimitWindow {
  key: string;
  /** For messages: the limit's declared name. */
  name: string;
  maxRequests: number;
  windowMs: number;
  /** No declared limit: only holds what the provider said ("stop until…"), no schedule. */
  blockOnly?: boolean;
}

export interface Reservation {
  /** When the request may be sent (ms since epoch); now or later. */
  sendAt: number;
  /** Why it waits, when it does. */
  reason: string | null;
  /** The keys reserved under, for `sentAt`. */
  keys: string[];
}

/**
 * Sliding-window scheduling: a request is sent no earlier than the moment the request
 * `maxRequests` places before it leaves the window. Unlike a token bucket this never lets more
 * than `maxRequests` through in any window, so providers that count rolling or fixed windows
 * both stay under their limit, while a long burst still runs at the full rate.
 */
export interface RateLimiter {
  /**
   * Reserves a send time under every window, or throws `rate_limited` with `retryAfterMs` when
   * that time is past the deadline (nothing is reserved then).
   */
  reserve(windows: readonly LimitWindow[], deadline: number, now?: number): Promise<Reservation>;
  /** The provider said stop until `until` (Retry-After, reset header): nothing is sent before it. */
  block(keys: readonly string[], until: number): Promise<void>;
  /**
   * Moves a reservation to when the request really left (a busy event loop can send late):
   * windows must be measured between real sends, or two of them can land closer than allowed.
   */
  sentAt(reservation: Reservation, actual: number): Promise<void>;
}

/**
 * Requests are counted when their answer arrives (see `sentAt`), which already covers a slow
 * connect; this margin covers the provider's clock and rounding of window edges.
 */
export function guardedWindowMs(windowMs: number): number {
  return windowMs + Math.max(25, Math.round(windowMs * 0.02));
}

const BLOCK_CACHE_MS = 200;

/** Windows longer than this many requests are scaled down (same rate, smaller burst) to bound memory. */
export const MAX_TRACKED_REQUESTS = 1000;

export function normalizeWindow(window: LimitWindow): LimitWindow {
  if (window.maxRequests <= MAX_TRACKED_REQUESTS) return window;
  const scale = MAX_TRACKED_REQUESTS / window.maxRequests;
  return {
    ...window,
    maxRequests: MAX_TRACKED_REQUESTS,
    windowMs: Math.ceil(window.windowMs * scale),
  };
}

/** The earliest send time for one window, given its recent send times (ascending). */
export function earliestSlot(
  slots: readonly number[],
  window: LimitWindow,
  blockedUntil: number,
  now: number,
): number {
  let at = Math.max(now, blockedUntil);
  if (slots.length >= window.maxRequests) {
    const oldest = slots[slots.length - window.maxRequests] as number;
    at = Math.max(at, oldest + guardedWindowMs(window.windowMs));
  }
  return at;
}

function insertSorted(slots: number[], value: number, keep: number): number[] {
  let index = slots.length;
  while (index > 0 && (slots[index - 1] as number) > value) index--;
  slots.splice(index, 0, value);
  return slots.length > keep ? slots.slice(slots.length - keep) : slots;
}

function waitReason(
  windows: readonly LimitWindow[],
  binding: LimitWindow | null,
  sendAt: number,
  now: number,
  blocked: boolean,
): string | null {
  if (sendAt <= now) return null;
  const waitMs = Math.round(sendAt - now);
  if (blocked && !binding) return `waiting ${waitMs} ms: the provider asked Joinery to hold off`;
  const limit = binding ?? windows[0];
  return `waiting ${waitMs} ms for capacity under "${limit?.name}" (${limit?.maxRequests} per ${(limit?.windowMs ?? 0) / 1000} s)`;
}

function deadlineError(windows: readonly LimitWindow[], sendAt: number, now: number): JoineryError {
  const waitMs = Math.ceil(sendAt - now);
  return new JoineryError(
    'rate_limited',
    `Joinery is holding requests to stay under the provider's limit (${windows.map((w) => w.name).join(', ')}); the next slot is in ${Math.ceil(waitMs / 1000)} s, after the caller's deadline`,
    { retryAfterMs: waitMs },
  );
}

/** For one process (the embedded store): schedules kept in memory. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #slots = new Map<string, number[]>();
  readonly #blocked = new Map<string, number>();

  reserve(
    windows: readonly LimitWindow[],
    deadline: number,
    now = Date.now(),
  ): Promise<Reservation> {
    const normalized = windows.map(normalizeWindow);
    let sendAt = now;
    let binding: LimitWindow | null = null;
    let blocked = false;
    for (const window of normalized) {
      const blockedUntil = this.#blocked.get(window.key) ?? 0;
      if (blockedUntil > sendAt) blocked = true;
      const slots = window.blockOnly ? [] : (this.#slots.get(window.key) ?? []);
      const at = earliestSlot(slots, window, blockedUntil, now);
      if (at > sendAt) {
        sendAt = at;
        binding = at > blockedUntil ? window : binding;
      }
    }
    if (sendAt > deadline) return Promise.reject(deadlineError(normalized, sendAt, now));
    const keys: string[] = [];
    for (const window of normalized) {
      if (window.blockOnly) continue;
      keys.push(window.key);
      this.#slots.set(
        window.key,
        insertSorted(this.#slots.get(window.key) ?? [], sendAt, window.maxRequests),
      );
    }
    return Promise.resolve({
      sendAt,
      reason: waitReason(normalized, binding, sendAt, now, blocked),
      keys,
    });
  }

  sentAt(reservation: Reservation, actual: number): Promise<void> {
    for (const key of reservation.keys) {
      const slots = this.#slots.get(key);
      if (!slots) continue;
      const index = slots.lastIndexOf(reservation.sendAt);
      if (index < 0) continue;
      slots.splice(index, 1);
      this.#slots.set(key, insertSorted(slots, actual, slots.length + 1));
    }
    reservation.sendAt = actual;
    return Promise.resolve();
  }

  block(keys: readonly string[], until: number): Promise<void> {
    for (const key of keys) this.#blocked.set(key, Math.max(this.#blocked.get(key) ?? 0, until));
    return Promise.resolve();
  }
}

/**
 * For several processes on PostgreSQL: each window's schedule is a row, reserved under a row lock
 * in a short transaction (no network call inside), so every process sees every reservation.
 */
export class PostgresRateLimiter implements RateLimiter {
  readonly #db: Database;
  /** Block-only keys are read, not locked, and the reading is reused briefly: blocks last seconds. */
  readonly #blockCache = new Map<string, { until: number; readAt: number }>();

  constructor(db: Database) {
    this.#db = db;
  }

  async #blockedUntil(key: string, now: number): Promise<number> {
    const cached = this.#blockCache.get(key);
    if (cached && now - cached.readAt < BLOCK_CACHE_MS) return cached.until;
    const [row] = await this.#db
      .select({ blockedUntil: rateLimitBuckets.blockedUntil })
      .from(rateLimitBuckets)
      .where(eq(rateLimitBuckets.key, key));
    const until = row?.blockedUntil ?? 0;
    if (this.#blockCache.size > 10_000) this.#blockCache.clear();
    this.#blockCache.set(key, { until, readAt: now });
    return until;
  }

  async reserve(
    windows: readonly LimitWindow[],
    deadline: number,
    now = Date.now(),
  ): Promise<Reservation> {
    let blockedFloor = now;
    for (const window of windows) {
      if (window.blockOnly)
        blockedFloor = Math.max(blockedFloor, await this.#blockedUntil(window.key, now));
    }
    const scheduled = windows.filter((window) => !window.blockOnly);
    if (scheduled.length === 0) {
      if (blockedFloor > deadline) throw deadlineError(windows, blockedFloor, now);
      return {
        sendAt: blockedFloor,
        reason: waitReason(windows, null, blockedFloor, now, blockedFloor > now),
        keys: [],
      };
    }
    const normalized = [...scheduled.map(normalizeWindow)].sort((a, b) =>
      a.key.localeCompare(b.key),
    ); // fixed lock order: no deadlocks
    return this.#db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL lock_timeout = '5s'`);
      const rows = new Map<string, { slots: number[]; blockedUntil: number }>();
      for (const window of normalized) {
        await tx
          .insert(rateLimitBuckets)
          .values({
            key: window.key,
            maxRequests: window.maxRequests,
            windowMs: window.windowMs,
            slots: [],
          })
          .onConflictDoNothing();
        const [row] = await tx
          .select()
          .from(rateLimitBuckets)
          .where(eq(rateLimitBuckets.key, window.key))
          .for('update');
        rows.set(window.key, { slots: row?.slots ?? [], blockedUntil: row?.blockedUntil ?? 0 });
      }
      // The database clock would be better, but all processes run on hosts with synchronised clocks.
      let sendAt = blockedFloor;
      let binding: LimitWindow | null = null;
      let blocked = blockedFloor > now;
      for (const window of normalized) {
        const row = rows.get(window.key) as { slots: number[]; blockedUntil: number };
        if (row.blockedUntil > sendAt) blocked = true;
        const at = earliestSlot(row.slots, window, row.blockedUntil, now);
        if (at > sendAt) {
          sendAt = at;
          binding = at > row.blockedUntil ? window : binding;
        }
      }
      if (sendAt > deadline) throw deadlineError(normalized, sendAt, now);
      for (const window of normalized) {
        const row = rows.get(window.key) as { slots: number[]; blockedUntil: number };
        await tx
          .update(rateLimitBuckets)
          .set({
            slots: insertSorted([...row.slots], sendAt, window.maxRequests),
            maxRequests: window.maxRequests,
            windowMs: window.windowMs,
            updatedAt: new Date(now),
          })
          .where(eq(rateLimitBuckets.key, window.key));
      }
      return {
        sendAt,
        reason: waitReason(normalized, binding, sendAt, now, blocked),
        keys: normalized.map((w) => w.key),
      };
    });
  }

  async sentAt(reservation: Reservation, actual: number): Promise<void> {
    for (const key of reservation.keys) {
      await this.#db
        .update(rateLimitBuckets)
        .set({
          // Moves this request's slot only: array_replace would move every slot with the same time.
          slots: sql`ARRAY(SELECT unnest(CASE WHEN array_position(${rateLimitBuckets.slots}, ${reservation.sendAt}::double precision) IS NULL THEN ${rateLimitBuckets.slots} ELSE ${rateLimitBuckets.slots}[:array_position(${rateLimitBuckets.slots}, ${reservation.sendAt}::double precision) - 1] || ARRAY[${actual}::double precision] || ${rateLimitBuckets.slots}[array_position(${rateLimitBuckets.slots}, ${reservation.sendAt}::double precision) + 1:] END) ORDER BY 1)`,
        })
        .where(eq(rateLimitBuckets.key, key));
    }
    reservation.sendAt = actual;
  }

  async block(keys: readonly string[], until: number): Promise<void> {
    for (const key of keys) {
      this.#blockCache.set(key, {
        until: Math.max(until, this.#blockCache.get(key)?.until ?? 0),
        readAt: Date.now(),
      });
      await this.#db
        .insert(rateLimitBuckets)
        .values({ key, maxRequests: 1, windowMs: 1, slots: [], blockedUntil: until })
        .onConflictDoUpdate({
          target: rateLimitBuckets.key,
          set: {
            blockedUntil: sql`GREATEST(COALESCE(${rateLimitBuckets.blockedUntil}, 0), ${until})`,
          },
        });
    }
  }
}
