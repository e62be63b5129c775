import { readJson, requestIdHeader } from './answers.js';
import { JoineryError } from './errors.js';
import {
  CONNECTION_ID_HINT,
  actionPath,
  callsOver,
  checkHeaderValue,
  idempotencyHeader,
  invalidInput,
  isRecord,
  segment,
  unexpectedAnswer,
} from './request-parts.js';
import { Secret } from './secret.js';
import { createTransport, displayUrl, type RequestBody, type Transport } from './transport.js';
import type {
  ActionResult,
  CallOptions,
  ConnectSession,
  ConnectSessionInput,
  Connection,
  ConnectionInput,
  Connector,
  ConnectorSummary,
  DriftEntry,
  Health,
  Integration,
  IntegrationInput,
  ListConnectionsParams,
  ListLogsParams,
  LogEntry,
  Page,
  ProxyOptions,
  RunActionOptions,
} from './types.js';
import { outgoingApis, type DeadLettersApi, type WebhookEndpointsApi } from './outgoing.js';
import { scorecardApis, type ScorecardsApi } from './scorecards.js';
import { syncApis, type RecordsApi, type SyncsApi } from './syncs.js';
import { healthApis, type AlertsApi, type HealthApi } from './health.js';
import { runApis, type FlowsApi, type RunsApi } from './runs.js';

export interface ClientOptions {
  /** Where Joinery listens, e.g. `http://127.0.0.1:3003` (a path prefix is kept). */
  url: string | URL;
  /** The API secret key (`JOINERY_SECRET_KEY`). Sent as `Authorization: Bearer`; never printed. */
  secretKey: string;
  /** Sent as `Joinery-Tenant`: connection routes then only see this tenant's connections. */
  tenant?: string | undefined;
  /** Replaces the global `fetch` (tests, instrumentation). */
  fetch?: typeof globalThis.fetch | undefined;
  /** Cap on one request, reading the answer included. Defaults to 60 s. */
  timeoutMs?: number | undefined;
}

export interface JoineryClient {
  /** The base URL, without credentials. */
  readonly url: string;
  readonly tenant: string | null;
  /** `GET /health`; needs no key. */
  health(options?: CallOptions): Promise<Health>;
  readonly connectors: {
    list(options?: CallOptions): Promise<ConnectorSummary[]>;
    get(id: string, options?: CallOptions): Promise<Connector>;
  };
  readonly integrations: {
    /** Creates or replaces the integration `key`. */
    put(key: string, body: IntegrationInput, options?: CallOptions): Promise<Integration>;
    list(options?: CallOptions): Promise<Integration[]>;
    get(key: string, options?: CallOptions): Promise<Integration>;
    /** Where the provider's answers differ from the declared schemas, most recent first. */
    schemaDrift(key: string, options?: CallOptions): Promise<DriftEntry[]>;
  };
  readonly connectSessions: {
    /** `POST /v1/connect-sessions`: a link where the tenant authorises the integration (OAuth). */
    create(body: ConnectSessionInput, options?: CallOptions): Promise<ConnectSession>;
  };
  readonly connections: {
    create(body: ConnectionInput, options?: CallOptions): Promise<Connection>;
    list(params?: ListConnectionsParams, options?: CallOptions): Promise<Connection[]>;
    get(id: string, options?: CallOptions): Promise<Connection>;
    delete(id: string, options?: CallOptions): Promise<void>;
  };
  readonly actions: {
    /** `output` is whatever the action's output schema says; pass `O` to name it. */
    run<O = unknown>(
      connectionId: string,
      action: string,
      input: unknown,
      options?: RunActionOptions,
    ): Promise<ActionResult<O>>;
  };
  /**
   * `ANY /v1/proxy/{connectionId}/{path}`. Answers the raw `Response`: the provider's own answer
   * (2xx–4xx) as relayed by Joinery, or Joinery's error envelope when it gave up. Only a failure to
   * reach Joinery throws.
   */
  proxy(
    connectionId: string,
    method: string,
    path: string,
    options?: ProxyOptions,
  ): Promise<Response>;
  readonly logs: {
    /** One page of the request log. */
    list(params?: ListLogsParams, options?: CallOptions): Promise<Page<LogEntry>>;
    /** Every entry from `params.cursor` (or the start) on, fetching pages as it goes. */
    iterate(params?: ListLogsParams, options?: CallOptions): AsyncIterableIterator<LogEntry>;
  };
  /** Where Joinery sends its events (Standard Webhooks), and each endpoint's deliveries. */
  readonly webhookEndpoints: WebhookEndpointsApi;
  /** Runs and deliveries that exhausted their retries: list, inspect, replay. */
  readonly deadLetters: DeadLettersApi;
  /** Each connector's trust level and the seven questions, computed from evidence. */
  readonly scorecards: ScorecardsApi;
  /** Runs (async actions and flow runs) with their step timelines. */
  readonly runs: RunsApi;
  /** Flows as data: triggers and steps. */
  readonly flows: FlowsApi;
  /** Record syncs: create, list, progress of the latest run, run now. */
  readonly syncs: SyncsApi;
  /** The change stream of synced records (`GET /v1/records`). */
  readonly records: RecordsApi;
  /** Each connection's health: state, reason, signals, what to do; disable and enable. */
  readonly connectionHealth: HealthApi;
  /** Alerts, firing and resolved (`GET /v1/alerts`). */
  readonly alerts: AlertsApi;
  /** `GET /metrics`: the Prometheus text exposition. */
  readonly metrics: { text(options?: CallOptions): Promise<string> };
  /** The same client, scoped to one tenant (`Joinery-Tenant`). */
  withTenant(tenant: string): JoineryClient;
  /** `JoineryClient(<url>, tenant <tenant>)`: like `JSON.stringify` and `inspect`, never the key. */
  toString(): string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export function createClient(options: ClientOptions): JoineryClient {
  const baseUrl = parseBaseUrl(options.url);
  if (typeof options.secretKey !== 'string' || options.secretKey === '') {
    throw invalidInput(
      'secretKey is empty: pass the Joinery secret key (JOINERY_SECRET_KEY, printed once by `joinery start`).',
    );
  }
  // Checked here because fetch's own complaint about a bad header value quotes the value.
  if (!/^[\x21-\x7e]+$/.test(options.secretKey)) {
    throw invalidInput(
      'secretKey contains spaces, control or non-ASCII characters (often a trailing newline read from a file): trim it.',
    );
  }
  if (options.tenant !== undefined) checkHeaderValue('tenant', options.tenant);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Node's timers cap at 2^31-1 ms and fire at once beyond it.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2_147_483_647) {
    throw invalidInput(
      `timeoutMs must be a positive number of milliseconds up to 2147483647, not ${timeoutMs}.`,
    );
  }

