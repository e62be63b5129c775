import { eq, sql } from 'drizzle-orm';
import { rateLimitBuckets, type Database } from '@joinery/store';
import { JoineryError, isJoineryError } from '../../errors.js';

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

/** A request let through the pre-throttle: it counts in its windows from `countedAt`. */
export interface Permit {
  /** The windows (keys) it counts in; block-only windows count nothing. */
  keys: string[];
  /** When it was let through (ms since epoch): it leaves right after, never before. */
  sentAt: number;
  /**
   * The instant it counts from: provisionally `sentAt` plus the arrival allowance, lowered by
   * `settle` to when its answer came if that was sooner (the provider had it by then).
   */
  countedAt: number;
  /** How long it waited for capacity and why, when it did; null when it went at once. */
  reason: string | null;
  /** The same wait in milliseconds (for metrics); null when it went at once. */
  waitMs: number | null;
}

/**
 * Pre-throttling against limits that providers count on arrival, in rolling or fixed windows: a
 * request leaves only when fewer than `maxRequests` requests count inside the window ending now,
 * checked at the moment it leaves against the instants earlier requests really left (not when
 * they were planned to), so a busy event loop that sends late cannot bunch two windows' worth
 * together. Waiting requests queue in order; no wait is unbounded (the caller's deadline).
 */
export interface RateLimiter {
  /**
   * Resolves when the request may be sent now under every window, and counts it from then on.
   * Rejects with `rate_limited` and `retryAfterMs` as soon as that moment is known to come after
   * `deadline` (nothing counted then), and with `timeout` if `signal` aborts.
   */
  acquire(windows: readonly LimitWindow[], deadline: number, signal?: AbortSignal): Promise<Permit>;
  /** The request's answer (or failure) came at `at`: it counts from then at the latest. */
  settle(permit: Permit, at: number): Promise<void>;
  /** The provider said stop until `until` (Retry-After, reset header): nothing is sent before it. */
  block(keys: readonly string[], until: number): Promise<void>;
}

export interface RateLimiterOptions {
  /**
   * How long after leaving a request is assumed to have reached the provider, until its answer
   * says sooner. A provider counts a request when it arrives, which Joinery cannot see: it knows
   * when the request left (no later than the arrival) and when the answer came (no earlier). So a
   * request counts from its answer, or from this long after it left when the answer is slower (a
   * slow answer should not hold a place for its whole duration). Defaults to 1 s: on a loaded
   * 2-core machine (load average 16) a burst's first requests, each opening a connection, reached
   * the provider up to 800 ms after leaving (`npm run bench:rate-limit`). It costs nothing while
   * answers come sooner; beyond it, a request is assumed to have arrived by then.
   */
  arrivalAllowanceMs?: number;
}

const defaultOptions: Required<RateLimiterOptions> = { arrivalAllowanceMs: 1_000 };

/**
 * The window plus a margin for the provider's clock and for rounding at window edges. Requests
 * already count from their answer (or a generous allowance), so the margin stays small: each
 * millisecond of it costs a millisecond per window of a long burst.
 */
