import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { AuthType, ConnectorDefinition, DeclaredLimit } from '../connector/types.js';
import { JoineryError, isJoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { LogSource, RequestLog } from '../request-log.js';
import type { Secret } from '../secret.js';
import { applyAuth, schemeFor, type Credentials } from './auth.js';
import { classifyStatus } from './classify.js';
import { readRateLimit } from './headers.js';
import {
  CircuitBreaker,
  type BreakerOptions,
  type BreakerState,
} from './policies/circuit-breaker.js';
import type { LimitWindow, Permit, RateLimiter } from './policies/rate-limiter.js';
import {
  RetryBudget,
  decideRetry,
  defaultRetryOptions,
  type RetryOptions,
} from './policies/retry.js';
import { sanitizeUrl } from './sanitize-url.js';
import { checkLiteralHost } from './ssrf.js';
import type { Transport } from './transport.js';
import type { ProviderRequest, ProviderResponse } from './types.js';

/** Everything the pipeline needs to call a provider for one connection. */
export interface ConnectionContext {
  id: string;
  environmentId: string;
  tenant: string;
  integrationKey: string;
  connector: ConnectorDefinition;
  baseUrl: string;
  allowPrivateNetwork: boolean;
  authType: AuthType;
  state: string;
  credentials: Secret<Credentials>;
  /** Whether the credentials can be renewed (OAuth with a refresh token or client credentials). */
  refreshable: boolean;
  /** The integration's override of the connector's declared limits, if any. */
  rateLimits?: readonly DeclaredLimit[];
}

export interface CallMeta {
  source: LogSource;
  action?: string;
  signal?: AbortSignal;
  /** How long the caller will wait for an answer, retries and throttling included. Defaults to 60 s. */
  timeoutMs?: number;
}

/** Called after every exchange so the connection's health follows what the provider says. */
export type OutcomeListener = (
  context: ConnectionContext,
  error: JoineryError | null,
) => Promise<void>;

/** Called with what a provider's headers say about a longer quota (e.g. a 24-hour allocation). */
export type QuotaListener = (
  context: ConnectionContext,
  quota: { name: string; used: number; limit: number },
) => void;

/**
 * Renews a refreshable connection's credentials after the provider said they expired, replacing
 * `context.credentials` in place. The request is then sent once more, never more than once.
 */
export type CredentialRefresher = (
  context: ConnectionContext,
  reason: JoineryError,
) => Promise<void>;

export interface PipelineOptions {
  /** Where a failure that must not fail the call (recording a rate-limit answer time) is told. */
  logger?: Pick<Logger, 'warn'>;
  /** Largest response body read into memory (actions, health checks). Defaults to 16 MiB. */
  maxBodyBytes?: number;
  refreshCredentials?: CredentialRefresher;
  rateLimiter: RateLimiter;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  onQuota?: QuotaListener;
  /** Defaults to 60 s; see `CallMeta.timeoutMs`. */
  defaultTimeoutMs?: number;
}

// RFC 9110 §7.6.1 hop-by-hop headers, plus what carries Joinery's own or the provider's credentials.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  'host',
  'authorization',
  'joinery-tenant',
  'joinery-timeout-ms',
  'cookie',
]);
const NOT_RELAYED = new Set([...HOP_BY_HOP, 'set-cookie', 'authorization']);

export function flattenHeaders(
  headers: Dispatcher.ResponseData['headers'],
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export function relayableHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (!NOT_RELAYED.has(name)) out[name] = value;
  return out;
}

export interface StreamedResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  requestId: string;
  /** The classified failure behind a 429/5xx answer the pipeline gave up on; null otherwise. */
  error: JoineryError | null;
}

const patterns = new Map<string, RegExp>();

/** Connector patterns (limit paths, quota headers), compiled once: they are matched on every call. */
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    patterns.set(pattern, regex);
  }
  return regex;
}

/** The limits that apply to one request, as keyed windows. */
export function limitWindows(
  context: ConnectionContext,
  method: string,
  path: string,
): LimitWindow[] {
  const declared = context.rateLimits ?? context.connector.rateLimit?.limits ?? [];
  const base = `${context.environmentId}:${context.integrationKey}`;
  const windows: LimitWindow[] = [];
  for (const limit of declared) {
    if (limit.methods && !limit.methods.includes(method.toUpperCase() as never)) continue;
    if (limit.path !== undefined && !compiled(limit.path).test(path)) continue;
    const scope = limit.scope ?? 'connection';
    const owner =
      scope === 'integration'
        ? '*'
        : scope === 'tenant'
          ? `t:${context.tenant}`
          : `c:${context.id}`;
    windows.push({
      key: `${base}:${limit.name}:${owner}`,
      name: limit.name,
      maxRequests: limit.requests,
      windowMs: limit.perSeconds * 1000,
    });
  }
  // Always present: where a provider's "stop until…" is recorded for this connection.
  windows.push({
    key: `${base}:provider:c:${context.id}`,
    name: 'provider',
    maxRequests: 1,
    windowMs: 1,
    blockOnly: true,
  });
  return windows;
}