  return buildClient({
    baseUrl,
    secret: new Secret(options.secretKey),
    tenant: options.tenant,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
  });
}

interface ClientState {
  baseUrl: URL;
  secret: Secret;
  tenant: string | undefined;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

const CONNECTOR_ID_HINT = 'pass a connector id such as "github" (connectors.list() lists them)';
const INTEGRATION_KEY_HINT = 'pass an integration key such as "github-sandbox"';

function buildClient(state: ClientState): JoineryClient {
  const transport: Transport = createTransport(state);
  const calls = callsOver(transport);
  const url = displayUrl(state.baseUrl);

  async function listLogs(params: ListLogsParams = {}, call?: CallOptions) {
    return calls.page<LogEntry>(
      {
        method: 'GET',
        path: '/v1/logs',
        query: {
          connection: params.connection,
          since: params.since,
          limit: params.limit,
          cursor: params.cursor,
        },
      },
      call,
    );
  }

  const client: JoineryClient & { toJSON(): unknown } = {
    url,
    tenant: state.tenant ?? null,

    async health(call) {
      return calls.json<Health>({ method: 'GET', path: '/health', anonymous: true }, call);
    },

    connectors: {
      async list(call) {
        return calls.list<ConnectorSummary>({ method: 'GET', path: '/v1/connectors' }, call);
      },
      async get(id, call) {
        return calls.json<Connector>(
          { method: 'GET', path: `/v1/connectors/${segment(id, 'id', CONNECTOR_ID_HINT)}` },
          call,
        );
      },
    },

    integrations: {
      async put(key, body, call) {
        return calls.json<Integration>(
          {
            method: 'PUT',
            path: `/v1/integrations/${segment(key, 'key', INTEGRATION_KEY_HINT)}`,
            json: body,
          },
          call,
        );
      },
      async list(call) {
        return calls.list<Integration>({ method: 'GET', path: '/v1/integrations' }, call);
      },
      async get(key, call) {
        return calls.json<Integration>(
          { method: 'GET', path: `/v1/integrations/${segment(key, 'key', INTEGRATION_KEY_HINT)}` },
          call,
        );
      },
      async schemaDrift(key, call) {
        return calls.list<DriftEntry>(
          {
            method: 'GET',
            path: `/v1/integrations/${segment(key, 'key', INTEGRATION_KEY_HINT)}/schema-drift`,
          },
          call,
        );
      },
    },

    connectSessions: {
      async create(body, call) {
        return calls.json<ConnectSession>(
          { method: 'POST', path: '/v1/connect-sessions', json: body },
          call,
        );
      },
    },

    connections: {
      async create(body, call) {
        return calls.json<Connection>(
          { method: 'POST', path: '/v1/connections', json: body },
          call,
        );
      },
      async list(params = {}, call) {
        return calls.list<Connection>(
          {
            method: 'GET',
            path: '/v1/connections',
            query: { tenant: params.tenant, integration: params.integration },
          },
          call,
        );
      },
      async get(id, call) {
        return calls.json<Connection>(
          { method: 'GET', path: `/v1/connections/${segment(id, 'id', CONNECTION_ID_HINT)}` },
          call,
        );
      },
      async delete(id, call) {
        return calls.empty(
          { method: 'DELETE', path: `/v1/connections/${segment(id, 'id', CONNECTION_ID_HINT)}` },
          call,
        );
      },
    },

    actions: {
      async run<O>(connectionId: string, action: string, input: unknown, call?: RunActionOptions) {
        const sent = await calls.send(
          {
            method: 'POST',
            path: actionPath(connectionId, action),
            json: { input: input ?? {} },
            headers: idempotencyHeader(call?.idempotencyKey),
          },
          call,
        );
        const body = await readJson(sent);
        if (!isRecord(body) || !('output' in body)) throw unexpectedAnswer(sent.context, 'output');
        const requestId =
          typeof body.requestId === 'string' ? body.requestId : requestIdHeader(sent.response);
        return { output: body.output as O, requestId };
      },
    },

    async proxy(connectionId, method, path, call = {}) {
      const verb = method.toUpperCase();
      if (!/^[A-Z]+$/.test(verb))
        throw invalidInput(`proxy method ${JSON.stringify(method)} is not an HTTP method.`);
      const target = proxyTarget(connectionId, path);
      const headers = new Headers(call.headers);
      const body = proxyBody(call.body, headers);
      if (body !== undefined && (verb === 'GET' || verb === 'HEAD')) {
        throw invalidInput(
          `a ${verb} request cannot have a body; send it with POST, PUT or PATCH.`,
        );
      }
      const query = new URLSearchParams(target.search);
      for (const [name, value] of Object.entries(call.query ?? {})) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
      }
      const { response } = await calls.send(
        {
          method: verb,
          path: target.path,
          query,
          headers,
          ...(body === undefined ? {} : { rawBody: body }),
        },
        call,
      );
      return response;
    },

    ...outgoingApis(calls),
    ...scorecardApis(calls),
    ...syncApis(calls),
    ...runApis(calls),
    ...healthApis(calls),

    logs: {
      list: listLogs,
      async *iterate(params = {}, call) {
        let cursor = params.cursor;
        for (;;) {
          const page = await listLogs(
            { ...params, ...(cursor === undefined ? {} : { cursor }) },
            call,
          );
          yield* page.data;
          if (page.nextCursor === null) return;
          // A server that hands back the cursor it was given would loop forever.
          if (page.nextCursor === cursor) {
            throw new JoineryError({
              code: 'internal',
              message: `Joinery answered GET /v1/logs with the same nextCursor it was sent (${JSON.stringify(cursor)}); stopping instead of looping.`,
              retryable: false,
            });
          }
          cursor = page.nextCursor;
        }
      },
    },

    withTenant(tenant) {
      checkHeaderValue('tenant', tenant);
      return buildClient({ ...state, tenant });
    },

    // The key lives only in `state.secret`, which none of these show.
    toJSON() {
      return { url, tenant: state.tenant ?? null };
    },
  };
  const describe = () =>
    `JoineryClient(${url}${state.tenant === undefined ? '' : `, tenant ${state.tenant}`})`;
  Object.defineProperties(client, {
    toString: { value: describe },
    [inspectCustom]: { value: describe },
  });
  return client;
}