export function guardedWindowMs(windowMs: number): number {
  return windowMs + Math.max(5, Math.round(windowMs * 0.005));
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

/** What is known about one window: when its last requests count from (ascending), and any hold. */
export interface WindowState {
  counted: number[];
  blockedUntil: number;
}

export interface Opening {
  /** When the request may leave (ms since epoch); `now` or later. */
  at: number;
  /** The window that holds it back, if one does. */
  binding: LimitWindow | null;
  /** Whether the provider's "stop until…" is what holds it back. */
  blocked: boolean;
}

/**
 * When a request may leave under every window, with `ahead` requests queued before it: the
 * `ahead`-th next free place, each place reused one (guarded) window after its last use. With
 * `ahead` 0 this is exact for what `state` holds; further back it is an estimate that assumes
 * every request before it leaves on time.
 */
export function opening(
  windows: readonly LimitWindow[],
  state: (key: string) => WindowState | undefined,
  ahead: number,
  now: number,
): Opening {
  let at = now;
  let binding: LimitWindow | null = null;
  let blocked = false;
  for (const window of windows) {
    const known = state(window.key);
    const blockedUntil = known?.blockedUntil ?? 0;
    let windowAt = now;
    if (!window.blockOnly) {
      const counted = known?.counted ?? [];
      const place = counted.length - window.maxRequests + (ahead % window.maxRequests);
      const last = place >= 0 ? (counted[place] as number) : Number.NEGATIVE_INFINITY;
      const wave = Math.floor(ahead / window.maxRequests);
      const guarded = guardedWindowMs(window.windowMs);
      windowAt = Math.max(now, last + guarded) + wave * guarded;
    }
    if (windowAt > at) {
      at = windowAt;
      binding = window;
      blocked = false;
    }
    if (blockedUntil > at) {
      at = blockedUntil;
      binding = null;
      blocked = true;
    }
  }
  return { at, binding, blocked };
}

function insertSorted(values: number[], value: number, keep: number): number[] {
  let index = values.length;
  while (index > 0 && (values[index - 1] as number) > value) index--;
  values.splice(index, 0, value);
  return values.length > keep ? values.slice(values.length - keep) : values;
}

/** Moves one occurrence of `from` to `to` (earlier), keeping the order. */
function moveEarlier(values: number[], from: number, to: number): void {
  const index = values.lastIndexOf(from);
  if (index < 0) return;
  values.splice(index, 1);
  insertSorted(values, to, Number.POSITIVE_INFINITY);
}

function waitReason(held: Held, waitMs: number): string {
  if (held.blocked || !held.binding)
    return `waiting ${waitMs} ms: the provider asked Joinery to hold off`;
  const limit = held.binding;
  return `waiting ${waitMs} ms for capacity under "${limit.name}" (${limit.maxRequests} per ${limit.windowMs / 1000} s)`;
}

function deadlineError(windows: readonly LimitWindow[], at: number, now: number): JoineryError {
  const waitMs = Math.max(1, Math.ceil(at - now));
  return new JoineryError(
    'rate_limited',
    `Joinery is holding requests to stay under the provider's limit (${windows.map((w) => w.name).join(', ')}); the next slot is in ${Math.ceil(waitMs / 1000)} s, after the caller's deadline`,
    { retryAfterMs: waitMs, notSent: true },
  );
}

const cancelled = () =>
  new JoineryError('timeout', 'the call was cancelled while waiting for rate-limit capacity', {
    notSent: true,
  });

export type Admission =
  /** `count` requests (up to the number asked for) let through, all counted alike. */
  | { admitted: true; count: number; sentAt: number; countedAt: number }
  | ({ admitted: false } & Opening);

interface Held {
  binding: LimitWindow | null;
  blocked: boolean;
}

interface Waiter {
  windows: LimitWindow[];
  deadline: number;
  enqueuedAt: number;
  /** Set once capacity was found lacking while it waited: the reason it gives. */
  held: Held | null;
  resolve: (permit: Permit) => void;
  reject: (error: unknown) => void;
  done: boolean;
  detach: () => void;
}

/** Requests under the same windows, in arrival order; only the first one checks for capacity. */
interface Queue {
  key: string;
  waiters: Waiter[];
  running: boolean;
  /** Waiters whose check is under way: they may already count in the windows' state. */
  checking: number;
  held: Held | null;
  wakeAt: number;
  timer: NodeJS.Timeout | null;
  wake: (() => void) | null;
}

/**
 * Queues and waits in this process; where the windows' state lives (memory, PostgreSQL) is the
 * subclass's. Each queue's first request checks for capacity and, when there is none, sleeps until
 * the window's next opening (earlier if an answer here frees a place sooner), then checks again.
 */
abstract class QueuedRateLimiter implements RateLimiter {
  /** What this process knows of each window: the state itself in memory, a cache on PostgreSQL. */
  protected readonly known = new Map<string, WindowState>();
  protected readonly allowanceMs: number;
  /** Whether `known` only caches state kept elsewhere (PostgreSQL). */
  protected readonly knownIsCache: boolean = false;
  readonly #queues = new Map<string, Queue>();
  readonly #state = (key: string) => this.known.get(key);

  constructor(options: RateLimiterOptions = {}) {
    this.allowanceMs = { ...defaultOptions, ...options }.arrivalAllowanceMs;
  }

  /**
   * Lets up to `wanted` requests under these windows leave now, as many as there is room for,
   * counting them; or, with no room, says when there will be.
   */
  protected abstract tryAdmit(windows: readonly LimitWindow[], wanted: number): Promise<Admission>;
  /** Stores a permit's earlier `countedAt` (the in-memory state is already updated). */
  protected abstract storeSettled(keys: readonly string[], from: number, to: number): Promise<void>;
  abstract block(keys: readonly string[], until: number): Promise<void>;

  /** Called when the cache of windows was dropped, for what was derived from it. */
  protected onCacheCleared(): void {}

  protected stateOf(key: string): WindowState {
    let state = this.known.get(key);
    if (!state) {
      // Only a cache may be dropped: in memory, `known` is the only record of the windows. An
      // admission in progress therefore keeps what it read in its own map, never only here.
      if (this.knownIsCache && this.known.size > 10_000) {
        this.known.clear();
        this.onCacheCleared();
      }
      state = { counted: [], blockedUntil: 0 };
      this.known.set(key, state);
    }
    return state;
  }

  acquire(
    windows: readonly LimitWindow[],
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Permit> {
    const normalized = windows.map(normalizeWindow);
    const key = normalized
      .map((w) => w.key)
      .sort()
      .join('\n');
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = {
        key,
        waiters: [],
        running: false,
        checking: 0,
        held: null,
        wakeAt: 0,
        timer: null,
        wake: null,
      };
      this.#queues.set(key, queue);
    }
    const now = Date.now();
    // Erring early rather than late: a request whose check is under way is not counted twice.
    const ahead = Math.max(0, queue.waiters.length - queue.checking);
    const estimate = opening(normalized, this.#state, ahead, now);
    if (estimate.at > deadline) return Promise.reject(deadlineError(normalized, estimate.at, now));
    if (signal?.aborted) return Promise.reject(cancelled());
    const target = queue;
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        windows: normalized,
        deadline,
        enqueuedAt: now,
        held: target.held,
        resolve,
        reject,
        done: false,
        detach: () => undefined,
      };
      if (signal) {
        const onAbort = () => {
          const index = target.waiters.indexOf(waiter);
          if (index >= 0) target.waiters.splice(index, 1);
          this.#finish(waiter, null, cancelled());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      target.waiters.push(waiter);
      if (!target.running) void this.#run(target);
    });
  }

  async settle(permit: Permit, at: number): Promise<void> {
    const to = Math.max(permit.sentAt, Math.min(at, permit.countedAt));
    if (permit.keys.length === 0 || to >= permit.countedAt) return;
    const from = permit.countedAt;
    for (const key of permit.keys) {
      const state = this.known.get(key);
      if (state) moveEarlier(state.counted, from, to);
    }
    permit.countedAt = to;
    await this.storeSettled(permit.keys, from, to);
    this.#reschedule(permit.keys);
  }

  /** A place may have freed sooner than a sleeping queue expects: wake it earlier. */
  #reschedule(keys: readonly string[]): void {
    const now = Date.now();
    for (const queue of this.#queues.values()) {
      const head = queue.waiters[0];
      if (!queue.timer || !head || !head.windows.some((w) => keys.includes(w.key))) continue;
      const at = opening(head.windows, this.#state, 0, now).at;
      if (at < queue.wakeAt) this.#sleepUntil(queue, at);
    }
  }

  #sleepUntil(queue: Queue, at: number): void {
    if (queue.timer) clearTimeout(queue.timer);
    queue.wakeAt = at;
    queue.timer = setTimeout(
      () => {
        queue.timer = null;
        const wake = queue.wake;
        queue.wake = null;
        wake?.();
      },
      Math.max(0, at - Date.now()),
    );
  }

  #finish(waiter: Waiter, permit: Permit | null, error?: unknown): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.detach();
    if (permit) waiter.resolve(permit);
    else waiter.reject(error);
  }

  async #run(queue: Queue): Promise<void> {
    queue.running = true;
    try {
      while (queue.waiters.length > 0) {
        const head = queue.waiters[0] as Waiter;
        let admission: Admission;
        // Every waiter of a queue has the same windows: one check lets through as many as fit,
        // so a window's worth of openings does not cost a database round trip each.
        queue.checking = queue.waiters.length;
        try {
          admission = await this.tryAdmit(head.windows, queue.checking);
        } catch (error) {
          if (queue.waiters[0] === head) queue.waiters.shift();
          // E.g. the database is unreachable: this request fails, the next one checks again.
          const failed = isJoineryError(error)
            ? error
            : new JoineryError(
                'internal',
                `the rate limiter could not check for capacity: ${(error as Error).message}`,
                { cause: error, notSent: true },
              );
          this.#finish(head, null, failed);
          continue;
        } finally {
          queue.checking = 0;
        }
        if (admission.admitted) {
          // Places taken for waiters cancelled meanwhile simply go unused.
          const keys = head.windows.filter((w) => !w.blockOnly).map((w) => w.key);
          for (const waiter of queue.waiters.splice(0, admission.count)) {
            const waitMs = Math.round(admission.sentAt - waiter.enqueuedAt);
            const held = waiter.held && waitMs >= 1 ? waiter.held : null;
            this.#finish(waiter, {
              keys,
              sentAt: admission.sentAt,
              countedAt: admission.countedAt,
              reason: held ? waitReason(held, waitMs) : null,
              waitMs: held ? waitMs : null,
            });
          }
          continue;
        }
        // Cancelled while its check ran: check again for the next one.
        if (queue.waiters[0] !== head) continue;
        const now = Date.now();
        const held: Held = { binding: admission.binding, blocked: admission.blocked };
        queue.held = held;
        for (const waiter of queue.waiters) waiter.held ??= held;
        if (admission.at > head.deadline) {
          queue.waiters.shift();
          this.#finish(head, null, deadlineError(head.windows, admission.at, now));
          continue;
        }
        this.#failHopeless(queue, now);
        await new Promise<void>((resolve) => {
          queue.wake = resolve;
          this.#sleepUntil(queue, admission.at);
        });
      }
    } finally {
      queue.running = false;
      if (queue.timer) clearTimeout(queue.timer);
      queue.timer = null;
      queue.held = null;
      if (queue.waiters.length === 0) this.#queues.delete(queue.key);
    }
  }

  /** Fails early every waiter whose turn, as now estimated, comes after its deadline. */
  #failHopeless(queue: Queue, now: number): void {
    for (let index = 1; index < queue.waiters.length;) {
      const waiter = queue.waiters[index] as Waiter;
      const at = opening(waiter.windows, this.#state, index, now).at;
      if (at <= waiter.deadline) {
        index++;
        continue;
      }
      queue.waiters.splice(index, 1);
      this.#finish(waiter, null, deadlineError(waiter.windows, at, now));
    }
  }
}

