import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { connectSessions, connections, type Database, type StoredError } from '@joinery/store';
import { z } from 'zod';
import type { ConnectorRegistry } from '../connector/registry.js';
import type { ConnectorDefinition } from '../connector/types.js';
import type { CredentialCipher } from '../credential-cipher.js';
import { JoineryError, isJoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { Integrations } from '../integrations.js';
import { Secret } from '../secret.js';
import { parseOrThrow } from '../validation.js';
import { oauthClientConfig } from './client-config.js';
import {
  TokenEndpointError,
  authorizationUrl,
  callbackParameters,
  codeChallengeOf,
  exchangeCode,
  newCodeVerifier,
  newState,
  type OAuthClientConfig,
  type TokenFailure,
} from './token-endpoint.js';
import { tokensFromResponse, type IssuedTokens } from './token-set.js';

type SessionRow = typeof connectSessions.$inferSelect;
type ConnectionRow = typeof connections.$inferSelect;

export const connectSessionInput = z.object({
  integration: z.string().min(1),
  tenant: z.string().min(1).max(200),
  /** Re-authorise this connection in place (a reconnect session), keeping its id. */
  connectionId: z.string().min(1).optional(),
  /** The app's origin: the popup posts its result there (`window.opener.postMessage`). */
  origin: z.url({ protocol: /^https?$/, message: 'must be an http(s) origin' }).optional(),
});

export interface ConnectSessionView {
  id: string;
  url: string;
  expiresAt: string;
  integration: string;
  tenant: string;
  connectionId: string | null;
}

/** Why a Connect page cannot go on, in words for the person in front of it. */
export type ConnectFailureReason =
  | 'session_unknown'
  | 'session_expired'
  | 'session_used'
  | 'state_unknown'
  | 'browser_mismatch'
  | 'invalid_callback'
  | 'access_denied'
  | 'provider_error'
  | 'code_rejected'
  | 'client_rejected'
  | 'provider_unavailable'
  | 'provider_invalid_response'
  | 'account_unusable'
  | 'not_configured'
  | 'connection_gone';

export interface ConnectFailure {
  reason: ConnectFailureReason;
  title: string;
  message: string;
  /** The Connect link to start again with, when that can succeed. */
  retryUrl: string | null;
  /** Where the popup result goes, when known. */
  origin: string | null;
}

export interface ConnectPageView {
  providerName: string;
  integration: string;
  tenant: string;
  scopes: string[];
  reconnect: boolean;
  /** Why the tenant is here again: the last failed attempt, or why the connection stopped working. */
  problem: string | null;
  /** The provider's origin (the page's form leads there). */
  providerOrigin: string;
  /** Where the page's form posts to start the flow (the link itself). */
  continueUrl: string;
}

export interface ConnectSuccess {
  connectionId: string;
  integration: string;
  tenant: string;
  providerName: string;
  reauthorized: boolean;
  origin: string | null;
}

/** How the Connect page stores a newly authorised connection; see `Connections.storeAuthorized`. */
export type StoreAuthorized = (input: {
  environmentId: string;
  integrationKey: string;
  tenant: string;
  /** Set for a reconnect: the connection re-authorised in place. */
  connectionId: string | null;
  issued: IssuedTokens;
  /** Runs in the transaction that stores the connection (marks the session completed). */
  onStored: (tx: Pick<Database, 'update'>, connectionId: string) => Promise<void>;
}) => Promise<{ connectionId: string; reauthorized: boolean }>;

export interface ConnectSessionsOptions {
  /** How long a Connect link stays valid. Defaults to 30 minutes. */
  ttlMs?: number;
  /** A reconnect link is handed out again while it has at least this long left. Defaults to 10 minutes. */
  reuseMarginMs?: number;
}

export interface ConnectSessionsDeps {
  db: Database;
  cipher: CredentialCipher;
  connectors: ConnectorRegistry;
  integrations: Integrations;
  publicUrl: () => string;
  tokenRequestTimeoutMs: number;
  storeAuthorized: StoreAuthorized;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

export const BINDING_COOKIE_PREFIX = 'joinery_connect_';

/**
 * Hosted Connect sessions: a single-use, unguessable, expiring link runs the authorization code
 * flow with PKCE (S256) and a single-use `state`, bound to the browser that started it, and
 * creates the connection (or re-authorises one in place). Only digests of the link token, the
 * state and the browser binding are looked up; the link token and the PKCE verifier are sealed.
 */
export class ConnectSessions {
  readonly #deps: ConnectSessionsDeps;
  readonly #ttlMs: number;
  readonly #reuseMarginMs: number;

  constructor(deps: ConnectSessionsDeps, options: ConnectSessionsOptions = {}) {
    this.#deps = deps;
    this.#ttlMs = options.ttlMs ?? 30 * 60_000;
    this.#reuseMarginMs = options.reuseMarginMs ?? 10 * 60_000;
  }

  /** The redirect URI to register with every provider: `{JOINERY_PUBLIC_URL}/oauth/callback`. */
  redirectUri(): string {
    return `${this.#deps.publicUrl()}/oauth/callback`;
  }

  async create(
    scope: { environmentId: string; tenant?: string },
    raw: unknown,
  ): Promise<ConnectSessionView> {
    const input = parseOrThrow(connectSessionInput, raw, 'body');
    if (scope.tenant !== undefined && scope.tenant !== input.tenant)
      throw new JoineryError(
        'invalid_input',
        `this request is scoped to tenant "${scope.tenant}" but asks to connect tenant "${input.tenant}"`,
        { path: 'body.tenant' },
      );
    const integration = await this.#deps.integrations
      .row(scope.environmentId, input.integration)
      .catch((error: unknown) => {
        if (isJoineryError(error) && error.code === 'not_found')
          throw new JoineryError('invalid_input', error.message, { path: 'body.integration' });
        throw error;
      });
    const connector = this.#deps.connectors.get(integration.connector);
    this.#authorizationConfig(integration, connector, 'body.integration');
    let connectionId: string | null = null;
    if (input.connectionId !== undefined) {
      const rows = await this.#deps.db
        .select()
        .from(connections)
        .where(
          and(
            eq(connections.id, input.connectionId),
            eq(connections.environmentId, scope.environmentId),
          ),
        );
      const row = rows[0];
      if (!row || row.tenant !== input.tenant || row.integrationKey !== input.integration)
        throw new JoineryError(
          'invalid_input',
          `no connection "${input.connectionId}" of integration "${input.integration}" for tenant "${input.tenant}"`,
          { path: 'body.connectionId' },
        );
      if (row.authType !== 'oauth2')
        throw new JoineryError(
          'invalid_input',
          `connection "${row.id}" uses ${row.authType} credentials; only OAuth connections are re-authorised through the Connect page`,
          { path: 'body.connectionId' },
        );
      connectionId = row.id;
    }
    return this.#insert({
      environmentId: scope.environmentId,
      integrationKey: integration.key,
      tenant: input.tenant,
      connectionId,
      origin: input.origin ? new URL(input.origin).origin : null,
    });
  }

  async #insert(values: {
    environmentId: string;
    integrationKey: string;
    tenant: string;
    connectionId: string | null;
    origin: string | null;
  }): Promise<ConnectSessionView> {
    const id = newId('cs');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.#ttlMs);
    await this.#deps.db.insert(connectSessions).values({
      id,
      ...values,
      tokenHash: digest(token),
      token: this.#deps.cipher.seal(new Secret(token), `connect-session:${id}`),
      expiresAt,
    });
    return {
      id,
      url: this.#url(token),
      expiresAt: expiresAt.toISOString(),
      integration: values.integrationKey,
      tenant: values.tenant,
      connectionId: values.connectionId,
    };
  }

  #url(token: string): string {
    return `${this.#deps.publicUrl()}/connect/${token}`;
  }

  /**
   * A link that re-authorises this connection: the pending reconnect session while it has time
   * left, else a new one. Every failing call can carry it without creating a session each time.
   */
  async reconnectUrl(row: ConnectionRow): Promise<string | null> {
    if (row.authType !== 'oauth2') return null;
    const existing = await this.#deps.db
      .select()
      .from(connectSessions)
      .where(
        and(
          eq(connectSessions.connectionId, row.id),
          inArray(connectSessions.status, ['pending', 'authorizing', 'failed']),
          gt(connectSessions.expiresAt, new Date(Date.now() + this.#reuseMarginMs)),
        ),
      )
      .orderBy(desc(connectSessions.expiresAt))
      .limit(1);
    const session = existing[0];
    if (session)
      return this.#url(
        this.#deps.cipher.open(session.token, `connect-session:${session.id}`).reveal(),
      );
    const created = await this.#insert({
      environmentId: row.environmentId,
      integrationKey: row.integrationKey,
      tenant: row.tenant,
      connectionId: row.id,
      origin: null,
    });
    return created.url;
  }

  async #sessionByToken(token: string): Promise<SessionRow | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const rows = await this.#deps.db
      .select()
      .from(connectSessions)
      .where(eq(connectSessions.tokenHash, digest(token)));
    return rows[0] ?? null;
  }

  /** What the Connect page shows for a link, or why it cannot be used. */
  async describe(token: string): Promise<{ page: ConnectPageView } | { failure: ConnectFailure }> {
    const session = await this.#sessionByToken(token);
    const unusable = this.#unusable(session);
    if (unusable) return { failure: unusable };
    const live = session as SessionRow;
    const prepared = await this.#prepare(live);
    if ('failure' in prepared) return prepared;
    const { config, connector, connection } = prepared;
    const problem =
      live.status === 'failed' && live.lastError
        ? `The last attempt did not work: ${live.lastError.message}`
        : connection?.state === 'needs_reauth' && connection.lastError
          ? `Access to ${connector.name} stopped working: ${connection.lastError.message}`
          : null;
    return {
      page: {
        providerName: connector.name,
        integration: live.integrationKey,
        tenant: live.tenant,
        scopes: [...config.scopes],
        reconnect: live.connectionId !== null,
        problem,
        providerOrigin: new URL(config.authorizationUrl as string).origin,
        continueUrl: this.#url(token),
      },
    };
  }

  /**
   * Starts the flow: a fresh `state` and PKCE verifier (any earlier attempt's state stops
   * working), and a browser binding the callback must present. Returns where to send the browser.
   */
  async begin(token: string): Promise<
    | {
        redirectTo: string;
        cookie: { name: string; value: string; path: string; maxAgeSeconds: number };
      }
    | { failure: ConnectFailure }
  > {
    const session = await this.#sessionByToken(token);
    const unusable = this.#unusable(session);
    if (unusable) return { failure: unusable };
    const live = session as SessionRow;
    const prepared = await this.#prepare(live);
    if ('failure' in prepared) return prepared;
    const state = newState();
    const verifier = newCodeVerifier();
    const binding = randomBytes(32).toString('base64url');
    await this.#deps.db
      .update(connectSessions)
      .set({
        status: 'authorizing',
        stateHash: digest(state),
        codeVerifier: this.#deps.cipher.seal(
          new Secret(verifier),
          `connect-session:${live.id}:verifier`,
        ),
        browserBindingHash: digest(binding),
        updatedAt: new Date(),
      })
      .where(eq(connectSessions.id, live.id));
    const url = authorizationUrl(prepared.config, {
      redirectUri: this.redirectUri(),
      state,
      codeChallenge: await codeChallengeOf(verifier),
    });
    return {
      redirectTo: url.toString(),
      cookie: {
        name: `${BINDING_COOKIE_PREFIX}${live.id}`,
        path: new URL(this.redirectUri()).pathname,
        value: binding,
        maxAgeSeconds: Math.max(1, Math.floor((live.expiresAt.getTime() - Date.now()) / 1000)),
      },
    };
  }

  /**
   * The provider's redirect back: checks the state (single use), the browser binding, the answer
   * (`error=access_denied`, `iss`), exchanges the code with the PKCE verifier, and stores the
   * connection. Any failure leaves no connection behind.
   */
  async complete(
    parameters: URLSearchParams,
    cookies: Readonly<Record<string, string>>,
  ): Promise<{ success: ConnectSuccess } | { failure: ConnectFailure }> {
    const state = parameters.get('state');
    if (!state)
      return failure(
        'invalid_callback',
        null,
        null,
        'This page was opened without the answer the provider should have sent back. Start again from the app that sent you here.',
      );
    const found = await this.#deps.db
      .select()
      .from(connectSessions)
      .where(eq(connectSessions.stateHash, digest(state)));
    const session = found[0];
    if (!session) return failure('state_unknown', null, null);
    if (session.expiresAt.getTime() <= Date.now())
      return failure('session_expired', null, session.origin);
    const binding = cookies[`${BINDING_COOKIE_PREFIX}${session.id}`];
    if (!binding || !sameDigest(digest(binding), session.browserBindingHash))
      return failure('browser_mismatch', null, session.origin);
    // Single use: only one request can take the state away.
    const taken = await this.#deps.db
      .update(connectSessions)
      .set({ stateHash: null, status: 'exchanging', updatedAt: new Date() })
      .where(and(eq(connectSessions.id, session.id), eq(connectSessions.stateHash, digest(state))))
      .returning();
    const live = taken[0];
    if (!live) return failure('state_unknown', null, session.origin);
    const token = this.#deps.cipher.open(live.token, `connect-session:${live.id}`).reveal();
    const outcome = await this.#exchange(live, parameters, state).catch(async (error: unknown) => {
      await this.#fail(live, {
        code: 'internal',
        message: 'Joinery failed while finishing the sign-in',
      });
      throw error;
    });
    if ('failure' in outcome) {
      const { reason, message } = outcome.failure;
      await this.#fail(live, { code: reason, message });
      const retry = !['session_expired', 'connection_gone', 'not_configured'].includes(reason);
      return {
        failure: {
          ...outcome.failure,
          retryUrl: retry ? this.#url(token) : null,
          origin: live.origin,
        },
      };
    }
    return { success: { ...outcome.success, origin: live.origin } };
  }

  async #exchange(
    session: SessionRow,
    parameters: URLSearchParams,
    state: string,
  ): Promise<{ success: Omit<ConnectSuccess, 'origin'> } | { failure: ConnectFailure }> {
    const prepared = await this.#prepare(session);
    if ('failure' in prepared) return prepared;
    const { config, connector } = prepared;
    const name = connector.name;
    let callback: URLSearchParams;
    try {
      callback = callbackParameters(config, parameters, state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const description = error.error_description
          ? ` It said: “${error.error_description.slice(0, 300)}”`
          : '';
        if (error.error === 'access_denied')
          return failure(
            'access_denied',
            null,
            null,
            `Access to ${name} was not granted, so nothing was connected. To connect, start again and allow access when ${name} asks.`,
          );
        return failure(
          'provider_error',
          null,
          null,
          `${name} could not complete the sign-in (${error.error}).${description} Nothing was connected; you can start again.`,
        );
      }
      return failure(
        'invalid_callback',
        null,
        null,
        `The answer that came back from ${name} does not check out (${(error as Error).message}), so it was not used and nothing was connected. Start again.`,
      );
    }
    if (!callback.get('code'))
      return failure(
        'invalid_callback',
        null,
        null,
        `${name} sent no authorization code back, so nothing was connected. Start again.`,
      );
    const verifier = session.codeVerifier
      ? this.#deps.cipher
          .open(session.codeVerifier, `connect-session:${session.id}:verifier`)
          .reveal()
      : null;
    if (!verifier) return failure('state_unknown', null, null);
    let issued: IssuedTokens;
    try {
      const response = await exchangeCode(config, callback, this.redirectUri(), verifier, {
        timeoutMs: this.#deps.tokenRequestTimeoutMs,
      });
      issued = tokensFromResponse(response, {
        type: 'oauth2',
        previous: null,
        spec: config.spec,
        now: new Date(),
      });
    } catch (error) {
      if (!(error instanceof TokenEndpointError)) throw error;
      return exchangeFailure(error.failure, name);
    }
    try {
      const stored = await this.#deps.storeAuthorized({
        environmentId: session.environmentId,
        integrationKey: session.integrationKey,
        tenant: session.tenant,
        connectionId: session.connectionId,
        issued,
        onStored: async (tx, connectionId) => {
          await tx
            .update(connectSessions)
            .set({
              status: 'completed',
              resultConnectionId: connectionId,
              codeVerifier: null,
              browserBindingHash: null,
              lastError: null,
              updatedAt: new Date(),
            })
            .where(eq(connectSessions.id, session.id));
        },
      });
      return {
        success: {
          connectionId: stored.connectionId,
          integration: session.integrationKey,
          tenant: session.tenant,
          providerName: name,
          reauthorized: stored.reauthorized,
        },
      };
    } catch (error) {
      if (!isJoineryError(error)) throw error;
      if (error.code === 'not_found') return failure('connection_gone', null, null);
      return failure(
        'account_unusable',
        null,
        null,
        `${name} signed you in, but the account could not be used (${error.message}). Nothing was connected.`,
      );
    }
  }

  async #fail(session: SessionRow, error: { code: string; message: string }): Promise<void> {
    const lastError: StoredError = { ...error, at: new Date().toISOString() };
    await this.#deps.db
      .update(connectSessions)
      .set({ status: 'failed', codeVerifier: null, lastError, updatedAt: new Date() })
      .where(eq(connectSessions.id, session.id));
  }

  #unusable(session: SessionRow | null): ConnectFailure | null {
    if (!session) return failure('session_unknown', null, null).failure;
    if (session.status === 'completed')
      return failure('session_used', null, session.origin).failure;
    if (session.expiresAt.getTime() <= Date.now())
      return failure('session_expired', null, session.origin).failure;
    return null;
  }

  async #prepare(session: SessionRow): Promise<
    | {
        config: OAuthClientConfig;
        connector: ConnectorDefinition;
        connection: ConnectionRow | null;
      }
    | { failure: ConnectFailure }
  > {
    let integration;
    try {
      integration = await this.#deps.integrations.row(
        session.environmentId,
        session.integrationKey,
      );
    } catch (error) {
      if (isJoineryError(error) && error.code === 'not_found')
        return failure('not_configured', null, session.origin);
      throw error;
    }
    const connector = this.#deps.connectors.get(integration.connector);
    let config: OAuthClientConfig;
    try {
      config = this.#authorizationConfig(integration, connector, 'integration');
    } catch (error) {
      if (isJoineryError(error)) return failure('not_configured', null, session.origin);
      throw error;
    }
    let connection: ConnectionRow | null = null;
    if (session.connectionId) {
      const rows = await this.#deps.db
        .select()
        .from(connections)
        .where(eq(connections.id, session.connectionId));
      connection = rows[0] ?? null;
      if (!connection) return failure('connection_gone', null, session.origin);
    }
    return { config, connector, connection };
  }

  #authorizationConfig(
    integration: Awaited<ReturnType<Integrations['row']>>,
    connector: ConnectorDefinition,
    path: string,
  ): OAuthClientConfig {
    if (!connector.auth.some((scheme) => scheme.type === 'oauth2'))
      throw new JoineryError(
        'invalid_input',
        `connector "${connector.id}" does not use the OAuth authorization code flow; create its connections with POST /v1/connections`,
        { path },
      );
    const config = oauthClientConfig(integration, connector, this.#deps.cipher);
    if (!config.authorizationUrl)
      throw new JoineryError(
        'invalid_input',
        `integration "${integration.key}" has no oauth.authorizationUrl, which connector "${connector.id}" needs`,
        { path },
      );
    return config;
  }
}

