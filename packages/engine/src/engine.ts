import type { Readable } from 'node:stream';
import type { Database } from '@joinery/store';
import type { Logger } from 'pino';
import { ActionRunner, type ActionResult } from './actions.js';
import { ConnectorRegistry, findAction } from './connector/registry.js';
import type { ConnectorDefinition } from './connector/types.js';
import type { CredentialCipher } from './credential-cipher.js';
import { Connections, type Scope } from './connections.js';
import { JoineryError, isJoineryError } from './errors.js';
import { IdempotencyKeys, requestHash } from './idempotency.js';
import { SchemaDriftRecorder } from './schema-drift.js';
import { ProviderQuotas } from './quotas.js';
import { Integrations } from './integrations.js';
import { oauthClientConfig } from './oauth/client-config.js';
import { ConnectSessions, type ConnectSessionsOptions } from './oauth/connect-sessions.js';
import { Events, type EventRecord } from './oauth/events.js';
import { TokenEndpointError } from './oauth/token-endpoint.js';
import {
  TokenManager,
  issueClientCredentials,
  tokenFailureError,
  type TokenManagerOptions,
} from './oauth/token-manager.js';
import { providerDetails } from './outbound/classify.js';
import { CallPipeline, type StreamedResponse } from './outbound/pipeline.js';
import { Transport, type TransportOptions } from './outbound/transport.js';
import { MemoryRateLimiter, PostgresRateLimiter } from './outbound/policies/rate-limiter.js';
import type { RetryOptions } from './outbound/policies/retry.js';
import type { BreakerOptions } from './outbound/policies/circuit-breaker.js';
import { RequestLog, type LogEntry, type RequestLogOptions } from './request-log.js';
import { SecretKeys } from './secret-keys.js';
import { WebhookDeliveries } from './webhooks/deliveries.js';
import { InboundWebhooks } from './webhooks/inbound.js';

export interface EngineOptions {
  db: Database;
  /** Which store `db` is: several processes share PostgreSQL, so throttling state goes there too. */
  storeKind: 'pglite' | 'postgres';
  cipher: CredentialCipher;
  connectors: readonly ConnectorDefinition[];
  logger: Logger;
  transport?: TransportOptions;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** How long a connection's resolved context is reused. Defaults: 60 s on PGlite, 1 s on PostgreSQL. */
  contextCacheMs?: number;
  requestLog?: RequestLogOptions;
  /**
   * How browsers and providers reach this Joinery (`JOINERY_PUBLIC_URL`): Connect links and the
   * OAuth redirect URI `{publicUrl}/oauth/callback` are built from it. A function when it is only
   * known once the server listens (port 0).
   */
  publicUrl?: string | (() => string);
  /** Token renewal and Connect session settings; each has a safe default. */
  oauth?: TokenManagerOptions & ConnectSessionsOptions;
}

export interface EventQuery {
  connectionId?: string;
  type?: string;
  limit?: number;
  cursor?: string;
}

export interface EventView {
  id: string;
  type: EventRecord['type'];
  at: string;
  connectionId: string | null;
  integration: string;
  tenant: string | null;
  data: Record<string, unknown>;
}

export interface ProxyRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Record<string, string>;
  body: Readable | null;
  signal?: AbortSignal;
  /** How long the caller waits, retries and throttling included. */
  timeoutMs?: number;
}

export interface RunActionOptions {
  signal?: AbortSignal;
  /** How long the caller waits, retries and throttling included. */
  timeoutMs?: number;
  /** The caller's `Idempotency-Key`. */
  idempotencyKey?: string;
}

export interface LogQuery {
  connectionId?: string;
  since?: Date;
  limit?: number;
  cursor?: string;
}

/** Joinery's engine: everything but HTTP. The server, CLI and workers are thin layers over it. */
export class Engine {
  readonly connectors: ConnectorRegistry;
  readonly integrations: Integrations;
  readonly connections: Connections;
  readonly secretKeys: SecretKeys;
  readonly requestLog: RequestLog;
  readonly idempotency: IdempotencyKeys;
  readonly schemaDrift: SchemaDriftRecorder;
  readonly quotas: ProviderQuotas;
  readonly events: Events;
  readonly tokens: TokenManager;
  readonly connectSessions: ConnectSessions;
  /** Inbound webhooks: verified, deduplicated and stored deliveries. */
  readonly webhooks: InboundWebhooks;
  readonly #transport: Transport;
  readonly #pipeline: CallPipeline;
  readonly #actions: ActionRunner;