/**
 * The proxy path is the provider's path, sent as given (it may already be percent-encoded). Dot
 * segments are refused: the URL parser would resolve `../..` and the request, with the secret key,
 * would land on another Joinery route — and proxy paths often come from end users or agents.
 */
function proxyTarget(connectionId: string, path: string): { path: string; search: string } {
  const withoutFragment = path.split('#', 1)[0] ?? '';
  const queryAt = withoutFragment.indexOf('?');
  const rawPath = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const search = queryAt === -1 ? '' : withoutFragment.slice(queryAt + 1);
  // http(s) URLs treat `\` as `/` (WHATWG URL), so it is encoded rather than trusted.
  const providerPath = rawPath.replace(/^\/+/, '').replaceAll('\\', '%5C');
  for (const part of providerPath.split('/')) {
    const decoded = part.replace(/%2e/gi, '.');
    if (decoded === '.' || decoded === '..') {
      throw invalidInput(
        `proxy path ${JSON.stringify(path)} has a "${decoded}" segment; send the provider path it resolves to instead.`,
      );
    }
  }
  return {
    path: `/v1/proxy/${segment(connectionId, 'connectionId', CONNECTION_ID_HINT)}/${providerPath}`,
    search,
  };
}

function proxyBody(body: unknown, headers: Headers): RequestBody | undefined {
  if (body === undefined) return undefined;
  if (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData ||
    body instanceof ReadableStream
  ) {
    return body as RequestBody;
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return JSON.stringify(body);
}

function parseBaseUrl(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput(
      `url ${JSON.stringify(String(value))} is not a URL; expected something like http://127.0.0.1:3003.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidInput(`url must be http: or https:, not ${url.protocol}`);
  }
  // fetch refuses such URLs with a confusing error; the key goes in secretKey anyway.
  if (url.username !== '' || url.password !== '') {
    throw invalidInput('url must not contain a user name or password; pass the key as secretKey.');
  }
  return url;
}