function sameDigest(a: string, b: string | null): boolean {
  if (b === null || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

const TITLES: Record<ConnectFailureReason, string> = {
  session_unknown: 'This link is not valid',
  session_expired: 'This link has expired',
  session_used: 'This link was already used',
  state_unknown: 'This sign-in cannot be finished',
  browser_mismatch: 'This sign-in was started in another browser',
  invalid_callback: 'The sign-in answer was not valid',
  access_denied: 'Access was not granted',
  provider_error: 'The sign-in did not work',
  code_rejected: 'The sign-in could not be completed',
  client_rejected: "The app's settings were refused",
  provider_unavailable: 'The provider is not answering',
  provider_invalid_response: 'The provider gave an unexpected answer',
  account_unusable: 'The account could not be used',
  not_configured: 'This app is not set up to connect',
  connection_gone: 'There is nothing to reconnect',
};

const DEFAULT_MESSAGES: Partial<Record<ConnectFailureReason, string>> = {
  session_unknown:
    'The link is incomplete or was never issued. Ask the app that sent you here for a new link.',
  session_expired:
    'Links to connect an account are valid for a limited time. Go back to the app that sent you here and start again.',
  session_used:
    'The account was already connected with this link; nothing more to do. You can close this window.',
  state_unknown:
    'The answer from the provider was already used, has expired, or belongs to a sign-in that was not started here. Nothing was connected. Start again from the app that sent you here.',
  browser_mismatch:
    'For your safety the sign-in must finish in the same browser it was started in. Open the link again in this browser and start over.',
  not_configured:
    "The app's connection settings are incomplete, so nothing can be connected yet. Tell the app's support team.",
  connection_gone:
    'The connection this link was meant to repair no longer exists. Ask the app for a new link.',
};

function failure(
  reason: ConnectFailureReason,
  retryUrl: string | null,
  origin: string | null,
  message?: string,
): { failure: ConnectFailure } {
  return {
    failure: {
      reason,
      title: TITLES[reason],
      message: message ?? DEFAULT_MESSAGES[reason] ?? 'Nothing was connected. Start again.',
      retryUrl,
      origin,
    },
  };
}

function exchangeFailure(failed: TokenFailure, name: string): { failure: ConnectFailure } {
  switch (failed.kind) {
    case 'rejected':
      if (failed.error === 'invalid_client' || failed.error === 'unauthorized_client')
        return failure(
          'client_rejected',
          null,
          null,
          `${name} did not accept this app's OAuth client ID or secret (${failed.error}), so nothing was connected. The app's developers need to correct its settings; please let them know.`,
        );
      return failure(
        'code_rejected',
        null,
        null,
        `${name} did not accept the sign-in (${failed.error}${failed.description ? `: ${failed.description}` : ''}); it may have expired or been used already. Nothing was connected. Start again.`,
      );
    case 'unavailable':
      return failure(
        'provider_unavailable',
        null,
        null,
        `${name} did not answer when Joinery tried to finish the sign-in (${failed.message}). Nothing was connected. Try again in a few minutes.`,
      );
    case 'invalid_response':
      return failure(
        'provider_invalid_response',
        null,
        null,
        `${name}'s token service gave an answer that is not a token (${failed.message}). Nothing was connected. The app's OAuth settings may point to the wrong address; please let its developers know.`,
      );
    case 'blocked':
      return failure(
        'not_configured',
        null,
        null,
        `The app's OAuth token address is not allowed: ${failed.message}`,
      );
  }
}