interface Exchange {
  status: number | null;
  headers: Record<string, string>;
  body: unknown;
  stream: Readable | null;
  error: JoineryError | null;
  requestId: string;
  safeUrl: string;
  started: number;
  /** Set when the request never left: circuit open or throttled past the deadline. */
  notSent: boolean;
  /** The transport's wait was cut short to the caller's deadline: no time is left for a retry. */
  deadlineReached?: boolean;
  /** Why the request waited for rate-limit capacity before it was sent, if it did. */
  throttled?: string | null;
  /** How long it waited for that capacity, in milliseconds, if it did. */
  throttledMs?: number | null;
}

type Send = {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer | Readable | null;
  buffered: boolean;
};

/**
 * The outbound call path (DESIGN.md): URL and auth from connector data, SSRF guard, circuit
 * breaker, pre-throttling, send with timeouts, classify, learn from headers, retry with reasons,
 * log every attempt.
 */
export class CallPipeline {
  readonly #transport: Transport;
  readonly #log: RequestLog;
  readonly #onOutcome: OutcomeListener;
  readonly #maxBodyBytes: number;
  readonly #refresh: CredentialRefresher | undefined;
  readonly #limiter: RateLimiter;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  readonly #retry: Required<RetryOptions>;
  readonly #breakerOptions: BreakerOptions;
  readonly #onQuota: QuotaListener | undefined;
  readonly #defaultTimeoutMs: number;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #budgets = new Map<string, RetryBudget>();

  constructor(
    transport: Transport,
    log: RequestLog,
    onOutcome: OutcomeListener,
    options: PipelineOptions,
  ) {
    this.#transport = transport;
    this.#log = log;
    this.#onOutcome = onOutcome;
    this.#maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.#refresh = options.refreshCredentials;
    this.#limiter = options.rateLimiter;
    this.#logger = options.logger;
    this.#retry = { ...defaultRetryOptions, ...options.retry };
    this.#breakerOptions = options.breaker ?? {};
    this.#onQuota = options.onQuota;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
  }

