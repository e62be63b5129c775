import { JoineryError } from './errors.js';
import type { Secret } from './secret.js';
import type { QueryValue } from './types.js';

// lib is ES2023 without DOM, so fetch's own type names come from @types/node's globals.
export type RequestBody = NonNullable<RequestInit['body']>;
export type HeadersInput = ConstructorParameters<typeof Headers>[0];

export type Query = Record<string, QueryValue | readonly QueryValue[] | Date | undefined>;

/** One request to Joinery. `path` is already encoded and starts with `/`. */
export interface RequestSpec {
  method: string;
  path: string;
  query?: Query | URLSearchParams;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (proxy bodies). */
  rawBody?: RequestBody;
  headers?: HeadersInput;
  /** `GET /health` needs no key; nothing else is sent without one. */
  anonymous?: boolean;
  signal?: AbortSignal;
}

/** What an answer or a failure is about, for error messages. Never holds the key. */
export interface RequestContext {
  method: string;
  /** Path and query as sent, relative to the base URL. */
  target: string;
  origin: string;
  secret: Secret;
}

export interface SentRequest {
  response: Response;
  context: RequestContext;
}

export interface TransportOptions {
  baseUrl: URL;
  secret: Secret;
  tenant: string | undefined;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

export interface Transport {
  send(spec: RequestSpec): Promise<SentRequest>;
}

export function createTransport(options: TransportOptions): Transport {
  const basePath = options.baseUrl.pathname.replace(/\/+$/, '');
  const origin = displayUrl(options.baseUrl);

  return {
    async send(spec) {
      const url = new URL(basePath + spec.path, options.baseUrl);
      appendQuery(url.searchParams, spec.query);
      const context: RequestContext = {
        method: spec.method,
        target: url.pathname.slice(basePath.length) + url.search,
        origin,
        secret: options.secret,
      };

      const headers = new Headers(spec.headers);
      let body: RequestBody | undefined = spec.rawBody;
      if (spec.json !== undefined) {
        body = JSON.stringify(spec.json);
        headers.set('content-type', 'application/json');
      }
      if (!headers.has('accept')) headers.set('accept', 'application/json');
      if (!spec.anonymous) {
        headers.set('authorization', `Bearer ${options.secret.reveal()}`);
        if (options.tenant !== undefined) headers.set('joinery-tenant', options.tenant);
      }

      // Bounded by design: a request that hangs would otherwise hold its caller forever.
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
      const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers, signal };
      if (body !== undefined) {
        init.body = body;
        // Node's fetch refuses a streamed body without it (https://fetch.spec.whatwg.org/#enumdef-requestduplex).
        if (body instanceof ReadableStream) init.duplex = 'half';
      }

      try {
        return { response: await options.fetch(url, init), context };
      } catch (error) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        if (timeout.aborted) {
          throw new JoineryError({
            code: 'timeout',
            message: `Joinery at ${origin} did not answer ${context.method} ${context.target} within ${options.timeoutMs} ms (the client's timeoutMs).`,
            retryable: true,
            cause: error,
          });
        }
        throw new JoineryError({
          code: 'network',
          message: options.secret.redactFrom(
            `could not reach Joinery at ${origin} (${context.method} ${context.target}): ${describeFetchFailure(error)}. Is the server running, and is the URL right?`,
          ),
          retryable: true,
          cause: error,
        });
      }
    },
  };
}

function appendQuery(params: URLSearchParams, query: Query | URLSearchParams | undefined): void {
  if (query instanceof URLSearchParams) {
    for (const [name, value] of query) params.append(name, value);
    return;
  }
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    const values: readonly (QueryValue | Date)[] = Array.isArray(value)
      ? (value as readonly QueryValue[])
      : [value as QueryValue | Date];
    for (const item of values) {
      params.append(name, item instanceof Date ? item.toISOString() : String(item));
    }
  }
}

/** The base URL's origin and path, without any user:password that would end up in messages. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in `cause`. */
function describeFetchFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code} (${cause.message})`
      : cause.message;
  }
  return error.message;
}
