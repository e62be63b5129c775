import { and, asc, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import { connections, type Database, type StoredError } from '@joinery/store';
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connector/registry.js';
import type { CredentialCipher } from '../credential-cipher.js';
import { JoineryError, isJoineryError, type ErrorCode } from '../errors.js';
import type { Integrations } from '../integrations.js';
import { isOAuthCredentials, type Credentials, type OAuthTokens } from '../outbound/auth.js';
import type { ConnectionContext } from '../outbound/pipeline.js';
import { Secret } from '../secret.js';
import { oauthClientConfig } from './client-config.js';
import type { Events } from './events.js';
import { isExpired, refreshDecision, type RefreshTrigger } from './refresh-decision.js';
import {
  TokenEndpointError,
  clientCredentialsGrant,
  describeTokenFailure,
  refreshGrant,
  type OAuthClientConfig,
  type TokenFailure,
} from './token-endpoint.js';
import { refreshBackoffMs, tokensFromResponse, type IssuedTokens } from './token-set.js';

type Row = typeof connections.$inferSelect;
type Writer = Pick<Database, 'select' | 'update' | 'insert'>;

export const OAUTH_AUTH_TYPES = ['oauth2', 'oauth2_client_credentials'] as const;

/** Options of the token manager; each wait is bounded. */
export interface TokenManagerOptions {
  /** Hard deadline for one token endpoint exchange. Defaults to 10 s. */
  tokenRequestTimeoutMs?: number;
  /**
   * How long a process waits for another process's refresh of the same connection (PostgreSQL
   * row lock). Defaults to the token deadline plus 5 s, so a waiter outlasts any holder.
   */
  lockTimeoutMs?: number;
  /** Attempts per refresh while the token endpoint is unreachable or answers 5xx. Defaults to 3. */
  attempts?: number;
  /** Wait before the second attempt; multiplied by 4 for each further one. Defaults to 250 ms. */
  retryDelayMs?: number;
  /** Connections renewed by one scheduler sweep, at most. Defaults to 200. */
  sweepBatch?: number;
  /** Refreshes run at once by one sweep. Defaults to 4. */
  sweepConcurrency?: number;
}

const defaultOptions = {
  tokenRequestTimeoutMs: 10_000,
  attempts: 3,
  retryDelayMs: 250,
  sweepBatch: 200,
  sweepConcurrency: 4,
};

export interface TokenManagerDeps {
  db: Database;
  /** PostgreSQL: a row lock makes refresh single-flight across processes. PGlite: one process only. */
  storeKind: 'pglite' | 'postgres';
  cipher: CredentialCipher;
  connectors: ConnectorRegistry;
  integrations: Integrations;
  events: Events;
  logger: Logger;
  redirectUri: () => string;
  /** A Connect page link that re-authorises the connection, or null when there is none to give. */
  reconnectUrl: (row: Row) => Promise<string | null>;
}

/** What one refresh came to, with the connection row as it stands afterwards. */
export type RefreshOutcome =
  | { kind: 'refreshed'; row: Row; tokens: OAuthTokens; reason: string }
  /** Nothing to do: the stored token is fresh (renewed by another call or process) or not due. */
  | { kind: 'current'; row: Row; tokens: OAuthTokens; reason: string }
  /** The provider's 401 is not a refresh signal for this connector. */
  | { kind: 'declined'; row: Row; tokens: OAuthTokens; reason: string }
  /** The token endpoint could not be used; the connection is degraded, not revoked. */
  | { kind: 'failed'; row: Row; tokens: OAuthTokens; error: JoineryError; retryable: boolean }
  /** The provider refused the grant: the connection needs re-authorisation. */
  | { kind: 'revoked'; row: Row; error: JoineryError };

export interface SweepReport {
  due: number;
  refreshed: number;
  failed: number;
  revoked: number;
}

/**
 * Keeps OAuth connections authorised: renews tokens ahead of expiry (on the call path and by a
 * scheduler), once after a 401, and for idle refresh tokens; one refresh per connection at a time
 * in this process (a map of in-flight promises) and, on PostgreSQL, across processes (a row lock
 * held for the token request, bounded by its deadline, the new tokens written before release).
 */
export class TokenManager {
  readonly #deps: TokenManagerDeps;
  readonly #options: Required<TokenManagerOptions>;
  readonly #inflight = new Map<string, Promise<RefreshOutcome>>();
  #timer: NodeJS.Timeout | null = null;
  #sweeping: Promise<void> | null = null;
  #horizonMs = 0;

  constructor(deps: TokenManagerDeps, options: TokenManagerOptions = {}) {
    this.#deps = deps;
    const merged = { ...defaultOptions, ...options };
    this.#options = {
      ...merged,
      lockTimeoutMs: options.lockTimeoutMs ?? merged.tokenRequestTimeoutMs + 5_000,
    };
  }

  /** Told of every refresh's outcome, once per refresh (callers sharing one in-flight refresh count once). */
  onOutcome: ((outcome: RefreshOutcome) => void) | null = null;

  get tokenRequestTimeoutMs(): number {
    return this.#options.tokenRequestTimeoutMs;
  }

  /** The pipeline's seam: after a 401 on a refreshable connection, renew once and swap the credentials in place. */
  readonly refresher = async (context: ConnectionContext, reason: JoineryError): Promise<void> => {
    const credentials = context.credentials.reveal();
    if (!isOAuthCredentials(credentials)) throw reason;
    const outcome = await this.refresh(context.id, {
      kind: 'rejected',
      accessToken: credentials.accessToken,
    });
    switch (outcome.kind) {
      case 'refreshed':
      case 'current':
        applyToContext(context, outcome.row, outcome.tokens);
        return;
      case 'declined':
        throw reason;
      case 'failed':
      case 'revoked':
        throw outcome.error.withContext({ connectionId: context.id });
    }
  };

  /**
   * The credentials a call may use now: renewed first when due. A connection that needs
   * re-authorisation fails fast (nothing is sent). When the provider cannot renew, the current
   * token is still used while it is valid.
   */
  async usable(row: Row, tokens: OAuthTokens): Promise<{ row: Row; tokens: OAuthTokens }> {
    if (row.state === 'needs_reauth') {
      const retryClient =
        tokens.type === 'oauth2_client_credentials' && (await this.#integrationChangedSince(row));
      if (!retryClient) throw await this.#needsReauthError(row);
    }
    const now = Date.now();
    const timing = timingOf(row, tokens, now);
    const decision = refreshDecision(
      timing,
      row.state === 'needs_reauth'
        ? { kind: 'retry', accessToken: tokens.accessToken }
        : { kind: 'due', horizonMs: 0, source: 'call' },
      { refreshOn401: true },
    );
    if (!decision.refresh) return { row, tokens };
    const outcome = await this.refresh(
      row.id,
      row.state === 'needs_reauth'
        ? { kind: 'retry', accessToken: tokens.accessToken }
        : { kind: 'due', horizonMs: 0, source: 'call' },
    );
    switch (outcome.kind) {
      case 'refreshed':
      case 'current':
      case 'declined':
        return { row: outcome.row, tokens: outcome.tokens };
      case 'revoked':
        throw outcome.error;
      case 'failed':
        if (
          !isExpired({ now: Date.now(), issuedAt: timing.issuedAt, expiresAt: timing.expiresAt })
        ) {
          this.#deps.logger.warn(
            { connectionId: row.id, decision: 'use_current_token', error: outcome.error.message },
            'token renewal failed; the current access token is still valid and is used until it expires',
          );
          return { row: outcome.row, tokens: outcome.tokens };
        }
        throw outcome.error;
    }
  }

  /** One refresh per connection at a time in this process; callers arriving meanwhile share it. */
  async refresh(connectionId: string, trigger: RefreshTrigger): Promise<RefreshOutcome> {
    const running = this.#inflight.get(connectionId);
    if (running) {
      const shared = await running;
      // A 401 for the very token the shared refresh kept (it was not due) still needs a renewal.
      const stillRejected =
        trigger.kind === 'rejected' &&
        (shared.kind === 'current' || shared.kind === 'declined') &&
        shared.tokens.accessToken === trigger.accessToken;
      if (!stillRejected) return shared;
    }
    const started = this.#withRetries(connectionId, trigger)
      .then((outcome) => {
        this.onOutcome?.(outcome);
        return outcome;
      })
      .finally(() => {
        if (this.#inflight.get(connectionId) === started) this.#inflight.delete(connectionId);
      });
    this.#inflight.set(connectionId, started);
    return started;
  }

  async #withRetries(connectionId: string, first: RefreshTrigger): Promise<RefreshOutcome> {
    let trigger = first;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(connectionId, trigger);
      if (outcome.kind !== 'failed' || !outcome.retryable || attempt >= this.#options.attempts)
        return outcome;
      const waitMs = this.#options.retryDelayMs * 4 ** (attempt - 1);
      this.#deps.logger.info(
        { connectionId, decision: 'retry_refresh', attempt, waitMs, reason: outcome.error.message },
        'token endpoint unavailable; retrying the refresh',
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      // Renew unless someone else did meanwhile (the failure moved the due time into a backoff).
      trigger = { kind: 'retry', accessToken: outcome.tokens.accessToken };
    }
  }

  async #attempt(connectionId: string, trigger: RefreshTrigger): Promise<RefreshOutcome> {
    if (this.#deps.storeKind === 'pglite') {
      // One process, one connection: a transaction held across the token request would stall
      // every other query of this process. The in-flight map already makes it single-flight.
      return this.#decideAndRefresh(
        this.#deps.db,
        await this.#readRow(connectionId),
        trigger,
        false,
      );
    }
    try {
      return await this.#deps.db.transaction(async (tx) => {
        await tx.execute(
          sql.raw(`SET LOCAL lock_timeout = '${Math.round(this.#options.lockTimeoutMs)}ms'`),
        );
        const rows = await tx
          .select()
          .from(connections)
          .where(eq(connections.id, connectionId))
          .for('update');
        return this.#decideAndRefresh(tx, requireRow(rows[0], connectionId), trigger, true);
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== '55P03' && !isLockTimeout(error)) throw error;
      // Another process held the lock past our patience: use what it stored if it is good.
      const row = await this.#readRow(connectionId);
      const tokens = this.#open(row);
      const decision = refreshDecision(timingOf(row, tokens, Date.now()), trigger, {
        refreshOn401: true,
      });
      if (!decision.refresh)
        return { kind: 'current', row, tokens, reason: 'renewed by another process' };
      return {
        kind: 'failed',
        row,
        tokens,
        retryable: true,
        error: new JoineryError(
          'provider_unavailable',
          `another Joinery process has been renewing connection ${connectionId}'s token for over ${this.#options.lockTimeoutMs} ms; try again shortly`,
          { connectionId },
        ),
      };
    }
  }

  async #decideAndRefresh(
    writer: Writer,
    row: Row,
    trigger: RefreshTrigger,
    locked: boolean,
  ): Promise<RefreshOutcome> {
    const tokens = this.#open(row);
    if (row.state === 'needs_reauth' && tokens.type === 'oauth2')
      return { kind: 'revoked', row, error: await this.#needsReauthError(row) };
    const integration = await this.#deps.integrations.row(row.environmentId, row.integrationKey);
    const connector = this.#deps.connectors.get(integration.connector);
    const refreshOn401 = connector.oauth?.refreshOn401 ?? true;
    const decision = refreshDecision(timingOf(row, tokens, Date.now()), trigger, { refreshOn401 });
    if (!decision.refresh) {
      return {
        kind: decision.declined ? 'declined' : 'current',
        row,
        tokens,
        reason: decision.reason,
      };
    }
    if (tokens.type === 'oauth2' && !tokens.refreshToken) {
      return this.#markRevoked(writer, row, {
        kind: 'rejected',
        error: 'no_refresh_token',
        description: 'the provider issued no refresh token, so the access token cannot be renewed',
        status: 0,
      });
    }
    let config: OAuthClientConfig;
    try {
      config = oauthClientConfig(integration, connector, this.#deps.cipher);
    } catch (error) {
      if (!isJoineryError(error)) throw error;
      return this.#markFailed(writer, row, tokens, error, false);
    }
    const started = performance.now();
    let issued: IssuedTokens;
    try {
      const response =
        tokens.type === 'oauth2'
          ? await refreshGrant(config, tokens.refreshToken as string, this.#deps.redirectUri(), {
              timeoutMs: this.#options.tokenRequestTimeoutMs,
            })
          : await clientCredentialsGrant(config, {
              timeoutMs: this.#options.tokenRequestTimeoutMs,
            });
      issued = tokensFromResponse(response, {
        type: tokens.type,
        previous: tokens,
        spec: config.spec,
        now: new Date(),
      });
    } catch (error) {
      if (!(error instanceof TokenEndpointError)) throw error;
      const failure = error.failure;
      if (failure.kind === 'rejected') {
        // A lost race is not a revocation: without the lock another call may have rotated the
        // refresh token between our read and our request. Re-read before concluding.
        if (!locked) {
          const now = await this.#readRow(row.id);
          const stored = this.#open(now);
          if (
            stored.refreshToken !== tokens.refreshToken ||
            stored.accessToken !== tokens.accessToken
          )
            return { kind: 'current', row: now, tokens: stored, reason: 'renewed by another call' };
        }
        return this.#markRevoked(writer, row, failure, config);
      }
      return this.#markFailed(
        writer,
        row,
        tokens,
        tokenFailureError(failure, config.providerName, row.id),
        failure.kind === 'unavailable' && !failure.maybeDelivered,
      );
    }
    const updated = await writer
      .update(connections)
      .set({
        credentials: this.#deps.cipher.seal(new Secret(JSON.stringify(issued.credentials)), row.id),
        tokenIssuedAt: issued.issuedAt,
        tokenExpiresAt: issued.expiresAt,
        refreshDueAt: issued.refreshDueAt,
        refreshFailures: 0,
        settings: { ...row.settings, ...issued.settings },
        ...(row.state === 'degraded' || row.state === 'needs_reauth'
          ? { state: 'healthy', lastError: null }
          : {}),
        updatedAt: new Date(),
      })
      .where(eq(connections.id, row.id))
      .returning();
    this.#deps.logger.info(
      {
        connectionId: row.id,
        decision: 'refreshed',
        reason: decisionReason(trigger, decision.reason),
        durationMs: Math.round(performance.now() - started),
        expiresAt: issued.expiresAt?.toISOString() ?? null,
      },
      'renewed OAuth token',
    );
    return {
      kind: 'refreshed',
      row: requireRow(updated[0], row.id),
      tokens: issued.credentials,
      reason: decision.reason,
    };
  }

  async #markRevoked(
    writer: Writer,
    row: Row,
    failure: Extract<TokenFailure, { kind: 'rejected' }>,
    config?: OAuthClientConfig,
  ): Promise<RefreshOutcome> {
    const providerName = config?.providerName ?? 'the provider';
    const said = `${failure.error}${failure.description ? `: ${failure.description}` : ''}`;
    const clientProblem = ['invalid_client', 'unauthorized_client'].includes(failure.error);
    const message = clientProblem
      ? `${providerName} refused integration "${row.integrationKey}"'s OAuth client (${said}); fix oauth.clientId / oauth.clientSecret on the integration`
      : `${providerName} refused the connection's ${row.authType === 'oauth2' ? 'refresh token' : 'client credentials'} (${said})`;
    const lastError: StoredError = { code: 'auth_revoked', message, at: new Date().toISOString() };
    const updated = await writer
      .update(connections)
      .set({ state: 'needs_reauth', lastError, refreshDueAt: null, updatedAt: new Date() })
      .where(eq(connections.id, row.id))
      .returning();
    const after = requireRow(updated[0], row.id);
    if (row.state !== 'needs_reauth') {
      await this.#deps.events.record(
        {
          type: 'connection.needs_reauth',
          environmentId: row.environmentId,
          connectionId: row.id,
          integrationKey: row.integrationKey,
          tenant: row.tenant,
          data: { code: 'auth_revoked', message, providerError: failure.error },
        },
        writer,
      );
    }
    this.#deps.logger.warn(
      { connectionId: row.id, decision: 'needs_reauth', reason: said },
      'OAuth grant refused; the connection needs re-authorisation',
    );
    return { kind: 'revoked', row: after, error: await this.#needsReauthError(after) };
  }

  async #markFailed(
    writer: Writer,
    row: Row,
    tokens: OAuthTokens,
    error: JoineryError,
    retryable: boolean,
  ): Promise<RefreshOutcome> {
    const failures = row.refreshFailures + 1;
    const lastError: StoredError = {
      code: error.code,
      message: error.message,
      at: new Date().toISOString(),
    };
    const updated = await writer
      .update(connections)
      .set({
        state: row.state === 'healthy' ? 'degraded' : row.state,
        lastError,
        refreshFailures: failures,
        refreshDueAt: new Date(Date.now() + refreshBackoffMs(failures)),
        updatedAt: new Date(),
      })
      .where(eq(connections.id, row.id))
      .returning();
    await this.#deps.events.record(
      {
        type: 'connection.refresh_failed',
        environmentId: row.environmentId,
        connectionId: row.id,
        integrationKey: row.integrationKey,
        tenant: row.tenant,
        data: { code: error.code, message: error.message, consecutiveFailures: failures },
      },
      writer,
    );
    this.#deps.logger.warn(
      { connectionId: row.id, decision: 'refresh_failed', failures, reason: error.message },
      'could not renew OAuth token; the connection is degraded',
    );
    return { kind: 'failed', row: requireRow(updated[0], row.id), tokens, error, retryable };
  }

  async #needsReauthError(row: Row): Promise<JoineryError> {
    const why = row.lastError?.message ?? 'the provider refused its credentials';
    if (row.authType === 'oauth2_client_credentials') {
      return new JoineryError(
        'auth_revoked',
        `connection ${row.id} cannot get a token: ${why}. After fixing the integration, the next call tries again.`,
        { connectionId: row.id },
      );
    }
    const url = await this.#deps.reconnectUrl(row);
    return new JoineryError(
      'auth_revoked',
      `connection ${row.id} needs re-authorisation: ${why}. ${url ? `Send tenant "${row.tenant}" this link to reconnect: ${url}` : 'Create a reconnect link with POST /v1/connect-sessions.'}`,
      { connectionId: row.id, ...(url ? { reconnectUrl: url } : {}) },
    );
  }

  async #integrationChangedSince(row: Row): Promise<boolean> {
    const integration = await this.#deps.integrations.row(row.environmentId, row.integrationKey);
    const since = row.lastError ? Date.parse(row.lastError.at) : 0;
    return integration.updatedAt.getTime() > since;
  }

  async #readRow(connectionId: string): Promise<Row> {
    const rows = await this.#deps.db
      .select()
      .from(connections)
      .where(eq(connections.id, connectionId));
    return requireRow(rows[0], connectionId);
  }

  #open(row: Row): OAuthTokens {
    const credentials = JSON.parse(
      this.#deps.cipher.open(row.credentials, row.id).reveal(),
    ) as Credentials;
    if (!isOAuthCredentials(credentials))
      throw new JoineryError('internal', `connection ${row.id} does not hold OAuth tokens`);
    return credentials;
  }

  /** Renews every connection falling due before the next sweep; a report of what it did. */
  async sweep(horizonMs = this.#horizonMs): Promise<SweepReport> {
    const due = await this.#deps.db
      .select({ id: connections.id })
      .from(connections)
      .where(
        and(
          inArray(connections.authType, [...OAUTH_AUTH_TYPES]),
          notInArray(connections.state, ['needs_reauth', 'disabled']),
          lte(connections.refreshDueAt, new Date(Date.now() + horizonMs)),
        ),
      )
      .orderBy(asc(connections.refreshDueAt))
      .limit(this.#options.sweepBatch);
    const report: SweepReport = { due: due.length, refreshed: 0, failed: 0, revoked: 0 };
    const queue = due.map((row) => row.id);
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const outcome = await this.refresh(id, { kind: 'due', horizonMs, source: 'scheduler' });
          if (outcome.kind === 'refreshed') report.refreshed++;
          else if (outcome.kind === 'failed') report.failed++;
          else if (outcome.kind === 'revoked') report.revoked++;
        } catch (error) {
          report.failed++;
          this.#deps.logger.error(
            { err: error, connectionId: id },
            'scheduled token renewal failed',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: this.#options.sweepConcurrency }, worker));
    return report;
  }

  /**
   * Starts the scheduler: every `intervalMs` it renews what falls due before the next sweep (so
   * idle connections stay authorised too). One sweep at a time; the timer does not hold the process.
   */
  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#horizonMs = intervalMs;
    this.#timer = setInterval(() => {
      if (this.#sweeping) return;
      this.#sweeping = this.sweep()
        .then((report) => {
          if (report.due > 0) this.#deps.logger.debug({ ...report }, 'token renewal sweep');
        })
        .catch((error: unknown) => {
          this.#deps.logger.error({ err: error }, 'token renewal sweep failed');
        })
        .finally(() => {
          this.#sweeping = null;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the scheduler and waits for refreshes under way (each bounded by its deadline). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#sweeping;
    await Promise.allSettled([...this.#inflight.values()]);
  }
}

function requireRow(row: Row | undefined, connectionId: string): Row {
  if (!row) throw new JoineryError('not_found', `no connection "${connectionId}"`);
  return row;
}

function isLockTimeout(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause?.code === '55P03';
}

function timingOf(row: Row, tokens: OAuthTokens, now: number) {
  return {
    now,
    issuedAt: row.tokenIssuedAt?.getTime() ?? null,
    expiresAt: row.tokenExpiresAt?.getTime() ?? null,
    refreshDueAt: row.refreshDueAt?.getTime() ?? null,
    accessToken: tokens.accessToken,
  };
}

function decisionReason(trigger: RefreshTrigger, reason: string): string {
  return trigger.kind === 'due' ? `${trigger.source}: ${reason}` : `${trigger.kind}: ${reason}`;
}

/** Puts renewed tokens (and a base URL the provider named) into a call's context. */
export function applyToContext(context: ConnectionContext, row: Row, tokens: OAuthTokens): void {
  context.credentials = new Secret<Credentials>(tokens);
  if (row.settings.baseUrl) context.baseUrl = row.settings.baseUrl;
  context.state = row.state;
  context.refreshable =
    tokens.type === 'oauth2_client_credentials' || tokens.refreshToken !== undefined;
}

/** A token endpoint failure as the error a caller sees. */
export function tokenFailureError(
  failure: TokenFailure,
  providerName: string,
  connectionId?: string,
): JoineryError {
  const code: ErrorCode =
    failure.kind === 'blocked'
      ? 'blocked_destination'
      : failure.kind === 'invalid_response'
        ? 'malformed_response'
        : failure.kind === 'rejected'
          ? 'auth_revoked'
          : failure.maybeDelivered
            ? 'timeout'
            : 'provider_unavailable';
  return new JoineryError(code, describeTokenFailure(failure, providerName), {
    ...(connectionId ? { connectionId } : {}),
    ...(failure.kind !== 'blocked' && failure.status
      ? { details: { status: failure.status } }
      : {}),
  });
}

/** A client credentials grant for a new connection (nothing stored yet). */
export async function issueClientCredentials(
  config: OAuthClientConfig,
  timeoutMs: number,
): Promise<IssuedTokens> {
  const response = await clientCredentialsGrant(config, { timeoutMs });
  return tokensFromResponse(response, {
    type: 'oauth2_client_credentials',
    previous: null,
    spec: config.spec,
    now: new Date(),
  });
}
