import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { JoineryError, isJoineryError } from '../errors.js';
import { guardedLookup } from './ssrf.js';

/** Defaults for every outbound call; each is a cap, never unbounded. */
export interface TransportOptions {
  /** TCP + TLS connect. Defaults to 10 s. */
  connectTimeoutMs?: number;
  /** Until the response headers arrive. Defaults to 30 s. */
  headersTimeoutMs?: number;
  /** Between body chunks. Defaults to 30 s. */
  bodyTimeoutMs?: number;
}

const defaultTransportOptions: Required<TransportOptions> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
};

/** Two connection pools: one whose sockets only reach public addresses, one for trusted private destinations. */
export class Transport {
  readonly #guarded: Agent;
  readonly #open: Agent;
  readonly #options: Required<TransportOptions>;

  constructor(options: TransportOptions = {}) {
    const o = { ...defaultTransportOptions, ...options };
    this.#options = o;
    const common = {
      headersTimeout: o.headersTimeoutMs,
      bodyTimeout: o.bodyTimeoutMs,
      connections: 128,
    };
    this.#guarded = new Agent({
      ...common,
      connect: { timeout: o.connectTimeoutMs, lookup: guardedLookup },
    });
    this.#open = new Agent({ ...common, connect: { timeout: o.connectTimeoutMs } });
  }

  get headersTimeoutMs(): number {
    return this.#options.headersTimeoutMs;
  }

  async send(
    url: URL,
    init: {
      method: Dispatcher.HttpMethod;
      headers: Record<string, string>;
      body: string | Buffer | Readable | null;
      allowPrivateNetwork: boolean;
      signal?: AbortSignal | undefined;
      /** Caps the wait for headers and between body chunks below the defaults (the caller's deadline). */
      timeoutMs?: number;
    },
  ): Promise<Dispatcher.ResponseData> {
    const cap = init.timeoutMs === undefined ? undefined : Math.max(1, Math.round(init.timeoutMs));
    try {
      return await request(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        dispatcher: init.allowPrivateNetwork ? this.#open : this.#guarded,
        ...(init.signal ? { signal: init.signal } : {}),
        ...(cap === undefined
          ? {}
          : {
              headersTimeout: Math.min(cap, this.#options.headersTimeoutMs),
              bodyTimeout: Math.min(cap, this.#options.bodyTimeoutMs),
            }),
      });
    } catch (error) {
      throw transportError(error, url);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#guarded.close(), this.#open.close()]);
  }
}

const NEVER_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Turns a socket-level failure into the taxonomy, keeping the original as `cause`. */
export function transportError(error: unknown, url: URL): JoineryError {
  if (isJoineryError(error)) return error;
  const host = url.host;
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new JoineryError('timeout', `could not connect to ${host} in time`, {
      cause: error,
      notSent: true,
    });
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new JoineryError(
      'timeout',
      `${host} did not answer in time (${(error as Error).message})`,
      { cause: error },
    );
  }
  const err = error as NodeJS.ErrnoException & { name?: string };
  if (
    err.name === 'AbortError' ||
    err.name === 'TimeoutError' ||
    err.code === 'ABORT_ERR' ||
    err.code === 'UND_ERR_ABORTED'
  ) {
    return new JoineryError('timeout', `the call to ${host} was cancelled before it finished`, {
      cause: error,
    });
  }
  const code = err.code ?? err.name ?? 'unknown';
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  if (isJoineryError(cause)) return cause;
  const reason = cause?.code ?? code;
  return new JoineryError('network', `could not reach ${host} (${reason}): ${err.message}`, {
    cause: error,
    // No connection was made, so nothing was sent.
    notSent: NEVER_CONNECTED.has(reason),
  });
}
