import { JoineryError } from '../../errors.js';

/** Circuit breaker defaults; written down because they decide when callers fail fast. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Defaults to 5. */
  failureThreshold?: number;
  /** First open period before a probe. Defaults to 5 s. */
  openMs?: number;
  /** Longest open period; it doubles after each failed probe. Defaults to 60 s. */
  maxOpenMs?: number;
}

const defaults: Required<BreakerOptions> = {
  failureThreshold: 5,
  openMs: 5_000,
  maxOpenMs: 60_000,
};

// What says the provider is unwell. Auth errors and 4xx say something about the request instead.
const COUNTS_AS_FAILURE = new Set(['provider_unavailable', 'timeout', 'network']);

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * One per integration. Own implementation rather than cockatiel's: an open circuit must tell the
 * caller when to come back (`retryAfterMs`), and every transition needs a reason for the log.
 */
export class CircuitBreaker {
  readonly #options: Required<BreakerOptions>;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #openMs: number;
  #probeInFlight = false;

  constructor(
    readonly name: string,
    options: BreakerOptions = {},
  ) {
    this.#options = { ...defaults, ...options };
    this.#openMs = this.#options.openMs;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Lets a request through, or throws `provider_unavailable` without sending it. In half-open
   * state exactly one probe goes through at a time.
   */
  admit(now = Date.now()): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open' && now >= this.#openUntil) {
      this.#state = 'half_open';
      this.#probeInFlight = false;
    }
    if (this.#state === 'half_open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return;
    }
    const retryAfterMs = Math.max(this.#openUntil - now, 100);
    throw new JoineryError(
      'provider_unavailable',
      `${this.name} is failing (circuit open after ${this.#failures} consecutive failures); no request was sent. Retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      { retryAfterMs },
    );
  }

  /** Records an outcome; returns a reason when the state changed. */
  record(errorCode: string | null, now = Date.now()): string | null {
    const failed = errorCode !== null && COUNTS_AS_FAILURE.has(errorCode);
    if (!failed) {
      // A success, or an answer (4xx, auth) that shows the provider is up: the streak ends.
      const was = this.#state;
      this.#failures = 0;
      this.#state = 'closed';
      this.#probeInFlight = false;
      this.#openMs = this.#options.openMs;
      return was === 'closed' ? null : `circuit closed: ${this.name} answered again`;
    }
    this.#failures++;
    if (this.#state === 'half_open') {
      this.#openMs = Math.min(this.#openMs * 2, this.#options.maxOpenMs);
      this.#open(now);
      return `circuit re-opened for ${this.#openMs} ms: the probe failed (${errorCode})`;
    }
    if (this.#state === 'closed' && this.#failures >= this.#options.failureThreshold) {
      this.#open(now);
      return `circuit opened for ${this.#openMs} ms after ${this.#failures} consecutive failures (${errorCode})`;
    }
    return null;
  }

  #open(now: number): void {
    this.#state = 'open';
    this.#openUntil = now + this.#openMs;
    this.#probeInFlight = false;
  }
}