type AdmitRow = {
  admitted: number | string;
  slots: number[] | string;
  blocked_until: number | string;
  held_until: number | string;
};

/** A `double precision[]` as a driver returns it: an array, or its text form `{1,2.5}`. */
function parseFloatArray(value: number[] | string): number[] {
  if (Array.isArray(value)) return value.map(Number);
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map(Number);
}

/** For one process (the embedded store): windows kept in memory. */
export class MemoryRateLimiter extends QueuedRateLimiter {
  protected tryAdmit(windows: readonly LimitWindow[], wanted: number): Promise<Admission> {
    const now = Date.now();
    const countedAt = now + this.allowanceMs;
    let count = 0;
    for (; count < wanted; count++) {
      const next = opening(windows, (key) => this.known.get(key), 0, now);
      if (next.at > now) {
        if (count === 0) return Promise.resolve({ admitted: false, ...next });
        break;
      }
      for (const window of windows) {
        if (window.blockOnly) continue;
        const state = this.stateOf(window.key);
        state.counted = insertSorted(state.counted, countedAt, window.maxRequests);
      }
    }
    return Promise.resolve({ admitted: true, count, sentAt: now, countedAt });
  }

  protected storeSettled(): Promise<void> {
    return Promise.resolve();
  }

  block(keys: readonly string[], until: number): Promise<void> {
    for (const key of keys) {
      const state = this.stateOf(key);
      state.blockedUntil = Math.max(state.blockedUntil, until);
    }
    return Promise.resolve();
  }
}