  /**
   * The answer came: the request counts from now, not from the allowance it was given. Not
   * awaited — the provider has already acted, so a store failure must not fail the call; the slot
   * then stays counted at its later time, which errs on the safe side.
   */
  #settle(permit: Permit): void {
    this.#limiter.settle(permit, Date.now()).catch((error: unknown) => {
      this.#logger?.warn(
        { err: error },
        'recording when a rate-limited request was answered failed; its slot stays counted a little longer',
      );
    });
  }

  breaker(context: ConnectionContext): CircuitBreaker {
    const key = `${context.environmentId}:${context.integrationKey}`;
    let breaker = this.#breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(context.connector.name, this.#breakerOptions);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Every circuit breaker of this process with its state (for metrics and alerts). */
  breakerStates(): {
    environmentId: string;
    integrationKey: string;
    name: string;
    state: BreakerState;
  }[] {
    return [...this.#breakers].map(([key, breaker]) => {
      const at = key.indexOf(':');
      return {
        environmentId: key.slice(0, at),
        integrationKey: key.slice(at + 1),
        name: breaker.name,
        state: breaker.state,
      };
    });
  }

  #budget(context: ConnectionContext): RetryBudget {
    const key = `${context.environmentId}:${context.integrationKey}`;
    let budget = this.#budgets.get(key);
    if (!budget) {
      budget = new RetryBudget();
      this.#budgets.set(key, budget);
    }
    return budget;
  }

  /** Resolves a path (or a same-origin absolute URL, e.g. a `next` link) below the base URL. */
  buildUrl(context: ConnectionContext, path: string, search?: URLSearchParams): URL {
    const base = new URL(context.baseUrl);
    const basePath = base.pathname.replace(/\/+$/, '');
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      if (url.origin !== base.origin) {
        throw new JoineryError(
          'invalid_input',
          `refused to send credentials to ${url.origin}: it is not the integration's base URL (${base.origin})`,
        );
      }
    } else {
      url = new URL(`${base.origin}${basePath}/${path.replace(/^\/+/, '')}`);
      if (search) for (const [name, value] of search) url.searchParams.append(name, value);
    }
    // `..` segments are resolved by URL parsing; what remains must still be below the base path.
    if (!(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
      throw new JoineryError(
        'invalid_input',
        `path "${path}" leaves the integration's base path ${basePath || '/'}`,
        { path: 'path' },
      );
    }
    return url;
  }

  /** A JSON call whose answer is read, parsed and classified: data the caller can trust, or a JoineryError. */
  async call(
    context: ConnectionContext,
    request: ProviderRequest,
    meta: CallMeta,
  ): Promise<ProviderResponse> {
    try {
      return await this.#callWithPolicies(context, request, meta);
    } catch (error) {
      // A refreshable credential that the provider calls expired: renew once, then try once more.
      if (
        !isJoineryError(error) ||
        error.code !== 'auth_expired' ||
        !context.refreshable ||
        !this.#refresh
      )
        throw error;
      await this.#refresh(context, error);
      return this.#callWithPolicies(context, request, meta);
    }
  }

  async #callWithPolicies(
    context: ConnectionContext,
    request: ProviderRequest,
    meta: CallMeta,
  ): Promise<ProviderResponse> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) search.set(name, String(value));
    const url = this.buildUrl(context, request.path, search);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...lowerKeys(context.connector.defaultHeaders ?? {}),
      ...lowerKeys(request.headers ?? {}),
    };
    let body: string | null = null;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      // Slack asks for the charset (`missing_charset` warning without it); every JSON API accepts it.
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    const exchange = await this.#withRetries(
      context,
      { method: request.method, url, headers, body, buffered: true },
      meta,
    );
    if (exchange.error) throw exchange.error;
    return {
      status: exchange.status as number,
      headers: exchange.headers,
      body: exchange.body,
      requestId: exchange.requestId,
    };
  }

  /**
   * A passthrough call whose body streams back untouched (the proxy). Requests without a body are
   * retried like any other; a streamed request body cannot be replayed, so it is sent once.
   */
  async stream(
    context: ConnectionContext,
    request: {
      method: string;
      path: string;
      search: URLSearchParams;
      headers: Record<string, string>;
      body: Readable | null;
    },
    meta: CallMeta,
  ): Promise<StreamedResponse> {
    const url = this.buildUrl(context, request.path, request.search);
    const headers: Record<string, string> = {
      ...lowerKeys(context.connector.defaultHeaders ?? {}),
    };
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!NOT_FORWARDED.has(lower)) headers[lower] = value;
    }
    const send: Send = {
      method: request.method,
      url,
      headers,
      body: request.body,
      buffered: false,
    };
    let exchange = await this.#withRetries(context, send, meta);
    // As for `call`: an expired refreshable credential is renewed once and the request sent again,
    // when there is no streamed body that was already consumed.
    if (
      exchange.error?.code === 'auth_expired' &&
      context.refreshable &&
      this.#refresh &&
      request.body === null
    ) {
      discard(exchange.stream);
      await this.#refresh(context, exchange.error);
      exchange = await this.#withRetries(context, send, meta);
    }
    if (exchange.notSent || exchange.stream === null)
      throw exchange.error ?? new JoineryError('internal', 'the proxy got no response');
    // Transport failures have no response to relay.
    if (exchange.status === null)
      throw exchange.error ?? new JoineryError('internal', 'the proxy got no status');
    const gaveUp =
      exchange.error && (exchange.status >= 500 || exchange.error.code === 'rate_limited')
        ? exchange.error
        : null;
    return {
      status: exchange.status,
      headers: exchange.headers,
      body: exchange.stream,
      requestId: exchange.requestId,
      error: gaveUp,
    };
  }

  async #withRetries(context: ConnectionContext, send: Send, meta: CallMeta): Promise<Exchange> {
    const deadline = Date.now() + (meta.timeoutMs ?? this.#defaultTimeoutMs);
    // The deadline is enforced by the decisions (no wait or retry past it) and by the transport's
    // timeouts, not by a timer signal: AbortSignal.timeout/any per request cost ~5 % of the proxy's CPU.
    const signal = meta.signal;
    const budget = this.#budget(context);
    const idempotencyHeader = context.connector.idempotencyHeader?.toLowerCase();
    const hasIdempotencyKey =
      idempotencyHeader !== undefined && send.headers[idempotencyHeader] !== undefined;
    const replayable = send.buffered || send.body === null;
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.#attempt(context, send, meta, signal, deadline);
      budget.recordRequest();
      const error = exchange.error;
      let decision:
        { retry: true; waitMs: number; reason: string } | { retry: false; reason: string } | null =
        null;
      if (error) {
        decision =
          exchange.notSent && error.code === 'provider_unavailable'
            ? { retry: false, reason: 'circuit open: not sent' }
            : exchange.deadlineReached
              ? { retry: false, reason: "the caller's deadline passed while waiting for an answer" }
              : exchange.notSent
                ? { retry: false, reason: error.message }
                : !replayable
                  ? { retry: false, reason: 'a streamed request body cannot be sent twice' }
                  : decideRetry(
                      {
                        error,
                        attempt,
                        method: send.method,
                        hasIdempotencyKey,
                        deadline,
                        now: Date.now(),
                        budgetAllows: error.retryable ? budget.tryRetry() : true,
                      },
                      this.#retry,
                    );
      }
      // "Why did it wait?" is answered from the log: throttling before the send, retry after it.
      const why = [exchange.throttled, decision?.reason]
        .filter((part): part is string => Boolean(part))
        .join('; ');
      this.#record(context, meta, send.method, exchange, error, attempt, {
        text: why === '' ? null : why,
        retryWaitMs: decision?.retry ? decision.waitMs : null,
      });
      if (!decision?.retry) {
        await this.#onOutcome(context, error);
        return exchange;
      }
      discard(exchange.stream);
      try {
        await sleep(decision.waitMs, undefined, { signal });
      } catch {
        const stopped = new JoineryError(
          'timeout',
          `the caller's deadline passed while waiting to retry (${decision.reason})`,
          {
            connectionId: context.id,
            requestId: exchange.requestId,
          },
        );
        await this.#onOutcome(context, stopped);
        return { ...exchange, error: stopped, stream: null };
      }
    }
  }

  async #attempt(
    context: ConnectionContext,
    send: Send,
    meta: CallMeta,
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<Exchange> {
    const requestId = newId('req');
    const started = performance.now();
    const url = new URL(send.url);
    const wire = applyAuth(
      schemeFor(context.connector.auth, context.authType, context.connector.id),
      context.credentials,
    );
    for (const [name, value] of Object.entries(wire.query)) url.searchParams.set(name, value);
    const safeUrl = sanitizeUrl(url, wire.secretQueryParams);
    const base: Exchange = {
      status: null,
      headers: {},
      body: undefined,
      stream: null,
      error: null,
      requestId,
      safeUrl,
      started,
      notSent: true,
    };
    const fail = (error: unknown): Exchange => ({
      ...base,
      error: (isJoineryError(error)
        ? error
        : new JoineryError('internal', String(error), { cause: error })
      ).withContext({ connectionId: context.id, requestId }),
    });
    /** A failure before anything was sent: it cannot have taken effect. */
    const failUnsent = (error: unknown): Exchange => {
      const failed = fail(error);
      return { ...failed, error: failed.error?.unsent() ?? null };
    };

    const breaker = this.breaker(context);
    const windows = limitWindows(context, send.method, url.pathname);
    let permit: Permit;
    let throttled: string | null;
    let throttledMs: number | null;
    try {
      if (!context.allowPrivateNetwork) checkLiteralHost(url.hostname);
      breaker.admit();
      // Resolves at the moment the request may leave, counted from now: nothing may be awaited
      // between this and the send, or the request would leave later than it is counted.
      permit = await this.#limiter.acquire(windows, deadline, signal);
      throttled = permit.reason;
      throttledMs = permit.waitMs;
    } catch (error) {
      // The limiter refuses with a JoineryError; anything else is a fault, reported as internal.
      return failUnsent(error);
    }

    let response: Dispatcher.ResponseData;
    const remainingMs = deadline - Date.now();
    // Whether the transport's own timeouts were lowered to fit the caller's deadline.
    const cappedByDeadline = remainingMs < this.#transport.headersTimeoutMs;
    try {
      response = await this.#transport.send(url, {
        method: send.method,
        headers: { 'user-agent': 'Joinery', ...send.headers, ...wire.headers },
        body: send.body,
        allowPrivateNetwork: context.allowPrivateNetwork,
        signal,
        timeoutMs: remainingMs,
      });
    } catch (error) {
      this.#settle(permit);
      const deadlineReached = cappedByDeadline && isJoineryError(error) && error.code === 'timeout';
      const failed = {
        ...fail(
          deadlineReached
            ? new JoineryError(
                'timeout',
                `no answer from ${url.host} before the caller's deadline`,
                { cause: error },
              )
            : error,
        ),
        notSent: false,
        deadlineReached,
        throttled,
        throttledMs,
      };
      breaker.record(failed.error?.code ?? 'network');
      return failed;
    }

    this.#settle(permit);
    const status = response.statusCode;
    const headers = flattenHeaders(response.headers);
    let error: JoineryError | null;
    let body: unknown;
    let stream: Readable | null = null;
    if (send.buffered) {
      try {
        const text = await readCapped(response.body, this.#maxBodyBytes);
        body = parseBody(text, headers['content-type'], status);
        // A read must return data: an empty 2xx to a GET is a broken answer, worth another try.
        if (
          body === undefined &&
          send.method === 'GET' &&
          status >= 200 &&
          status < 300 &&
          status !== 204
        ) {
          throw new JoineryError(
            'malformed_response',
            `${context.connector.name} answered ${status} with an empty body`,
            {
              details: { status },
            },
          );
        }
        error = classifyStatus(context.connector, status, headers, body, {
          refreshable: context.refreshable,
        });
      } catch (caught) {
        error = isJoineryError(caught) ? caught : transportFailure(caught, url);
      }
    } else {
      stream = response.body;
      // The body is relayed as it streams; the classification decides retries, the log and health.
      error =
        status === 401 || status === 429 || status >= 500
          ? classifyStatus(context.connector, status, headers, undefined, {
              refreshable: context.refreshable,
            })
          : null;
    }
    if (error) error = error.withContext({ connectionId: context.id, requestId });
    breaker.record(error?.code ?? null);
    await this.#learn(context, windows, headers, error);
    return {
      status,
      headers,
      body,
      stream,
      error,
      requestId,
      safeUrl,
      started,
      notSent: false,
      throttled,
      throttledMs,
    };
  }

  /** Corrects the pre-throttle from what the provider says: stop until a reset or Retry-After. */
  async #learn(
    context: ConnectionContext,
    windows: LimitWindow[],
    headers: Record<string, string>,
    error: JoineryError | null,
  ): Promise<void> {
    const reading = readRateLimit(context.connector.rateLimit, headers);
    let until: number | null = null;
    if (error?.code === 'rate_limited' && error.retryAfterMs !== undefined)
      until = Date.now() + error.retryAfterMs;
    else if (reading.remaining === 0 && reading.resetInMs !== undefined)
      until = Date.now() + reading.resetInMs;
    if (until !== null)
      await this.#limiter.block(
        windows.map((w) => w.key),
        until,
      );
    const quota = context.connector.rateLimit?.quota;
    if (quota && this.#onQuota) {
      const match = compiled(quota.pattern).exec(headers[quota.header.toLowerCase()] ?? '');
      if (match)
        this.#onQuota(context, {
          name: quota.name,
          used: Number(match[1]),
          limit: Number(match[2]),
        });
    }
  }

  #record(
    context: ConnectionContext,
    meta: CallMeta,
    method: string,
    exchange: Exchange,
    error: JoineryError | null,
    attempt: number,
    decision: { text: string | null; retryWaitMs: number | null },
  ): void {
    this.#log.record({
      id: newId('log'),
      at: new Date(),
      environmentId: context.environmentId,
      connectionId: context.id,
      integrationKey: context.integrationKey,
      tenant: context.tenant,
      source: meta.source,
      action: meta.action ?? null,
      method,
      url: exchange.safeUrl,
      status: exchange.status,
      durationMs: Math.round(performance.now() - exchange.started),
      errorCode: error?.code ?? null,
      requestId: exchange.requestId,
      attempt,
      decision: decision.text,
      retryWaitMs: decision.retryWaitMs,
      throttleWaitMs: exchange.throttledMs ?? null,
    });
  }
}

/** Drops a response body that will not be relayed, keeping the socket reusable when it is short. */
function discard(stream: Readable | null): void {
  if (!stream) return;
  // undici's dump() reads at most 128 KiB, then closes the socket; it settles without throwing.
  const body = stream as Readable & { dump?: (options?: { limit: number }) => Promise<void> };
  if (body.dump) void body.dump();
  else stream.resume();
}

function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      body.destroy();
      throw new JoineryError(
        'malformed_response',
        `the response body is larger than ${maxBytes} bytes and was not read`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string | undefined, status: number): unknown {
  if (text.length === 0) return undefined;
  const looksJson = contentType === undefined || /json/i.test(contentType);
  if (!looksJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (status >= 200 && status < 300) {
      throw new JoineryError(
        'malformed_response',
        `the provider answered ${status} with a body that is not valid JSON (${text.length} bytes)`,
        {
          cause: error,
          details: { status },
        },
      );
    }
    return text;
  }
}

function transportFailure(error: unknown, url: URL): JoineryError {
  return new JoineryError(
    'network',
    `the connection to ${url.host} failed while reading the response: ${(error as Error).message}`,
    { cause: error },
  );
}