  constructor(options: EngineOptions) {
    this.connectors = new ConnectorRegistry(options.connectors);
    this.integrations = new Integrations(options.db, this.connectors, options.cipher);
    this.connections = new Connections(
      options.db,
      this.connectors,
      this.integrations,
      options.cipher,
      // One process owns PGlite, so every change passes through this cache. Processes sharing
      // PostgreSQL see each other's changes (a deleted connection, a new base URL) within 1 s.
      options.contextCacheMs ?? (options.storeKind === 'pglite' ? 60_000 : 1_000),
    );
    this.integrations.onChange = () => this.connections.invalidate();
    this.secretKeys = new SecretKeys(options.db);
    this.requestLog = new RequestLog(options.db, options.logger, options.requestLog);
    this.idempotency = new IdempotencyKeys(options.db);
    this.#transport = new Transport(options.transport);
    this.events = new Events(options.db);
    const publicUrl = options.publicUrl;
    const publicUrlOf = () => {
      const url = typeof publicUrl === 'function' ? publicUrl() : publicUrl;
      if (!url)
        throw new JoineryError(
          'internal',
          'Joinery does not know its public URL, so it cannot build Connect links: set JOINERY_PUBLIC_URL',
        );
      return url.replace(/\/+$/, '');
    };
    let sessions: ConnectSessions | null = null;
    this.tokens = new TokenManager(
      {
        db: options.db,
        storeKind: options.storeKind,
        cipher: options.cipher,
        connectors: this.connectors,
        integrations: this.integrations,
        events: this.events,
        logger: options.logger,
        redirectUri: () => `${publicUrlOf()}/oauth/callback`,
        reconnectUrl: (row) => (sessions ? sessions.reconnectUrl(row) : Promise.resolve(null)),
      },
      options.oauth,
    );
    this.connectSessions = sessions = new ConnectSessions(
      {
        db: options.db,
        cipher: options.cipher,
        connectors: this.connectors,
        integrations: this.integrations,
        publicUrl: publicUrlOf,
        tokenRequestTimeoutMs: this.tokens.tokenRequestTimeoutMs,
        storeAuthorized: (input) => this.connections.storeAuthorized(input),
      },
      options.oauth,
    );
    this.integrations.redirectUri = () => `${publicUrlOf()}/oauth/callback`;
    this.connections.attachOAuth({
      events: this.events,
      usable: (row, tokens) => this.tokens.usable(row, tokens),
      reconnectUrl: (row) => this.connectSessions.reconnectUrl(row),
      issueClientCredentials: async (integration, connector) => {
        const config = oauthClientConfig(integration, connector, options.cipher);
        try {
          return await issueClientCredentials(config, this.tokens.tokenRequestTimeoutMs);
        } catch (error) {
          if (!(error instanceof TokenEndpointError)) throw error;
          const failure = error.failure;
          if (failure.kind !== 'rejected') throw tokenFailureError(failure, connector.name);
          throw new JoineryError(
            'invalid_input',
            `${connector.name} refused integration "${integration.key}"'s OAuth client (${failure.error}${failure.description ? `: ${failure.description}` : ''}). Nothing was stored: check oauth.clientId and oauth.clientSecret on the integration.`,
            { path: 'body.credentials', details: { status: failure.status, code: failure.error } },
          );
        }
      },
    });
    const quotas = new ProviderQuotas(options.db, options.logger);
    this.#pipeline = new CallPipeline(
      this.#transport,
      this.requestLog,
      (context, error) => this.connections.recordOutcome(context, error),
      {
        rateLimiter:
          options.storeKind === 'postgres'
            ? new PostgresRateLimiter(options.db)
            : new MemoryRateLimiter(),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.breaker ? { breaker: options.breaker } : {}),
        refreshCredentials: this.tokens.refresher,
        onQuota: (context, reading) =>
          quotas.record(context.environmentId, context.integrationKey, reading),
      },
    );
    this.connections.attach(this.#pipeline);
    this.schemaDrift = new SchemaDriftRecorder(options.db, options.logger);
    this.quotas = quotas;
    this.#actions = new ActionRunner(this.#pipeline, this.schemaDrift);
    this.webhooks = new InboundWebhooks({
      deliveries: new WebhookDeliveries(options.db),
      integrations: this.integrations,
      connectors: this.connectors,
      logger: options.logger,
    });
  }

  /**
   * Runs an action. With an idempotency key (Stripe's semantics): the first call runs, a repeat of
   * the same call within 24 hours gets the stored result (`replayed: true`), and the same key with
   * a different call is a `conflict` — across every process sharing the store.
   */
  async runAction(
    scope: Scope,
    connectionId: string,
    actionName: string,
    input: unknown,
    options: RunActionOptions = {},
  ): Promise<ActionResult & { replayed: boolean }> {
    const context = await this.connections.context(scope, connectionId);
    const action = findAction(context.connector, actionName);
    const key = options.idempotencyKey;
    if (key === undefined)
      return { ...(await this.#actions.run(context, action, input, options)), replayed: false };
    const hash = requestHash({ connectionId, action: actionName, input: input ?? {} });
    const claim = await this.idempotency.claim<ActionResult>(scope.environmentId, key, hash);
    if (claim.kind === 'replay') return { ...claim.result, replayed: true };
    try {
      const result = await this.#actions.run(context, action, input, {
        ...options,
        // The provider sees a key derived from the caller's, scoped to this environment.
        idempotencyKey: `joinery-${requestHash({ environment: scope.environmentId, key }).slice(0, 40)}`,
      });
      await this.idempotency.complete(scope.environmentId, key, result);
      return { ...result, replayed: false };
    } catch (error) {
      const failure = isJoineryError(error)
        ? error
        : new JoineryError('internal', String(error), { cause: error });
      await this.idempotency.fail(scope.environmentId, key, failure);
      throw error;
    }
  }

  /**
   * Relays the provider's final answer (2xx–4xx) as it is. A 5xx means the provider failed and
   * Joinery gives up: the caller gets Joinery's error with the provider's status in `details`.
   */
  async proxy(
    scope: Scope,
    connectionId: string,
    request: ProxyRequest,
  ): Promise<StreamedResponse> {
    const context = await this.connections.context(scope, connectionId);
    const response = await this.#pipeline.stream(context, request, {
      source: 'proxy',
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
    });
    if (response.error) {
      // Joinery gave up (5xx after retries, a rate limit past the deadline): its own envelope,
      // with the provider's status and message in `details`.
      const text = await readSome(response.body, 4096);
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // Not JSON: the text itself is the provider's message.
      }
      const error = response.error;
      throw new JoineryError(error.code, error.message, {
        retryable: error.retryable,
        connectionId,
        requestId: response.requestId,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        details: { ...error.details, ...providerDetails(context.connector, response.status, body) },
      });
    }
    return response;
  }

  async logs(
    scope: Scope,
    query: LogQuery,
  ): Promise<{ entries: LogEntry[]; nextCursor: string | null }> {
    if (query.connectionId) await this.connections.get(scope, query.connectionId);
    const before = parseCursor(query.cursor);
    const page = await this.requestLog.list({
      environmentId: scope.environmentId,
      limit: pageLimit(query.limit),
      ...(query.connectionId ? { connectionId: query.connectionId } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    const entries =
      scope.tenant === undefined
        ? page.entries
        : page.entries.filter((entry) => entry.tenant === scope.tenant);
    return { entries, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) };
  }

  /**
   * Starts renewing OAuth tokens in the background every `intervalMs` (ahead of expiry, and idle
   * refresh tokens), so connections nobody calls stay authorised. Stopped by `close()`.
   */
  startTokenRefresh(intervalMs: number): void {
    this.tokens.start(intervalMs);
  }

  /** Connection events, newest first; a `connection.needs_reauth` still unresolved carries its reconnect link. */
  async listEvents(
    scope: Scope,
    query: EventQuery,
  ): Promise<{ data: EventView[]; nextCursor: string | null }> {
    if (query.connectionId) await this.connections.get(scope, query.connectionId);
    const before = parseCursor(query.cursor);
    const page = await this.events.list({
      environmentId: scope.environmentId,
      limit: pageLimit(query.limit),
      ...(query.connectionId ? { connectionId: query.connectionId } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(scope.tenant !== undefined ? { tenant: scope.tenant } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    const links = new Map<string, string | undefined>();
    const data: EventView[] = [];
    for (const event of page.events) {
      const view: EventView = {
        id: event.id,
        type: event.type,
        at: event.at.toISOString(),
        connectionId: event.connectionId,
        integration: event.integrationKey,
        tenant: event.tenant,
        data: { ...event.data },
      };
      if (event.type === 'connection.needs_reauth' && event.connectionId) {
        if (!links.has(event.connectionId)) {
          // A connection deleted since has no link to show; any other failure is the caller's.
          const connection = await this.connections
            .get(scope, event.connectionId)
            .catch((error: unknown) => {
              if (isJoineryError(error) && error.code === 'not_found') return null;
              throw error;
            });
          links.set(event.connectionId, connection?.reconnectUrl);
        }
        const url = links.get(event.connectionId);
        if (url) view.data.reconnectUrl = url;
      }
      data.push(view);
    }
    return { data, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) };
  }

  async close(): Promise<void> {
    await this.tokens.stop();
    await this.schemaDrift.close();
    await this.quotas.close();
    await this.requestLog.close();
    await this.#transport.close();
  }
}

async function readSome(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}

/** A list cursor this API gave out (a sequence number), or undefined for the first page. */
function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const before = Number(cursor);
  if (!Number.isSafeInteger(before) || before < 0) {
    throw new JoineryError('invalid_input', 'cursor is not one this API gave out', {
      path: 'cursor',
    });
  }
  return before;
}

/** Page sizes run from 1 to 1,000; 100 when the caller names none. */
function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 100, 1), 1000);
}
