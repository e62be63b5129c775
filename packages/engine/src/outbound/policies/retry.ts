import type { JoineryError } from '../../errors.js';

/** Retry defaults; every wait and count has a cap. */
export interface RetryOptions {
  /** Tries in all, the first included. Defaults to 4. */
  maxAttempts?: number;
  /** First backoff before jitter. Defaults to 200 ms. */
  baseDelayMs?: number;
  /** Largest backoff. Defaults to 10 s. */
  maxDelayMs?: number;
  /**
   * Longest provider-requested wait (Retry-After, reset) Joinery will sit through; longer ones are
   * returned to the caller as `rate_limited` with `retryAfterMs`. Defaults to 60 s.
   */
  maxRetryAfterMs?: number;
}

export const defaultRetryOptions: Required<RetryOptions> = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

/** RFC 9110 §9.2.2: methods whose repetition has the same effect as one request. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
]);

const RETRYABLE_CODES = new Set([
  'rate_limited',
  'provider_unavailable',
  'timeout',
  'network',
  'malformed_response',
]);

export type RetryDecision =
  { retry: true; waitMs: number; reason: string } | { retry: false; reason: string };

export interface RetryInput {
  error: JoineryError;
  /** The attempt that just failed, from 1. */
  attempt: number;
  method: string;
  /** The request carries an idempotency key the provider honours. */
  hasIdempotencyKey: boolean;
  /** Absolute time (ms since epoch) by which the caller needs an answer. */
  deadline: number;
  now: number;
  /** Whether the integration's retry budget has room. */
  budgetAllows: boolean;
  random?: () => number;
}

/**
 * Decides whether to try again, and how long to wait, with the reason in words — "why did it
 * wait 30 s?" must be answerable from the request log.
 */
export function decideRetry(
  input: RetryInput,
  options: Required<RetryOptions> = defaultRetryOptions,
): RetryDecision {
  const { error, attempt } = input;
  if (!error.retryable || !RETRYABLE_CODES.has(error.code)) {
    return { retry: false, reason: `${error.code} is not retryable` };
  }
  if (!IDEMPOTENT_METHODS.has(input.method.toUpperCase()) && !input.hasIdempotencyKey) {
    return {
      retry: false,
      reason: `${input.method} without an idempotency key is never retried (it may have taken effect)`,
    };
  }
  if (attempt >= options.maxAttempts) {
    return { retry: false, reason: `gave up after ${attempt} attempts` };
  }
  if (!input.budgetAllows) {
    return {
      retry: false,
      reason:
        'retry budget exhausted: retries are capped at a share of live requests for this integration',
    };
  }
  let waitMs: number;
  let why: string;
  if (error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > options.maxRetryAfterMs) {
      return {
        retry: false,
        reason: `provider asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s, longer than the ${options.maxRetryAfterMs / 1000} s Joinery waits`,
      };
    }
    // A small cushion so the retry lands after the provider's window has really turned over.
    waitMs = error.retryAfterMs + 50;
    why = `provider asked to wait ${error.retryAfterMs} ms`;
  } else {
    // Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter").
    const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
    waitMs = Math.round((input.random ?? Math.random)() * ceiling);
    why = `backoff (attempt ${attempt}, up to ${ceiling} ms)`;
  }
  if (input.now + waitMs >= input.deadline) {
    return { retry: false, reason: `a retry in ${waitMs} ms would pass the caller's deadline` };
  }
  return {
    retry: true,
    waitMs,
    reason: `${error.code}: retry ${attempt + 1} in ${waitMs} ms, ${why}`,
  };
}

/**
 * Envoy-style retry budget: retries may not exceed `ratio` of the requests sent in the last
 * window, with a floor so a quiet integration can still retry.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #minRetries: number;
  readonly #windowMs: number;
  #requests: number[] = [];
  #retries: number[] = [];

  /** Defaults: 20 % of requests (Envoy's default budget), at least 20 retries, over 10 s. */
  constructor(ratio = 0.2, minRetries = 20, windowMs = 10_000) {
    this.#ratio = ratio;
    this.#minRetries = minRetries;
    this.#windowMs = windowMs;
  }

  #trim(now: number): void {
    const since = now - this.#windowMs;
    while (this.#requests.length > 0 && (this.#requests[0] as number) < since)
      this.#requests.shift();
    while (this.#retries.length > 0 && (this.#retries[0] as number) < since) this.#retries.shift();
  }

  recordRequest(now = Date.now()): void {
    this.#requests.push(now);
    // Bounded memory: a window never needs more entries than this.
    if (this.#requests.length > 100_000) this.#requests.splice(0, this.#requests.length - 100_000);
  }

  /** Takes a retry from the budget if there is room. */
  tryRetry(now = Date.now()): boolean {
    this.#trim(now);
    const allowed = Math.max(this.#minRetries, this.#requests.length * this.#ratio);
    if (this.#retries.length >= allowed) return false;
    this.#retries.push(now);
    return true;
  }
}
