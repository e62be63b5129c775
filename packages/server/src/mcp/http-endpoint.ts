// `/mcp`: MCP over Streamable HTTP, both protocol eras on one URL.
//
// Built on the official MCP TypeScript SDK v2, `@modelcontextprotocol/server` 2.4 (the split
// packages DESIGN.md names: published, stable since 2.0, `engines: node >= 20`), not v1's
// `@modelcontextprotocol/sdk`. `@modelcontextprotocol/node` is not needed: hono already hands us
// web-standard Request/Response, which the SDK's WebStandardStreamableHTTPServerTransport and
// createMcpHandler take as they are; its Host/Origin guards exist web-standard in the server package.
//
// - 2026-07-28 ("modern") requests are stateless: `createMcpHandler` builds a server per request.
//   Tool-list changes reach clients on their `subscriptions/listen` stream; there is one handler
//   (and one event bus) per scope, so a tenant's changes reach only that tenant's sessions.
// - 2025-era requests (`initialize`, then `Mcp-Session-Id`) get a session: one server per session,
//   a standalone SSE stream for `notifications/tools/list_changed`, resumable with `Last-Event-ID`.
//   `isLegacyRequest` (the SDK's own classification) routes between the two.
//
// Every request is checked in this order: Host and Origin against DNS rebinding (403), the
// secret key (401), then the scope (400).
import { randomUUID } from 'node:crypto';
import { JoineryError, isJoineryError, type Engine } from '@joinery/engine';
import {
  InMemoryServerEventBus,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  hostHeaderValidationResponse,
  isInitializeRequest,
  isLegacyRequest,
  originValidationResponse,
  type McpHttpHandler,
  type Server,
  type ServerEvent,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { McpBackend, McpScope } from './backend.js';
import { ConnectionWatcher, onScopeChange, scopeFingerprint } from './connection-watch.js';
import { engineBackend } from './engine-backend.js';
import { SessionEventStore } from './event-store.js';
import { scopeFromRequest, scopeKey } from './scope.js';
import { createToolServer } from './tool-server.js';

export interface McpEndpointOptions {
  engine: Engine;
  version: string;
  logger: Logger;
  /**
   * Host names (no port) this endpoint answers to, read on every request: requests whose `Host`,
   * or `Origin` when present, names another host are refused (DNS rebinding).
   */
  allowedHosts: () => readonly string[];
  /** Most 2025-era sessions open at once. Defaults to 1,000. */
  maxSessions?: number;
  /** A 2025-era session unused this long is closed; its client starts a new one. Defaults to 30 minutes. */
  sessionIdleMs?: number;
  /** How often watched tenants' connections are read for list changes. Defaults to 2 s. */
  watchIntervalMs?: number;
}

/** Largest JSON-RPC body read, as for the rest of the API. */
const MAX_BODY = 1024 * 1024;

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  environmentId: string;
  lastSeen: number;
  stopWatching: () => void;
}

interface ScopeHandler {
  handler: McpHttpHandler;
  bus: WatchingBus;
  lastUsed: number;
}

