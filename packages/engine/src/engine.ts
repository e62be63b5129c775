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
import { pageLimit, parseCursor } from './paging.js';
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
import type { Secret } from './secret.js';
import { WebhookDeliveries } from './webhooks/deliveries.js';
import { DeadLetters } from './outgoing/dead-letters.js';
import { OutgoingWebhooks, type OutgoingOptions } from './outgoing/outgoing-webhooks.js';
import { InboundWebhooks } from './webhooks/inbound.js';
import { Syncs, type SyncsOptions } from './sync/syncs.js';
import { Metrics } from './metrics/metrics.js';
import { Tracing, type TracingOptions } from './telemetry/tracing.js';
import { Alerts, slackChannel } from './health/alerts.js';
import { HealthMonitor, type HealthOptions } from './health/monitor.js';
import { JobQueue } from './runs/job-queue.js';
import { RunExecutor, type RunExecutorOptions } from './runs/executor.js';
import { Runs, type RunView } from './runs/runs.js';
import { isRepeatable, repeatRuns } from './runs/actions.js';
import { UnifiedActions } from './unified/unified-actions.js';

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
  /**
   * How long a worker holds a run without renewing its lease (default 30 s): a crashed worker's
   * runs resume elsewhere this long after it died.
   */
  runLeaseMs?: number;
  /** Token renewal and Connect session settings; each has a safe default. */
  oauth?: TokenManagerOptions & ConnectSessionsOptions;
  /** Outgoing webhook delivery: retry schedule, timeout, breaker; each has a safe default. */
  outgoing?: OutgoingOptions;
  /** Sync run tuning (batch size, page deadline, staleness); safe defaults. */
  syncs?: SyncsOptions;
  /** Health checks, detectors and alert rules (each has a safe default), and where alerts go. */
  /** OpenTelemetry traces over OTLP/HTTP (docs/monitoring.md); none when absent. */
  tracing?: TracingOptions;
  health?: HealthOptions & {
    /**
     * A Slack-compatible incoming webhook URL for alert notices (`JOINERY_ALERT_SLACK_URL`): a
     * secret, revealed only to send.
     */
    alertSlackUrl?: Secret<string>;
  };
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
  /** Outgoing webhooks to the app: endpoints, the outbox (`emit`) and its dispatcher. */
  readonly outgoing: OutgoingWebhooks;
  /** Runs and deliveries that exhausted their retries. */
  readonly deadLetters: DeadLetters;
  /** Record syncs and their change stream (docs/syncs.md). */
  readonly syncs: Syncs;
  /** Async actions and flows: runs on pg-boss, persisted step by step. */
  readonly runs: Runs;
  readonly jobs: JobQueue;
  readonly #db: Database;
  readonly #logger: Logger;
  #executor: RunExecutor | null = null;
  readonly #runLeaseMs: number;
  /** Prometheus metrics (`/metrics`), in a registry of this engine's own. */
  readonly metrics: Metrics;
  /** OpenTelemetry traces, when an OTLP endpoint is configured; null otherwise. */
  readonly tracing: Tracing | null;
  /** Alerts: firing and resolved, with one notice each. */
  readonly alerts: Alerts;
  /** Scheduled health checks, state transitions with reasons, silent-failure detectors. */
  readonly health: HealthMonitor;
  readonly #transport: Transport;
  readonly #pipeline: CallPipeline;
  readonly #actions: ActionRunner;
  /** Unified actions (`contacts.*`) and each connection's mapping overrides (docs/data.md). */
  readonly unified: UnifiedActions;

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
    this.deadLetters = new DeadLetters(options.db);
    this.outgoing = new OutgoingWebhooks(
      {
        db: options.db,
        cipher: options.cipher,
        deadLetters: this.deadLetters,
        logger: options.logger,
      },
      options.outgoing,
    );
    this.events = new Events(options.db, this.outgoing);
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
        logger: options.logger,
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
    this.metrics = new Metrics();
    this.requestLog.onEntry((entry) => this.metrics.observeExchange(entry));
    const tracing = options.tracing ? new Tracing(options.tracing, options.logger) : null;
    this.tracing = tracing;
    if (tracing) this.requestLog.onEntry((entry) => tracing.recordExchange(entry));
    this.tokens.onOutcome = (outcome) => {
      if (outcome.kind === 'refreshed' || outcome.kind === 'failed' || outcome.kind === 'revoked')
        this.metrics.tokenRefresh(outcome.row.integrationKey, outcome.kind);
    };
    this.alerts = new Alerts(options.db, options.logger, this.metrics);
    if (options.health?.alertSlackUrl)
      this.alerts.addChannel(slackChannel(options.health.alertSlackUrl));
    this.alerts.addChannel({
      name: 'outgoing_webhooks',
      send: (notice, environmentId) =>
        this.outgoing.emit(environmentId, {
          id: `${notice.alert.id}_${notice.kind}`,
          type: `alert.${notice.kind}`,
          data: { ...notice.alert },
        }),
    });
    const pipeline = this.#pipeline;
    this.health = new HealthMonitor(
      {
        db: options.db,
        logger: options.logger,
        metrics: this.metrics,
        alerts: this.alerts,
        connections: this.connections,
        breakers: () => pipeline.breakerStates(),
        flushLog: () => this.requestLog.flush(),
        runCheck: async (environmentId, connectionId, timeoutMs) => {
          const context = await this.connections.context({ environmentId }, connectionId);
          const check = context.connector.healthCheck;
          if (!check) return 'no_check';
          await pipeline.call(
            context,
            { method: check.method, path: check.path },
            { source: 'health_check', timeoutMs },
          );
          return 'checked';
        },
      },
      options.health,
    );
    this.#registerHealthMetrics();
    this.schemaDrift = new SchemaDriftRecorder(options.db, options.logger);
    this.quotas = quotas;
    this.#actions = new ActionRunner(this.#pipeline, this.schemaDrift);
    this.unified = new UnifiedActions(options.db, this.#actions);
    this.webhooks = new InboundWebhooks({
      deliveries: new WebhookDeliveries(options.db),
      integrations: this.integrations,
      connectors: this.connectors,
      logger: options.logger,
      onDelivery: async (tx, delivery) => {
        await this.runs.trigger(
          tx,
          delivery.environmentId,
          { type: 'webhook', integration: delivery.integrationKey, event: delivery.eventType },
          {
            input: {
              deliveryId: delivery.deliveryId,
              eventType: delivery.eventType,
              connectionIds: delivery.connectionIds,
              payload: delivery.payload,
            },
            tenant: delivery.tenants.length === 1 ? (delivery.tenants[0] ?? null) : null,
            trigger: {
              type: 'webhook',
              integration: delivery.integrationKey,
              deliveryId: delivery.deliveryId,
            },
          },
        );
      },
    });
    this.syncs = new Syncs(
      {
        db: options.db,
        connections: this.connections,
        pipeline: this.#pipeline,
        logger: options.logger,
        mappingOverrides: (context) => this.unified.overrides(context),
        emit: (environmentId, event, tx) => this.outgoing.emit(environmentId, event, { db: tx }),
      },
      options.syncs,
    );
    this.#db = options.db;
    this.#logger = options.logger;
    this.#runLeaseMs = options.runLeaseMs ?? 30_000;
    this.jobs = new JobQueue(options.db, options.logger, { leaseMs: this.#runLeaseMs });
    this.runs = new Runs(options.db, this.jobs);
    // Flows triggered by inbound webhooks and connection events start in the transaction that
    // stored the delivery or event.
    const runs = this.runs;
    this.events.onRecorded = async (writer, event) => {
      const trigger = (tx: Database) =>
        runs.trigger(
          tx,
          event.environmentId,
          { type: 'event', event: event.type },
          {
            input: {
              ...event.data,
              type: event.type,
              connectionId: event.connectionId,
              integration: event.integrationKey,
            },
            tenant: event.tenant,
            trigger: { type: 'event', event: event.type, eventId: event.id },
          },
        );
      // Every writer Joinery passes is the database or one of its transactions.
      await trigger(writer as Database);
    };
    this.metrics.registerCollector({
      name: 'joinery_runs',
      help: 'Runs by kind and status (queued, running, waiting, succeeded, failed, cancelled, dead)',
      type: 'gauge',
      labelNames: ['kind', 'status'],
      collect: async () =>
        (await this.runs.counts()).map(({ kind, status, count }) => ({
          labels: { kind, status },
          value: count,
        })),
    });
    this.metrics.registerCollector({
      name: 'joinery_queue_depth',
      help: 'Jobs waiting in the run queue (due now or later)',
      type: 'gauge',
      labelNames: ['queue'],
      collect: async () => [{ labels: { queue: 'runs' }, value: await this.jobs.depth() }],
    });
    this.deadLetters.onReplay('run', (letter) =>
      repeatRuns(options.db, this.jobs, letter.environmentId, letter.refId),
    );
  }

  /**
   * Submits an action to run in the background (`"async": true`): the run is stored and queued in
   * one transaction and its id returned at once; `GET /v1/runs/{id}` has the outcome, and the
   * app's webhook endpoints get `run.succeeded` / `run.failed`.
   */
  async submitAction(
    scope: Scope,
    connectionId: string,
    actionName: string,
    input: unknown,
    options: { idempotencyKey?: string; maxAttempts?: number } = {},
  ): Promise<{ run: RunView; replayed: boolean }> {
    const context = await this.connections.context(scope, connectionId);
    // Refuse an unknown action now, not when a worker gets to it.
    if (!this.unified.action(context, actionName)) findAction(context.connector, actionName);
    const submitted = await this.runs.submitAction(
      scope,
      { id: context.id, tenant: context.tenant },
      actionName,
      input,
      options,
    );
    this.#executor?.wake();
    return submitted;
  }

  /**
   * Starts executing runs in this process (`joinery start` and `joinery worker`); stopped by
   * `close()`. Several processes sharing PostgreSQL share the work; a run never executes on two
   * at once.
   */
  startWorker(options: RunExecutorOptions = {}): RunExecutor {
    if (this.#executor) return this.#executor;
    const executor = new RunExecutor(
      {
        db: this.#db,
        queue: this.jobs,
        runs: this.runs,
        logger: this.#logger,
        runAction: (scope, connectionId, action, input, step) =>
          this.tracing
            ? this.tracing.span(
                `run.step ${action}`,
                { 'joinery.connection_id': connectionId, 'joinery.step_key': step.stepKey },
                () => this.#runStepAction(scope, connectionId, action, input, step),
              )
            : this.#runStepAction(scope, connectionId, action, input, step),
        ...(this.tracing
          ? {
              traceRun: (
                run: { id: string; kind: string; attempt: number },
                work: () => Promise<void>,
              ) =>
                (this.tracing as NonNullable<typeof this.tracing>).span(
                  `run ${run.kind}`,
                  { 'joinery.run_id': run.id, 'joinery.attempt': run.attempt },
                  work,
                ),
            }
          : {}),
        emit: (tx, environmentId, event) => this.outgoing.emit(environmentId, event, { db: tx }),
        resolveDeadLetter: (tx, runId) => this.deadLetters.resolve('run', runId, { db: tx }),
        deadLetter: async (tx, environmentId, run, error) => {
          await this.deadLetters.add(
            {
              environmentId,
              kind: 'run',
              refId: run.id,
              reason: `${run.kind === 'action' ? `action ${run.action ?? ''}` : `flow ${run.flowId ?? ''}`} gave up: ${typeof error.message === 'string' ? error.message : 'failed'}`,
              lastError: error,
              payload: {
                kind: run.kind,
                connectionId: run.connectionId,
                action: run.action,
                flowId: run.flowId,
                input: run.input,
              },
            },
            { db: tx },
          );
        },
      },
      { leaseMs: this.#runLeaseMs, ...options },
    );
    this.#executor = executor;
    executor.start();
    return executor;
  }

  /**
   * An action as a run's step. `stepKey` is the same for every execution of the step. A repeatable
   * action (a read, an idempotent method, or a provider that takes an idempotency key) is simply
   * executed again, with a provider key derived from the step. Any other write goes through
   * Joinery's idempotency store under the step's key, so a result the provider gave before a crash
   * is replayed, not re-sent; and when a worker died while such a write was in flight, the step is
   * not guessed at: it fails as "may have taken effect" and the run becomes a dead letter.
   */
  /** Lets this process's worker fetch a just-submitted run now rather than at its next poll. */
  wakeWorker(): void {
    this.#executor?.wake();
  }

  async #runStepAction(
    scope: Scope,
    connectionId: string,
    actionName: string,
    input: unknown,
    step: { stepKey: string; uncertain: boolean; signal: AbortSignal },
  ): Promise<unknown> {
    const context = await this.connections.context(scope, connectionId);
    const action =
      this.unified.action(context, actionName, { signal: step.signal }) ??
      findAction(context.connector, actionName);
    if (isRepeatable(context.connector, action)) {
      const result = await this.#actions.run(context, action, input, {
        signal: step.signal,
        idempotencyKey: providerIdempotencyKey(scope.environmentId, step.stepKey),
      });
      return result.output;
    }
    const key = `run:${step.stepKey}`;
    if (
      step.uncertain &&
      (await this.idempotency.state(scope.environmentId, key)) === 'in_progress'
    )
      throw new JoineryError(
        'conflict',
        `the worker executing "${actionName}" stopped while the request was in flight, and ${context.connector.name} takes no idempotency key: the write may have taken effect. Check ${context.connector.name}, then replay the dead letter to send it again.`,
        { retryable: false, connectionId, details: { uncertain: true } },
      );
    const result = await this.runAction(scope, connectionId, actionName, input, {
      signal: step.signal,
      idempotencyKey: key,
    });
    return result.output;
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
    const action =
      this.unified.action(context, actionName, options) ??
      findAction(context.connector, actionName);
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
        idempotencyKey: providerIdempotencyKey(scope.environmentId, key),
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

  /** Connection states, firing alerts and breaker states, read when Prometheus scrapes. */
  #registerHealthMetrics(): void {
    this.metrics.registerCollector({
      name: 'joinery_connections',
      help: 'Connections by integration and state (healthy, degraded, needs_reauth, disabled).',
      type: 'gauge',
      labelNames: ['integration', 'state'],
      collect: async () =>
        (await this.health.stateCounts()).map((r) => ({
          labels: { integration: r.integration, state: r.state },
          value: r.count,
        })),
    });
    this.metrics.registerCollector({
      name: 'joinery_alerts_firing',
      help: 'Alerts firing now, by rule.',
      type: 'gauge',
      labelNames: ['rule'],
      collect: async () =>
        (await this.alerts.firingCounts()).map((r) => ({
          labels: { rule: r.rule },
          value: r.count,
        })),
    });
    this.metrics.registerCollector({
      name: 'joinery_circuit_breaker_state',
      help: "This process's circuit breakers: 1 for the state each integration's breaker is in (closed, open, half_open; the worst across environments), 0 for the others.",
      type: 'gauge',
      labelNames: ['integration', 'state'],
      collect: () => {
        // Breakers are kept per environment and integration; the gauge shows, per integration, the
        // worst of them, so an open breaker in one environment is never hidden by another's.
        const rank = { closed: 0, half_open: 1, open: 2 } as const;
        const worst = new Map<string, keyof typeof rank>();
        for (const b of this.#pipeline.breakerStates()) {
          const seen = worst.get(b.integrationKey);
          if (seen === undefined || rank[b.state] > rank[seen])
            worst.set(b.integrationKey, b.state);
        }
        return [...worst].flatMap(([integration, current]) =>
          (['closed', 'open', 'half_open'] as const).map((state) => ({
            labels: { integration, state },
            value: current === state ? 1 : 0,
          })),
        );
      },
    });
  }

  async close(): Promise<void> {
    await this.syncs.close();
    await this.health.stop();
    await this.#executor?.stop();
    await this.jobs.stop();
    await this.tokens.stop();
    await this.schemaDrift.close();
    await this.quotas.close();
    await this.requestLog.close();
    await this.#transport.close();
    await this.outgoing.close();
    await this.tracing?.shutdown();
  }
}

/** The key a provider sees for one of Joinery's idempotency keys: derived, scoped to the environment. */
function providerIdempotencyKey(environmentId: string, key: string): string {
  return `joinery-${requestHash({ environment: environmentId, key }).slice(0, 40)}`;
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
