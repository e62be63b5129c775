import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AuthType, ConnectorDefinition } from '../connector/types.js';
import { JoineryError, isJoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { LogSource, RequestLog } from '../request-log.js';
import type { Secret } from '../secret.js';
import { applyAuth, schemeFor, type Credentials } from './auth.js';
import { classifyStatus } from './classify.js';
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
}

export interface CallMeta {
  source: LogSource;
  action?: string;
  signal?: AbortSignal;
}

/** Called after every exchange so the connection's health follows what the provider says. */
export type OutcomeListener = (
  context: ConnectionContext,
  error: JoineryError | null,
) => Promise<void>;

/**
 * Renews a refreshable connection's credentials after the provider said they expired, replacing
 * `context.credentials` in place. The request is then sent once more, never more than once.
 */
export type CredentialRefresher = (
  context: ConnectionContext,
  reason: JoineryError,
) => Promise<void>;

export interface PipelineOptions {
  /** Largest response body read into memory (actions, health checks). Defaults to 16 MiB. */
  maxBodyBytes?: number;
  refreshCredentials?: CredentialRefresher;
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
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'authorization', 'joinery-tenant', 'cookie']);
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
}

/**
 * The outbound call path: URL and auth from connector data, SSRF guard, send, classify, log.
 * Retries, pre-throttling and circuit breaking wrap `send` in later layers.
 */
export class CallPipeline {
  readonly #transport: Transport;
  readonly #log: RequestLog;
  readonly #onOutcome: OutcomeListener;
  readonly #maxBodyBytes: number;
  readonly #refresh: CredentialRefresher | undefined;

  constructor(
    transport: Transport,
    log: RequestLog,
    onOutcome: OutcomeListener,
    options: PipelineOptions = {},
  ) {
    this.#transport = transport;
    this.#log = log;
    this.#onOutcome = onOutcome;
    this.#maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.#refresh = options.refreshCredentials;
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

  async #send(
    context: ConnectionContext,
    url: URL,
    init: {
      method: string;
      headers: Record<string, string>;
      body: string | Buffer | Readable | null;
    },
    meta: CallMeta,
  ): Promise<{
    response: Dispatcher.ResponseData;
    safeUrl: string;
    requestId: string;
    started: number;
  }> {
    const requestId = newId('req');
    const started = performance.now();
    const wire = applyAuth(
      schemeFor(context.connector.auth, context.authType, context.connector.id),
      context.credentials,
    );
    for (const [name, value] of Object.entries(wire.query)) url.searchParams.set(name, value);
    const safeUrl = sanitizeUrl(url, wire.secretQueryParams);
    const headers: Record<string, string> = {
      'user-agent': 'Joinery',
      ...lowerKeys(context.connector.defaultHeaders ?? {}),
      ...init.headers,
      ...wire.headers,
    };
    try {
      if (!context.allowPrivateNetwork) checkLiteralHost(url.hostname);
      const response = await this.#transport.send(url, {
        method: init.method,
        headers,
        body: init.body,
        allowPrivateNetwork: context.allowPrivateNetwork,
        ...(meta.signal ? { signal: meta.signal } : {}),
      });
      return { response, safeUrl, requestId, started };
    } catch (error) {
      const failure = (
        isJoineryError(error)
          ? error
          : new JoineryError('internal', String(error), { cause: error })
      ).withContext({
        connectionId: context.id,
        requestId,
      });
      this.#record(context, meta, init.method, safeUrl, null, started, failure, requestId);
      await this.#onOutcome(context, failure);
      throw failure;
    }
  }

  #record(
    context: ConnectionContext,
    meta: CallMeta,
    method: string,
    url: string,
    status: number | null,
    started: number,
    error: JoineryError | null,
    requestId: string,
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
      url,
      status,
      durationMs: Math.round(performance.now() - started),
      errorCode: error?.code ?? null,
      requestId,
    });
  }

  /** A JSON call whose answer is read, parsed and classified: data the caller can trust, or a JoineryError. */
  async call(
    context: ConnectionContext,
    request: ProviderRequest,
    meta: CallMeta,
  ): Promise<ProviderResponse> {
    try {
      return await this.#callOnce(context, request, meta);
    } catch (error) {
      // A refreshable credential that the provider calls expired: renew once, then try once more.
      if (
        !isJoineryError(error) ||
        error.code !== 'auth_expired' ||
        !context.refreshable ||
        !this.#refresh
      ) {
        throw error;
      }
      await this.#refresh(context, error);
      return this.#callOnce(context, request, meta);
    }
  }

  async #callOnce(
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
      headers['content-type'] = 'application/json';
    }
    const sent = await this.#send(context, url, { method: request.method, headers, body }, meta);
    const status = sent.response.statusCode;
    const responseHeaders = flattenHeaders(sent.response.headers);
    let error: JoineryError | null;
    let parsed: unknown;
    try {
      const text = await readCapped(sent.response.body, this.#maxBodyBytes);
      parsed = parseBody(text, responseHeaders['content-type'], status);
      error = classifyStatus(context.connector, status, responseHeaders, parsed, {
        refreshable: context.refreshable,
      });
    } catch (caught) {
      error = isJoineryError(caught) ? caught : transportFailure(caught, url);
    }
    if (error) error = error.withContext({ connectionId: context.id, requestId: sent.requestId });
    this.#record(
      context,
      meta,
      request.method,
      sent.safeUrl,
      status,
      sent.started,
      error,
      sent.requestId,
    );
    await this.#onOutcome(context, error);
    if (error) throw error;
    return { status, headers: responseHeaders, body: parsed, requestId: sent.requestId };
  }

  /** A passthrough call whose body streams back untouched (the proxy). Transport failures throw. */
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
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!NOT_FORWARDED.has(lower)) headers[lower] = value;
    }
    const sent = await this.#send(
      context,
      url,
      { method: request.method, headers, body: request.body },
      meta,
    );
    const status = sent.response.statusCode;
    const responseHeaders = flattenHeaders(sent.response.headers);
    // The body is relayed as it streams; the classification only decides the log line and health.
    const error =
      status === 401 || status >= 500 || status === 429
        ? classifyStatus(context.connector, status, responseHeaders, undefined, {
            refreshable: context.refreshable,
          })
        : null;
    this.#record(
      context,
      meta,
      request.method,
      sent.safeUrl,
      status,
      sent.started,
      error,
      sent.requestId,
    );
    await this.#onOutcome(context, error);
    return {
      status,
      headers: responseHeaders,
      body: sent.response.body,
      requestId: sent.requestId,
    };
  }
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
    {
      cause: error,
    },
  );
}
