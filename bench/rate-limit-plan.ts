/**
 * What the rate-limit benchmark hands each load-generating child (`rate-limit-client.ts`) and what
 * the child reports back, shared without the parent importing (and running) the child.
 */

/**
 * How a client gets through the limit:
 * - `plain`: one request per call, nothing else (for calls through Joinery, which throttles);
 * - `p-retry`: retry on any non-2xx with p-retry as its README shows (`{retries: 5}`), nothing
 *   else honoured (no `Retry-After`);
 * - `bottleneck`: a Bottleneck limiter with `minTime` = window ÷ limit (its README's advice for
 *   "N requests per second"), retrying a 429 once after `Retry-After` from its `failed` event, as
 *   its README's "Retries" section shows. One limiter per process, no Redis clustering.
 */
export type Strategy = 'plain' | 'p-retry' | 'bottleneck';

export interface CallTarget {
  /** `http://127.0.0.1:port` */
  origin: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | null;
}

export interface ClientPlan {
  strategy: Strategy;
  /** Calls go to these in turn (several Joinery processes). */
  targets: CallTarget[];
  /** Calls this client makes. */
  calls: number;
  /** Calls in flight at most. */
  concurrency: number;
  /** The provider's limit, for Bottleneck's `minTime`. */
  limit: number;
  windowMs: number;
  /** A good answer's body contains this; anything else is a failed call. */
  expect: string;
  /** No call starts later than this many ms after `go`. */
  budgetMs: number;
  /** Longest a single HTTP request may take. */
  requestTimeoutMs: number;
}

export interface ClientResult {
  /** Epoch ms: when the burst began and when its last call ended. */
  startedAt: number;
  finishedAt: number;
  calls: number;
  /** Calls started before the budget ran out. */
  started: number;
  ok: number;
  /** Calls that did not end with a good answer, including those never started. */
  failed: number;
  /** Failed calls by their last answer (`429`, `502 network`, `timeout`, `not started`…). */
  failures: Record<string, number>;
  /** HTTP requests this client sent: first tries and its own retries. */
  requests: number;
  /** 429 answers this client received. */
  received429: number;
}

export function parseClientResult(message: unknown): ClientResult {
  const result = message as Partial<ClientResult>;
  for (const field of ['startedAt', 'finishedAt', 'calls', 'ok', 'failed', 'requests'] as const) {
    if (typeof result[field] !== 'number') throw new Error(`result.${field} is not a number`);
  }
  return result as ClientResult;
}