/**
 * For several processes on PostgreSQL: each window is a row holding when its last requests count
 * from; a request is let through under the row's lock in a short transaction (no network call
 * inside), so every process sees every other's requests at the moment it lets one go.
 */
export class PostgresRateLimiter extends QueuedRateLimiter {
  protected override readonly knownIsCache = true;
  readonly #db: Database;
  /** When block-only keys were last read: blocks last seconds, so a reading is reused briefly. */
  readonly #blockReadAt = new Map<string, number>();

  constructor(db: Database, options: RateLimiterOptions = {}) {
    super(options);
    this.#db = db;
  }

  // A block reading is only fresh while the cache still holds what was read.
  protected override onCacheCleared(): void {
    this.#blockReadAt.clear();
  }

  async #readBlock(key: string, now: number): Promise<void> {
    const readAt = this.#blockReadAt.get(key);
    if (readAt !== undefined && now - readAt < BLOCK_CACHE_MS) return;
    const [row] = await this.#db
      .select({ blockedUntil: rateLimitBuckets.blockedUntil })
      .from(rateLimitBuckets)
      .where(eq(rateLimitBuckets.key, key));
    if (this.#blockReadAt.size > 10_000) this.#blockReadAt.clear();
    this.#blockReadAt.set(key, now);
    const state = this.stateOf(key);
    state.blockedUntil = Math.max(state.blockedUntil, row?.blockedUntil ?? 0);
  }

