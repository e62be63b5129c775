import { and, asc, eq, type SQL } from 'drizzle-orm';
import { connections, type Database, type StoredError } from '@joinery/store';
import { z } from 'zod';
import type { ConnectorRegistry } from './connector/registry.js';
import type { ConnectorDefinition } from './connector/types.js';
import type { AuthType, DeclaredLimit } from './connector/types.js';
import type { CredentialCipher } from './credential-cipher.js';
import { JoineryError, isJoineryError } from './errors.js';
import { newId } from './ids.js';
import type { Integrations } from './integrations.js';
import type { Credentials, OAuthTokens } from './outbound/auth.js';
import { isOAuthCredentials, schemeFor } from './outbound/auth.js';
import type { Events } from './oauth/events.js';
import type { IssuedTokens } from './oauth/token-set.js';
import type { CallPipeline, ConnectionContext } from './outbound/pipeline.js';
import { Secret } from './secret.js';
import { parseOrThrow } from './validation.js';

export const CONNECTION_STATES = ['healthy', 'degraded', 'needs_reauth', 'disabled'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

const credentialsInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(1) }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
  // A token from the integration's own OAuth client (RFC 6749 §4.4), renewed before it expires.
  z.object({ type: z.literal('oauth2_client_credentials') }),
]);