export class McpEndpoint {
  readonly #engine: Engine;
  readonly #version: string;
  readonly #logger: Logger;
  readonly #allowedHosts: () => readonly string[];
  readonly #maxSessions: number;
  readonly #sessionIdleMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #handlers = new Map<string, ScopeHandler>();
  readonly #watcher: ConnectionWatcher;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: McpEndpointOptions) {
    this.#engine = options.engine;
    this.#version = options.version;
    this.#logger = options.logger;
    this.#allowedHosts = options.allowedHosts;
    this.#maxSessions = options.maxSessions ?? 1_000;
    this.#sessionIdleMs = options.sessionIdleMs ?? 30 * 60_000;
    this.#watcher = new ConnectionWatcher({
      ...(options.watchIntervalMs === undefined ? {} : { intervalMs: options.watchIntervalMs }),
      onError: (error) => this.#logger.warn({ err: error }, 'mcp: reading connections failed'),
    });
    this.#sweeper = setInterval(() => this.#sweep(), 60_000);
    this.#sweeper.unref();
  }

  /** Open 2025-era sessions and 2026 scope handlers, for tests and metrics. */
  get open(): { sessions: number; scopes: number; watchedTenants: number } {
    return {
      sessions: this.#sessions.size,
      scopes: this.#handlers.size,
      watchedTenants: this.#watcher.watched,
    };
  }

  async handle(request: Request): Promise<Response> {
    if (this.#closed) return jsonError(503, 'internal', 'Joinery is shutting down');
    const hosts = [...this.#allowedHosts()];
    const rejected =
      hostHeaderValidationResponse(request, hosts) ?? originValidationResponse(request, hosts);
    if (rejected) return rejected;
    const environmentId = await this.#authenticate(request);
    if (environmentId === null)
      return jsonError(
        401,
        'unauthorized',
        'missing or wrong secret key: send `Authorization: Bearer <JOINERY_SECRET_KEY>`',
        { 'www-authenticate': 'Bearer realm="joinery"' },
      );
    try {
      if (request.method === 'GET' || request.method === 'DELETE')
        return await this.#legacy(request, environmentId);
      if (request.method !== 'POST')
        return jsonError(
          405,
          'invalid_input',
          `/mcp answers POST, GET and DELETE, not ${request.method}`,
          {
            allow: 'GET, POST, DELETE',
          },
        );
      if (await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_BODY }))
        return await this.#legacy(request, environmentId);
      return await this.#modern(request, environmentId);
    } catch (error) {
      if (isJoineryError(error))
        return jsonError(error.status, error.code, error.message, {}, error.path);
      const id = randomUUID();
      this.#logger.error({ err: error, errorId: id }, 'mcp: request failed');
      return jsonError(
        500,
        'internal',
        `Joinery failed to handle this MCP request (error id ${id}); the server log has the details`,
      );
    }
  }

  async #authenticate(request: Request): Promise<string | null> {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '');
    return match ? this.#engine.secretKeys.authenticate(match[1] as string) : null;
  }

  #backend(environmentId: string): McpBackend {
    return engineBackend(this.#engine, environmentId);
  }

  /** A scope naming connections the tenant does not have is refused, not silently narrowed. */
  async #checkScope(backend: McpBackend, scope: McpScope): Promise<void> {
    if (!scope.connections) return;
    const known = new Set((await backend.listConnections(scope.tenant)).map((c) => c.id));
    const missing = scope.connections.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw new JoineryError(
        'not_found',
        `tenant "${scope.tenant}" has no connection ${missing.map((id) => `"${id}"`).join(', ')}`,
        { path: 'query.connections' },
      );
  }

  #serverFor(backend: McpBackend, scope: McpScope): Server {
    return createToolServer(backend, scope, {
      version: this.#version,
      onError: (error, context) =>
        this.#logger.error({ err: error, tool: context.tool }, 'mcp: tool call failed'),
    });
  }

  async #legacy(request: Request, environmentId: string): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = this.#sessions.get(sessionId);
      // Another environment's session is indistinguishable from an unknown one.
      if (!session || session.environmentId !== environmentId)
        return rpcError(404, -32001, 'Session not found: start a new one with initialize');
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request);
    }
    if (request.method !== 'POST')
      return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    let body: unknown;
    try {
      body = await request.clone().json();
    } catch {
      return rpcError(400, -32700, 'Parse error: the body is not JSON');
    }
    if (!isInitializeRequest(body))
      return rpcError(400, -32000, 'Bad Request: start a session with initialize first');
    const scope = scopeFromRequest(new URL(request.url), request.headers);
    const backend = this.#backend(environmentId);
    await this.#checkScope(backend, scope);
    if (this.#sessions.size >= this.#maxSessions) this.#evictIdleSession();
    if (this.#sessions.size >= this.#maxSessions)
      return jsonError(
        503,
        'rate_limited',
        `${this.#maxSessions} MCP sessions are open; try again later`,
        {
          'retry-after': '60',
        },
      );

    const server = this.#serverFor(backend, scope);
    let session: Session | null = null;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      // Clients that lose a stream wait this long before resuming it with Last-Event-ID.
      retryInterval: 1_000,
      maxRequestBodySize: MAX_BODY,
      onsessioninitialized: (id) => {
        const fingerprint = backend
          .listConnections(scope.tenant)
          .then((connections) => scopeFingerprint(connections, scope))
          .catch(() => undefined);
        const created: Session = {
          transport,
          server,
          environmentId,
          lastSeen: Date.now(),
          stopWatching: () => {},
        };
        session = created;
        this.#sessions.set(id, created);
        void fingerprint.then((initial) => {
          if (this.#sessions.get(id) !== created) return;
          try {
            created.stopWatching = this.#watcher.subscribe(
              JSON.stringify([environmentId, scope.tenant]),
              () => backend.listConnections(scope.tenant),
              onScopeChange(
                scope,
                () =>
                  void server
                    .sendToolListChanged()
                    .catch((error: unknown) =>
                      this.#logger.debug({ err: error }, 'mcp: list_changed not delivered'),
                    ),
                initial,
              ),
            );
          } catch (error) {
            // At the watch limit: the session works, without change notifications.
            this.#logger.warn({ err: error }, 'mcp: not watching connections for this session');
          }
        });
      },
      onsessionclosed: (id) => this.#drop(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.#drop(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: body });
    if (!session) await server.close().catch(() => {});
    return response;
  }

  async #modern(request: Request, environmentId: string): Promise<Response> {
    const scope = scopeFromRequest(new URL(request.url), request.headers);
    const key = scopeKey(environmentId, scope);
    let entry = this.#handlers.get(key);
    if (!entry) {
      const backend = this.#backend(environmentId);
      await this.#checkScope(backend, scope);
      if (this.#handlers.size >= this.#maxSessions) this.#evictIdleHandler();
      if (this.#handlers.size >= this.#maxSessions)
        return jsonError(
          503,
          'rate_limited',
          `${this.#maxSessions} MCP scopes are listening; try again later`,
          {
            'retry-after': '60',
          },
        );
      const bus = new WatchingBus(() =>
        this.#watcher.subscribe(
          JSON.stringify([environmentId, scope.tenant]),
          () => backend.listConnections(scope.tenant),
          onScopeChange(scope, () => bus.publish({ kind: 'tools_list_changed' })),
        ),
      );
      entry = {
        bus,
        lastUsed: Date.now(),
        handler: createMcpHandler(() => this.#serverFor(backend, scope), {
          legacy: 'reject',
          bus,
          maxRequestBodySize: MAX_BODY,
          onerror: (error) => this.#logger.debug({ err: error }, 'mcp: request refused'),
        }),
      };
      this.#handlers.set(key, entry);
    }
    entry.lastUsed = Date.now();
    return entry.handler.fetch(request);
  }

  #drop(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.stopWatching();
    void session.server.close().catch(() => {});
  }

  #evictIdleSession(): void {
    let oldest: [string, Session] | null = null;
    for (const entry of this.#sessions)
      if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    if (oldest && Date.now() - oldest[1].lastSeen > 60_000) this.#drop(oldest[0]);
  }

  #evictIdleHandler(): void {
    for (const [key, entry] of this.#handlers) {
      if (entry.bus.listeners === 0 && Date.now() - entry.lastUsed > 60_000) {
        this.#handlers.delete(key);
        void entry.handler.close();
        return;
      }
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions)
      if (now - session.lastSeen > this.#sessionIdleMs) this.#drop(id);
    for (const [key, entry] of this.#handlers)
      if (entry.bus.listeners === 0 && now - entry.lastUsed > this.#sessionIdleMs) {
        this.#handlers.delete(key);
        void entry.handler.close();
      }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#watcher.close();
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    const handlers = [...this.#handlers.values()];
    this.#handlers.clear();
    await Promise.allSettled([
      ...sessions.map(async (session) => {
        session.stopWatching();
        await session.transport.close();
        await session.server.close();
      }),
      ...handlers.map((entry) => entry.handler.close()),
    ]);
  }
}

/**
 * The event bus of one scope's `subscriptions/listen` streams: the scope's tenant is watched only
 * while at least one stream listens.
 */
class WatchingBus implements ServerEventBus {
  readonly #inner = new InMemoryServerEventBus();
  readonly #watch: () => () => void;
  #stop: (() => void) | null = null;
  #listeners = 0;

  constructor(watch: () => () => void) {
    this.#watch = watch;
  }

  get listeners(): number {
    return this.#listeners;
  }

  publish(event: ServerEvent): void {
    this.#inner.publish(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    const unsubscribe = this.#inner.subscribe(listener);
    this.#listeners++;
    if (this.#listeners === 1) {
      try {
        this.#stop = this.#watch();
      } catch {
        // At the watch limit: the stream stays open without change notifications.
        this.#stop = null;
      }
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      this.#listeners--;
      if (this.#listeners === 0) {
        this.#stop?.();
        this.#stop = null;
      }
    };
  }
}

function jsonError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  path?: string,
): Response {
  return new Response(
    JSON.stringify({
      error: { code, message, retryable: status === 503, ...(path ? { path } : {}) },
    }),
    { status, headers: { 'content-type': 'application/json', ...headers } },
  );
}

function rpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