  protected async tryAdmit(windows: readonly LimitWindow[], wanted: number): Promise<Admission> {
    const scheduled = windows
      .filter((window) => !window.blockOnly)
      .sort((a, b) => a.key.localeCompare(b.key)); // fixed lock order: no deadlocks
    // With one scheduled window the admitting statement reads the provider's holds itself.
    if (scheduled.length !== 1)
      for (const window of windows)
        if (window.blockOnly) await this.#readBlock(window.key, Date.now());
    const now = Date.now();
    // The provider's holds as read, kept here: the cache may be dropped while this admission waits.
    const holds = new Map(
      windows
        .filter((window) => window.blockOnly)
        .map((window) => [window.key, this.known.get(window.key)] as const),
    );
    const held = opening(
      windows.filter((window) => window.blockOnly),
      (key) => holds.get(key),
      0,
      now,
    );
    if (held.at > now) return { admitted: false, ...held };
    if (scheduled.length === 0)
      return { admitted: true, count: wanted, sentAt: now, countedAt: now };
    if (scheduled.length === 1) return this.#admitOne(windows, scheduled[0] as LimitWindow, wanted);
    // Several windows: one request at a time, in one transaction holding every row's lock.
    return this.#db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL lock_timeout = '5s'`);
      // The rows as locked, decided on here and only then copied to the cache.
      const rows = new Map<string, WindowState | undefined>(holds);
      for (const window of scheduled) {
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
        rows.set(window.key, {
          counted: [...(row?.slots ?? [])],
          blockedUntil: row?.blockedUntil ?? 0,
        });
      }
      // Checked after the locks are held: the request leaves after this moment, never before.
      // Every process's clock is assumed synchronised with the others' (NTP).
      const now = Date.now();
      const next = opening(windows, (key) => rows.get(key), 0, now);
      const remember = () => {
        for (const window of scheduled) {
          const row = rows.get(window.key) as WindowState;
          const state = this.stateOf(window.key);
          state.counted = row.counted;
          state.blockedUntil = row.blockedUntil;
        }
      };
      if (next.at > now) {
        remember();
        return { admitted: false as const, ...next };
      }
      const countedAt = now + this.allowanceMs;
      for (const window of scheduled) {
        const state = rows.get(window.key) as WindowState;
        state.counted = insertSorted(state.counted, countedAt, window.maxRequests);
        await tx
          .update(rateLimitBuckets)
          .set({
            slots: state.counted,
            maxRequests: window.maxRequests,
            windowMs: window.windowMs,
            updatedAt: new Date(now),
          })
          .where(eq(rateLimitBuckets.key, window.key));
      }
      remember();
      return { admitted: true as const, count: 1, sentAt: now, countedAt };
    });
  }

  /**
   * The usual case, one scheduled window: checked and counted in a single statement, so the row is
   * locked for microseconds, not across round trips and event-loop turns of a busy process.
   */
  async #admitOne(
    windows: readonly LimitWindow[],
    window: LimitWindow,
    wanted: number,
  ): Promise<Admission> {
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      const countedAt = now + this.allowanceMs;
      const guarded = guardedWindowMs(window.windowMs);
      const heldKeys = windows.filter((w) => w.blockOnly).map((w) => sql`${w.key}`);
      const statement = sql`
        WITH held AS (
          SELECT COALESCE(max(blocked_until), 0) AS until FROM rate_limit_buckets
          WHERE ${heldKeys.length === 0 ? sql`false` : sql`key IN (${sql.join(heldKeys, sql`, `)})`}
        ), current AS (
          SELECT slots, COALESCE(blocked_until, 0) AS blocked_until
          FROM rate_limit_buckets WHERE key = ${window.key} FOR UPDATE
        ), decision AS (
          SELECT blocked_until, held.until AS held_until,
            CASE WHEN GREATEST(blocked_until, held.until) > ${now}::double precision THEN 0
            ELSE GREATEST(0, LEAST(${wanted}::integer, ${window.maxRequests}::integer - (
              SELECT count(*) FROM unnest(slots) AS s WHERE s > ${now - guarded}::double precision
            )::integer)) END AS admitted
          FROM current, held
        )
        UPDATE rate_limit_buckets AS b SET
          slots = CASE WHEN d.admitted > 0 THEN ARRAY(
            SELECT s FROM (
              SELECT s FROM unnest(
                b.slots || array_fill(${countedAt}::double precision, ARRAY[d.admitted])
              ) AS s
              ORDER BY s DESC LIMIT ${window.maxRequests}
            ) AS kept ORDER BY s
          ) ELSE b.slots END,
          max_requests = ${window.maxRequests},
          window_ms = ${window.windowMs},
          updated_at = CASE WHEN d.admitted > 0 THEN now() ELSE b.updated_at END
        FROM decision AS d WHERE b.key = ${window.key}
        RETURNING d.admitted, b.slots, d.blocked_until, d.held_until
      `;
      // node-postgres and PGlite both answer `{ rows }`.
      const result: unknown = await this.#db.execute(statement);
      const [row] = (result as { rows: AdmitRow[] }).rows;
      if (!row) {
        if (attempt > 0) throw new Error(`rate-limit window ${window.key} could not be created`);
        await this.#db
          .insert(rateLimitBuckets)
          .values({
            key: window.key,
            maxRequests: window.maxRequests,
            windowMs: window.windowMs,
            slots: [],
          })
          .onConflictDoNothing();
        continue;
      }
      const state = this.stateOf(window.key);
      state.counted = parseFloatArray(row.slots);
      state.blockedUntil = Number(row.blocked_until);
      for (const held of windows) {
        if (!held.blockOnly) continue;
        const heldState = this.stateOf(held.key);
        heldState.blockedUntil = Math.max(heldState.blockedUntil, Number(row.held_until));
      }
      const count = Number(row.admitted);
      if (count > 0) return { admitted: true, count, sentAt: now, countedAt };
      const next = opening(windows, (key) => this.known.get(key), 0, now);
      // The statement and `opening` agree unless a block-only window binds; never claim "now".
      return { admitted: false, ...next, at: Math.max(next.at, now + 1) };
    }
  }

  protected async storeSettled(keys: readonly string[], from: number, to: number): Promise<void> {
    for (const key of keys) {
      const at = sql`array_position(${rateLimitBuckets.slots}, ${from}::double precision)`;
      await this.#db
        .update(rateLimitBuckets)
        .set({
          // Moves this request's entry only: array_replace would move every entry with that time.
          slots: sql`ARRAY(SELECT unnest(CASE WHEN ${at} IS NULL THEN ${rateLimitBuckets.slots} ELSE ${rateLimitBuckets.slots}[:${at} - 1] || ARRAY[${to}::double precision] || ${rateLimitBuckets.slots}[${at} + 1:] END) ORDER BY 1)`,
        })
        .where(eq(rateLimitBuckets.key, key));
    }
  }

  async block(keys: readonly string[], until: number): Promise<void> {
    for (const key of keys) {
      const state = this.stateOf(key);
      state.blockedUntil = Math.max(state.blockedUntil, until);
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