export const connectionInput = z.object({
  integration: z.string().min(1),
  tenant: z.string().min(1).max(200),
  credentials: credentialsInput,
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export interface ConnectionView {
  id: string;
  integration: string;
  connector: string;
  tenant: string;
  authType: AuthType;
  state: ConnectionState;
  lastError: StoredError | null;
  tokenExpiresAt: string | null;
  lastCheckedAt: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** On one connection's view while it needs re-authorisation: the Connect link that fixes it. */
  reconnectUrl?: string;
}

/** What connections need from the token manager and the Connect sessions; set by the engine. */
export interface OAuthHooks {
  events: Events;
  issueClientCredentials(
    integration: Awaited<ReturnType<Integrations['row']>>,
    connector: ConnectorDefinition,
  ): Promise<IssuedTokens>;
  usable(row: Row, tokens: OAuthTokens): Promise<{ row: Row; tokens: OAuthTokens }>;
  reconnectUrl(row: Row): Promise<string | null>;
}

/** Who is asking: the secret key's environment, and optionally one tenant. */
export interface Scope {
  environmentId: string;
  tenant?: string;
}

type Row = typeof connections.$inferSelect;

const MAX_CACHED_CONTEXTS = 10_000;

// Errors that say something about the connection itself (not about one request's input).
const CONNECTION_LEVEL = new Set([
  'auth_revoked',
  'auth_expired',
  'provider_unavailable',
  'timeout',
  'network',
  'rate_limited',
  'malformed_response',
  'blocked_destination',
]);

export class Connections {
  readonly #db: Database;
  readonly #connectors: ConnectorRegistry;
  readonly #integrations: Integrations;
  readonly #cipher: CredentialCipher;
  #pipeline: CallPipeline | null = null;
  readonly #cache = new Map<string, { context: ConnectionContext; expires: number }>();
  readonly #contextCacheMs: number;

  constructor(
    db: Database,
    connectors: ConnectorRegistry,
    integrations: Integrations,
    cipher: CredentialCipher,
    contextCacheMs = 0,
  ) {
    this.#contextCacheMs = contextCacheMs;
    this.#db = db;
    this.#connectors = connectors;
    this.#integrations = integrations;
    this.#cipher = cipher;
  }

  attach(pipeline: CallPipeline): void {
    this.#pipeline = pipeline;
  }

  #oauth: OAuthHooks | null = null;

  attachOAuth(hooks: OAuthHooks): void {
    this.#oauth = hooks;
  }

  #requireOAuth(): OAuthHooks {
    if (!this.#oauth) throw new Error('Connections used before OAuth was attached');
    return this.#oauth;
  }

  #view(row: Row, connector: string): ConnectionView {
    return {
      id: row.id,
      integration: row.integrationKey,
      connector,
      tenant: row.tenant,
      authType: row.authType as AuthType,
      state: row.state as ConnectionState,
      lastError: row.lastError,
      tokenExpiresAt: row.tokenExpiresAt?.toISOString() ?? null,
      lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
      metadata: row.metadata,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  /**
   * Checks the credentials with the connector's health check before anything is stored: wrong
   * credentials are refused with a clear error and leave no row behind.
   */
  async create(scope: Scope, raw: unknown): Promise<ConnectionView> {
    const input = parseOrThrow(connectionInput, raw, 'body');
    if (scope.tenant !== undefined && scope.tenant !== input.tenant) {
      throw new JoineryError(
        'invalid_input',
        `this request is scoped to tenant "${scope.tenant}" but asks to connect tenant "${input.tenant}"`,
        {
          path: 'body.tenant',
        },
      );
    }
    const integration = await this.#integrations
      .row(scope.environmentId, input.integration)
      .catch((error: unknown) => {
        if (isJoineryError(error) && error.code === 'not_found') {
          throw new JoineryError('invalid_input', `${error.message}`, { path: 'body.integration' });
        }
        throw error;
      });
    const connector = this.#connectors.get(integration.connector);
    schemeFor(connector.auth, input.credentials.type, connector.id);
    const id = newId('conn');
    // Client credentials: a token first (a wrong client secret stops here, nothing stored).
    const issued =
      input.credentials.type === 'oauth2_client_credentials'
        ? await this.#requireOAuth().issueClientCredentials(integration, connector)
        : null;
    const credentials: Credentials = issued
      ? issued.credentials
      : (input.credentials as Exclude<
          typeof input.credentials,
          { type: 'oauth2_client_credentials' }
        >);
    const context: ConnectionContext = {
      id,
      environmentId: scope.environmentId,
      tenant: input.tenant,
      integrationKey: integration.key,
      connector,
      baseUrl: baseUrlOf(issued?.settings.baseUrl, integration, connector),
      allowPrivateNetwork: integration.allowPrivateNetwork,
      ...(integration.rateLimits ? { rateLimits: integration.rateLimits as DeclaredLimit[] } : {}),
      authType: input.credentials.type,
      // Not stored yet: outcomes of the check are not written back.
      state: 'creating',
      credentials: new Secret<Credentials>(credentials),
      refreshable: false,
    };
    if (connector.healthCheck) {
      try {
        await this.#requirePipeline().call(
          context,
          { method: connector.healthCheck.method, path: connector.healthCheck.path },
          { source: 'health_check' },
        );
      } catch (error) {
        if (
          isJoineryError(error) &&
          (error.code === 'auth_revoked' ||
            error.code === 'auth_expired' ||
            error.code === 'provider_rejected')
        ) {
          throw new JoineryError(
            'invalid_input',
            `${connector.name} refused these credentials (${[error.details?.status, error.details?.message].filter(Boolean).join(' ') || error.code}). Nothing was stored: check the ${input.credentials.type.replace('_', ' ')} and try again.`,
            {
              path: 'body.credentials',
              ...(error.details ? { details: error.details } : {}),
              ...(error.requestId ? { requestId: error.requestId } : {}),
            },
          );
        }
        throw error;
      }
    }
    const now = new Date();
    const rows = await this.#db
      .insert(connections)
      .values({
        id,
        environmentId: scope.environmentId,
        integrationKey: integration.key,
        tenant: input.tenant,
        authType: input.credentials.type,
        credentials: this.#cipher.seal(new Secret(JSON.stringify(credentials)), id),
        metadata: input.metadata ?? {},
        lastCheckedAt: connector.healthCheck ? now : null,
        ...(issued ? tokenColumns(issued) : {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const row = rows[0] as Row;
    await this.#oauth?.events.record({
      type: 'connection.created',
      environmentId: row.environmentId,
      connectionId: row.id,
      integrationKey: row.integrationKey,
      tenant: row.tenant,
      data: { authType: row.authType },
    });
    return this.#view(row, connector.id);
  }

  /**
   * Stores a connection the Connect page authorised: checked with the connector's health check
   * first (a failure stores nothing), then created, or re-authorised in place for a reconnect
   * (same id), with its event, in one transaction that also marks the session completed.
   */
  async storeAuthorized(input: {
    environmentId: string;
    integrationKey: string;
    tenant: string;
    connectionId: string | null;
    issued: IssuedTokens;
    onStored: (tx: Pick<Database, 'update'>, connectionId: string) => Promise<void>;
  }): Promise<{ connectionId: string; reauthorized: boolean }> {
    const integration = await this.#integrations.row(input.environmentId, input.integrationKey);
    const connector = this.#connectors.get(integration.connector);
    const id = input.connectionId ?? newId('conn');
    if (connector.healthCheck) {
      await this.#requirePipeline().call(
        {
          id,
          environmentId: input.environmentId,
          tenant: input.tenant,
          integrationKey: integration.key,
          connector,
          baseUrl: baseUrlOf(input.issued.settings.baseUrl, integration, connector),
          allowPrivateNetwork: integration.allowPrivateNetwork,
          ...(integration.rateLimits
            ? { rateLimits: integration.rateLimits as DeclaredLimit[] }
            : {}),
          authType: 'oauth2',
          state: 'creating',
          credentials: new Secret<Credentials>(input.issued.credentials),
          refreshable: false,
        },
        { method: connector.healthCheck.method, path: connector.healthCheck.path },
        { source: 'health_check' },
      );
    }
    const now = new Date();
    const sealed = this.#cipher.seal(new Secret(JSON.stringify(input.issued.credentials)), id);
    const events = this.#requireOAuth().events;
    return this.#db.transaction(async (tx) => {
      if (input.connectionId !== null) {
        const updated = await tx
          .update(connections)
          .set({
            credentials: sealed,
            state: 'healthy',
            lastError: null,
            refreshFailures: 0,
            ...tokenColumns(input.issued),
            lastCheckedAt: connector.healthCheck ? now : null,
            updatedAt: now,
          })
          .where(eq(connections.id, input.connectionId))
          .returning();
        if (!updated[0])
          throw new JoineryError('not_found', `no connection "${input.connectionId}"`);
        this.#cache.delete(input.connectionId);
      } else {
        await tx.insert(connections).values({
          id,
          environmentId: input.environmentId,
          integrationKey: integration.key,
          tenant: input.tenant,
          authType: 'oauth2',
          credentials: sealed,
          ...tokenColumns(input.issued),
          lastCheckedAt: connector.healthCheck ? now : null,
          createdAt: now,
          updatedAt: now,
        });
      }
      await events.record(
        {
          type: input.connectionId !== null ? 'connection.reauthorized' : 'connection.created',
          environmentId: input.environmentId,
          connectionId: id,
          integrationKey: integration.key,
          tenant: input.tenant,
          data: { authType: 'oauth2', scope: input.issued.credentials.scope ?? null },
        },
        tx,
      );
      await input.onStored(tx, id);
      return { connectionId: id, reauthorized: input.connectionId !== null };
    });
  }

  #where(scope: Scope, extra: SQL[] = []): SQL | undefined {
    const where: SQL[] = [eq(connections.environmentId, scope.environmentId), ...extra];
    if (scope.tenant !== undefined) where.push(eq(connections.tenant, scope.tenant));
    return and(...where);
  }

  async #row(scope: Scope, id: string): Promise<Row> {
    const rows = await this.#db
      .select()
      .from(connections)
      .where(this.#where(scope, [eq(connections.id, id)]));
    const row = rows[0];
    // Another tenant's or environment's connection is indistinguishable from a missing one.
    if (!row)
      throw new JoineryError(
        'not_found',
        `no connection "${id}"${scope.tenant === undefined ? '' : ` for tenant "${scope.tenant}"`}`,
      );
    return row;
  }

  async #connectorOf(environmentId: string, integrationKey: string): Promise<string> {
    return (await this.#integrations.row(environmentId, integrationKey)).connector;
  }

  async get(scope: Scope, id: string): Promise<ConnectionView> {
    const row = await this.#row(scope, id);
    const view = this.#view(row, await this.#connectorOf(scope.environmentId, row.integrationKey));
    if (row.state === 'needs_reauth' && this.#oauth) {
      const url = await this.#oauth.reconnectUrl(row);
      if (url) view.reconnectUrl = url;
    }
    return view;
  }

  async list(scope: Scope, filter: { integration?: string } = {}): Promise<ConnectionView[]> {
    const extra = filter.integration ? [eq(connections.integrationKey, filter.integration)] : [];
    const rows = await this.#db
      .select()
      .from(connections)
      .where(this.#where(scope, extra))
      .orderBy(asc(connections.createdAt), asc(connections.id));
    const connectorByIntegration = new Map(
      (await this.#integrations.list(scope.environmentId)).map((i) => [i.key, i.connector]),
    );
    return rows.map((row) =>
      this.#view(row, connectorByIntegration.get(row.integrationKey) ?? 'unknown'),
    );
  }

  async delete(scope: Scope, id: string): Promise<void> {
    await this.#row(scope, id);
    await this.#db.delete(connections).where(this.#where(scope, [eq(connections.id, id)]));
    this.#cache.delete(id);
  }

  /** Forgets cached contexts: one connection's, or all (after an integration changed). */
  invalidate(id?: string): void {
    if (id === undefined) this.#cache.clear();
    else this.#cache.delete(id);
  }

  /**
   * Everything needed to call the provider for this connection, credentials opened. Cached for
   * `contextCacheMs`: two PGlite reads cost ~5 ms, which capped the proxy near 200 requests/s.
   */
  async context(scope: Scope, id: string): Promise<ConnectionContext> {
    const cached = this.#cache.get(id);
    if (
      cached &&
      cached.expires > Date.now() &&
      cached.context.environmentId === scope.environmentId
    ) {
      if (scope.tenant !== undefined && scope.tenant !== cached.context.tenant) {
        throw new JoineryError('not_found', `no connection "${id}" for tenant "${scope.tenant}"`);
      }
      return { ...cached.context };
    }
    const context = await this.#loadContext(scope, id);
    // Renewable credentials change under the token manager; they are always read fresh.
    if (
      !context.refreshable &&
      !context.authType.startsWith('oauth2') &&
      this.#contextCacheMs > 0
    ) {
      if (this.#cache.size >= MAX_CACHED_CONTEXTS)
        this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(id, { context: { ...context }, expires: Date.now() + this.#contextCacheMs });
    }
    return context;
  }

  async #loadContext(scope: Scope, id: string): Promise<ConnectionContext> {
    const row = await this.#row(scope, id);
    if (row.state === 'disabled')
      throw new JoineryError(
        'conflict',
        `connection ${id} is disabled, so no call is made with it; enable it with POST /v1/connections/${id}/enable`,
        { connectionId: id },
      );
    const integration = await this.#integrations.row(scope.environmentId, row.integrationKey);
    const connector = this.#connectors.get(integration.connector);
    let current = row;
    let credentials = JSON.parse(
      this.#cipher.open(row.credentials, row.id).reveal(),
    ) as Credentials;
    let refreshable = false;
    if (isOAuthCredentials(credentials)) {
      // Renewed first when due; a connection that needs re-authorisation fails fast here.
      const usable = await this.#requireOAuth().usable(row, credentials);
      current = usable.row;
      credentials = usable.tokens;
      refreshable =
        credentials.type === 'oauth2_client_credentials' || credentials.refreshToken !== undefined;
    }
    return {
      id: row.id,
      environmentId: row.environmentId,
      tenant: row.tenant,
      integrationKey: row.integrationKey,
      connector,
      baseUrl: baseUrlOf(current.settings.baseUrl, integration, connector),
      allowPrivateNetwork: integration.allowPrivateNetwork,
      ...(integration.rateLimits ? { rateLimits: integration.rateLimits as DeclaredLimit[] } : {}),
      authType: row.authType as AuthType,
      state: current.state,
      credentials: new Secret(credentials),
      refreshable,
    };
  }

  /** Keeps state and last error in step with what the provider says; writes only on a change. */
  async recordOutcome(context: ConnectionContext, error: JoineryError | null): Promise<void> {
    // A disabled connection stays so until the user enables it, whatever its calls say.
    if (context.state === 'creating' || context.state === 'disabled') return;
    if (error === null) {
      if (context.state === 'healthy') return;
      // A connection degraded because its token cannot be renewed stays so until a renewal works.
      await this.#db
        .update(connections)
        .set({ state: 'healthy', updatedAt: new Date() })
        .where(and(eq(connections.id, context.id), eq(connections.refreshFailures, 0)));
      context.state = 'healthy';
      this.#updateCachedState(context.id, 'healthy');
      return;
    }
    if (!CONNECTION_LEVEL.has(error.code)) return;
    const lastError: StoredError = {
      code: error.code,
      message: error.message,
      at: new Date().toISOString(),
    };
    const state = error.code === 'auth_revoked' ? 'needs_reauth' : context.state;
    await this.#db
      .update(connections)
      .set({ state, lastError, updatedAt: new Date() })
      .where(eq(connections.id, context.id));
    if (
      state === 'needs_reauth' &&
      context.state !== 'needs_reauth' &&
      context.authType === 'oauth2'
    ) {
      await this.#oauth?.events.record({
        type: 'connection.needs_reauth',
        environmentId: context.environmentId,
        connectionId: context.id,
        integrationKey: context.integrationKey,
        tenant: context.tenant,
        data: { code: error.code, message: error.message },
      });
    }
    context.state = state;
    this.#updateCachedState(context.id, state);
  }

  #updateCachedState(id: string, state: string): void {
    const cached = this.#cache.get(id);
    if (cached) cached.context.state = state;
  }

  #requirePipeline(): CallPipeline {
    if (!this.#pipeline) throw new Error('Connections used before a pipeline was attached');
    return this.#pipeline;
  }
}

/** The base URL calls go to: one the provider named for this connection, the integration's, or the connector's. */
function baseUrlOf(
  fromProvider: string | undefined,
  integration: { key: string; baseUrl: string | null },
  connector: ConnectorDefinition,
): string {
  const url = fromProvider ?? integration.baseUrl ?? connector.baseUrl;
  if (url === '')
    throw new JoineryError(
      'invalid_input',
      `integration "${integration.key}" has no baseUrl, which connector "${connector.id}" needs`,
    );
  return url;
}

function tokenColumns(issued: IssuedTokens) {
  return {
    tokenIssuedAt: issued.issuedAt,
    tokenExpiresAt: issued.expiresAt,
    refreshDueAt: issued.refreshDueAt,
    settings: issued.settings,
  };
}
