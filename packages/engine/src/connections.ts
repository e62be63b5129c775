import { and, asc, eq, type SQL } from 'drizzle-orm';
import { connections, type Database, type StoredError } from '@joinery/store';
import { z } from 'zod';
import type { ConnectorRegistry } from './connector/registry.js';
import type { AuthType } from './connector/types.js';
import type { CredentialCipher } from './credential-cipher.js';
import { JoineryError, isJoineryError } from './errors.js';
import { newId } from './ids.js';
import type { Integrations } from './integrations.js';
import type { Credentials } from './outbound/auth.js';
import { schemeFor } from './outbound/auth.js';
import type { CallPipeline, ConnectionContext } from './outbound/pipeline.js';
import { Secret } from './secret.js';
import { parseOrThrow } from './validation.js';

export const CONNECTION_STATES = ['healthy', 'degraded', 'needs_reauth', 'disabled'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

const credentialsInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(1) }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
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
}

/** Who is asking: the secret key's environment, and optionally one tenant. */
export interface Scope {
  environmentId: string;
  tenant?: string;
}

type Row = typeof connections.$inferSelect;

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

  constructor(
    db: Database,
    connectors: ConnectorRegistry,
    integrations: Integrations,
    cipher: CredentialCipher,
  ) {
    this.#db = db;
    this.#connectors = connectors;
    this.#integrations = integrations;
    this.#cipher = cipher;
  }

  attach(pipeline: CallPipeline): void {
    this.#pipeline = pipeline;
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
    const context: ConnectionContext = {
      id,
      environmentId: scope.environmentId,
      tenant: input.tenant,
      integrationKey: integration.key,
      connector,
      baseUrl: integration.baseUrl ?? connector.baseUrl,
      allowPrivateNetwork: integration.allowPrivateNetwork,
      authType: input.credentials.type,
      // Not stored yet: outcomes of the check are not written back.
      state: 'creating',
      credentials: new Secret<Credentials>(input.credentials),
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
        credentials: this.#cipher.seal(new Secret(JSON.stringify(input.credentials)), id),
        metadata: input.metadata ?? {},
        lastCheckedAt: connector.healthCheck ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return this.#view(rows[0] as Row, connector.id);
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
    return this.#view(row, await this.#connectorOf(scope.environmentId, row.integrationKey));
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
  }

  /** Everything needed to call the provider for this connection, credentials opened. */
  async context(scope: Scope, id: string): Promise<ConnectionContext> {
    const row = await this.#row(scope, id);
    const integration = await this.#integrations.row(scope.environmentId, row.integrationKey);
    const connector = this.#connectors.get(integration.connector);
    const credentials = JSON.parse(
      this.#cipher.open(row.credentials, row.id).reveal(),
    ) as Credentials;
    return {
      id: row.id,
      environmentId: row.environmentId,
      tenant: row.tenant,
      integrationKey: row.integrationKey,
      connector,
      baseUrl: integration.baseUrl ?? connector.baseUrl,
      allowPrivateNetwork: integration.allowPrivateNetwork,
      authType: row.authType as AuthType,
      state: row.state,
      credentials: new Secret(credentials),
      refreshable: false,
    };
  }

  /** Keeps state and last error in step with what the provider says; writes only on a change. */
  async recordOutcome(context: ConnectionContext, error: JoineryError | null): Promise<void> {
    if (context.state === 'creating') return;
    if (error === null) {
      if (context.state === 'healthy') return;
      await this.#db
        .update(connections)
        .set({ state: 'healthy', updatedAt: new Date() })
        .where(eq(connections.id, context.id));
      context.state = 'healthy';
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
    context.state = state;
  }

  #requirePipeline(): CallPipeline {
    if (!this.#pipeline) throw new Error('Connections used before a pipeline was attached');
    return this.#pipeline;
  }
}
