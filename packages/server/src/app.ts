import { Readable } from 'node:stream';
import { OpenAPIHono, createRoute, z, type Hook } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import {
  JoineryError,
  describeConnector,
  isJoineryError,
  newId,
  relayableHeaders,
  summarizeConnector,
  type Engine,
  type LogEntry,
  type Scope,
} from '@joinery/engine';
import type { Logger } from 'pino';
import {
  TENANT_HEADER,
  TIMEOUT_HEADER,
  authenticate,
  hasNoBody,
  parseProxyUrl,
  proxyRequest,
  readTimeout,
} from './proxy.js';
import { registerConnectRoutes } from './connect/routes.js';
import { INBOUND_WEBHOOK_PATH, registerWebhookRoutes } from './webhooks/routes.js';
import { registerHealthRoutes } from './health/routes.js';
import { registerSyncRoutes } from './sync/routes.js';
import { registerScorecardRoutes, scorecardOf } from './scorecard/routes.js';
import { parseRunRetry, readOptionalJson, registerRunRoutes, runAccepted } from './runs/routes.js';
import { registerOutgoingRoutes } from './outgoing/routes.js';
import { registerDataRoutes } from './data/routes.js';
import type { McpEndpoint } from './mcp/http-endpoint.js';
import { tracingMiddleware } from './telemetry.js';
import {
  actionBody,
  actionResult,
  connection,
  connectionBody,
  connectorDetail,
  connectorSummary,
  driftEntry,
  errorJson,
  errors,
  integration,
  integrationBody,
  json,
  listOf,
  logEntry,
  quota,
  security,
} from './schemas.js';

export interface AppDeps {
  engine: Engine;
  store: 'pglite' | 'postgres';
  version: string;
  logger: Logger;
  /** `/mcp` (MCP over Streamable HTTP); not mounted when absent. */
  mcp?: McpEndpoint;
}

export type AppEnv = { Variables: { scope: Scope } };

/** Largest JSON body the API reads (the proxy streams and is not bound by it). */
const MAX_JSON_BODY = 1024 * 1024;

function errorResponse(_c: unknown, error: JoineryError): Response {
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { 'content-type': 'application/json' },
  });
}

/** Request validation failures become `invalid_input` naming the JSON path, like the engine's own. */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  const where = result.target === 'json' ? 'body' : result.target;
  const path = [
    where,
    ...(issue?.path ?? []).map((key) => (typeof key === 'number' ? `[${key}]` : String(key))),
  ]
    .join('.')
    .replace(/\.\[/g, '[');
  return errorResponse(
    c,
    new JoineryError('invalid_input', `${path}: ${issue?.message ?? 'invalid'}`, { path }),
  );
};

const providerErrors = {
  ...errors,
  429: errorJson('Rate limited'),
  502: errorJson('The provider failed or answered badly'),
  504: errorJson('The provider did not answer in time'),
};

function logView(entry: LogEntry) {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    connectionId: entry.connectionId,
    integration: entry.integrationKey,
    tenant: entry.tenant,
    source: entry.source,
    action: entry.action,
    method: entry.method,
    url: entry.url,
    status: entry.status,
    durationMs: entry.durationMs,
    errorCode: entry.errorCode,
    requestId: entry.requestId,
    attempt: entry.attempt,
    decision: entry.decision,
  };
}

export function createApp({ engine, store, version, logger, mcp }: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', tracingMiddleware(engine));

  app.onError((error, c) => {
    if (isJoineryError(error)) return errorResponse(c, error);
    // Hono's own refusals (a body that is not JSON): the caller's mistake, said plainly.
    if (error instanceof HTTPException && error.status < 500)
      return errorResponse(
        c,
        new JoineryError(
          'invalid_input',
          `body: ${error.message}; send a JSON object with content-type application/json`,
          { path: 'body' },
        ),
      );
    const id = newId('err');
    logger.error({ err: error, errorId: id, path: c.req.path }, 'unhandled error');
    return errorResponse(
      c,
      new JoineryError(
        'internal',
        `Joinery failed to handle this request (error id ${id}); the server log has the details under that id`,
      ),
    );
  });
  app.notFound((c) =>
    errorResponse(
      c,
      new JoineryError(
        'not_found',
        `no route ${c.req.method} ${c.req.path}; see GET /openapi.json for the API`,
      ),
    ),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'secretKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Joinery secret key (jny_sk_…)',
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness and store kind (no auth)',
      responses: {
        200: json(
          z.object({
            status: z.literal('ok'),
            version: z.string(),
            store: z.enum(['pglite', 'postgres']),
          }),
          'Up',
        ),
      },
    }),
    (c) => c.json({ status: 'ok' as const, version, store }, 200),
  );

  // Everything under /v1 needs the secret key, except inbound webhooks: providers cannot send
  // one, and the provider's signature authenticates those instead.
  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'POST' && INBOUND_WEBHOOK_PATH.test(c.req.path)) return next();
    c.set(
      'scope',
      await authenticate(engine, c.req.header('authorization'), c.req.header(TENANT_HEADER)),
    );
    await next();
  });
  // JSON routes read at most MAX_JSON_BODY; the proxy streams and is not bound by it.
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: (c) =>
      errorResponse(
        c,
        new JoineryError('invalid_input', `the request body is larger than ${MAX_JSON_BODY} bytes`),
      ),
  });
  app.use('/v1/integrations/*', jsonBodyLimit);
  app.use('/v1/connections', jsonBodyLimit);
  app.use('/v1/connections/*', jsonBodyLimit);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connectors',
      summary: 'List the connectors this Joinery knows',
      security,
      responses: { 200: json(listOf(connectorSummary), 'Connectors'), 401: errors[401] },
    }),
    async (c) => {
      const data = await Promise.all(
        engine.connectors.list().map(async (connector) => {
          const summary = summarizeConnector(connector);
          return {
            ...summary,
            actions: [
              ...summary.actions,
              ...engine.unified
                .describe(connector)
                .map(({ name, description }) => ({ name, description })),
            ],
            trustLevel: (await scorecardOf(connector)).trustLevel,
          };
        }),
      );
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connectors/{id}',
      summary:
        'One connector, with the JSON Schema of each action (its unified actions, such as contacts.update, included)',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(connectorDetail, 'Connector'), ...errors },
    }),
    (c) => {
      const connector = engine.connectors.get(c.req.valid('param').id);
      const view = describeConnector(connector);
      return c.json(
        { ...view, actions: [...view.actions, ...engine.unified.describe(connector)] },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/integrations/{key}',
      summary: 'Create or replace an integration (a connector configured for this environment)',
      security,
      request: {
        params: z.object({ key: z.string() }),
        body: { content: { 'application/json': { schema: integrationBody } }, required: true },
      },
      responses: {
        200: json(integration, 'Replaced'),
        201: json(integration, 'Created'),
        ...errors,
      },
    }),
    async (c) => {
      const { integration: view, created } = await engine.integrations.put(
        c.get('scope').environmentId,
        c.req.valid('param').key,
        c.req.valid('json'),
      );
      return created ? c.json(view, 201) : c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations',
      summary: 'List integrations',
      security,
      responses: { 200: json(listOf(integration), 'Integrations'), 401: errors[401] },
    }),
    async (c) =>
      c.json({ data: await engine.integrations.list(c.get('scope').environmentId) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{key}',
      summary: 'One integration',
      security,
      request: { params: z.object({ key: z.string() }) },
      responses: { 200: json(integration, 'Integration'), ...errors },
    }),
    async (c) =>
      c.json(
        await engine.integrations.get(c.get('scope').environmentId, c.req.valid('param').key),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{key}/schema-drift',
      summary:
        "Where the provider's answers differ from the declared schemas: unknown, missing or re-typed fields",
      security,
      request: { params: z.object({ key: z.string() }) },
      responses: { 200: json(listOf(driftEntry), 'Schema drift, most recent first'), ...errors },
    }),
    async (c) => {
      const { environmentId } = c.get('scope');
      const { key } = c.req.valid('param');
      await engine.integrations.get(environmentId, key);
      return c.json({ data: await engine.schemaDrift.list(environmentId, key) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{key}/quotas',
      summary:
        "Longer quotas the provider reports (e.g. Salesforce's 24-hour allocation), with what remains",
      security,
      request: { params: z.object({ key: z.string() }) },
      responses: { 200: json(listOf(quota), 'Quotas'), ...errors },
    }),
    async (c) => {
      const { environmentId } = c.get('scope');
      const { key } = c.req.valid('param');
      await engine.integrations.get(environmentId, key);
      return c.json({ data: await engine.quotas.list(environmentId, key) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connections',
      summary:
        "Connect a tenant with credentials; they are checked with the connector's health check first",
      security,
      request: {
        body: { content: { 'application/json': { schema: connectionBody } }, required: true },
      },
      responses: { 201: json(connection, 'Created'), ...providerErrors },
    }),
    async (c) => c.json(await engine.connections.create(c.get('scope'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connections',
      summary: 'List connections (never their credentials)',
      security,
      request: {
        query: z.object({ tenant: z.string().optional(), integration: z.string().optional() }),
      },
      responses: { 200: json(listOf(connection), 'Connections'), 401: errors[401] },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const scope = c.get('scope');
      if (query.tenant !== undefined && scope.tenant !== undefined && query.tenant !== scope.tenant)
        return c.json({ data: [] }, 200);
      const scoped: Scope = query.tenant === undefined ? scope : { ...scope, tenant: query.tenant };
      const data = await engine.connections.list(
        scoped,
        query.integration === undefined ? {} : { integration: query.integration },
      );
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/connections/{id}',
      summary: 'One connection: state, last error, token expiry — never the secret',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: json(connection, 'Connection'), ...errors },
    }),
    async (c) => c.json(await engine.connections.get(c.get('scope'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/connections/{id}',
      summary: 'Delete a connection and its stored credentials',
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      await engine.connections.delete(c.get('scope'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connections/{id}/actions/{action}',
      summary:
        'Run an action: input and output validated against its schema. With `"async": true` it runs in the background: 202 with the run id (result at GET /v1/runs/{id} and by webhook)',
      security,
      request: {
        params: z.object({ id: z.string(), action: z.string() }),
        body: { content: { 'application/json': { schema: actionBody } }, required: false },
      },
      responses: {
        200: json(actionResult, 'Output'),
        202: json(runAccepted, 'Queued as a run (`"async": true`)'),
        ...providerErrors,
      },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      const body = (await readOptionalJson(c.req)) as {
        input?: unknown;
        async?: unknown;
        retry?: unknown;
      };
      const idempotencyKey = c.req.header('idempotency-key');
      if (body.async !== undefined && typeof body.async !== 'boolean')
        throw new JoineryError('invalid_input', 'body.async: must be true or false', {
          path: 'body.async',
        });
      if (body.retry !== undefined && body.async !== true)
        throw new JoineryError(
          'invalid_input',
          'body.retry: only a run retries; send "async": true with it (a direct call is retried by the call pipeline)',
          { path: 'body.retry' },
        );
      if (body.async === true) {
        const { run, replayed } = await engine.submitAction(
          c.get('scope'),
          id,
          action,
          body.input ?? {},
          {
            ...parseRunRetry(body.retry),
            ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          },
        );
        if (replayed) c.header('idempotent-replayed', 'true');
        return c.json({ runId: run.id, status: run.status, run }, 202);
      }
      const timeoutMs = readTimeout(c.req.header(TIMEOUT_HEADER));
      const { replayed, ...result } = await engine.runAction(
        c.get('scope'),
        id,
        action,
        body.input ?? {},
        {
          signal: c.req.raw.signal,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
      );
      if (replayed) c.header('idempotent-replayed', 'true');
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/logs',
      summary: 'The request log: every outbound exchange, newest first',
      security,
      request: {
        query: z.object({
          connection: z.string().optional(),
          since: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        }),
      },
      responses: {
        200: json(
          z.object({ data: z.array(logEntry), nextCursor: z.string().nullable() }),
          'Entries',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.logs(c.get('scope'), {
        ...(query.connection ? { connectionId: query.connection } : {}),
        ...(query.since ? { since: new Date(query.since) } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return c.json({ data: page.entries.map(logView), nextCursor: page.nextCursor }, 200);
    },
  );

  // The proxy streams both ways, so it is a plain route; its OpenAPI entry is registered by hand.
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/proxy/{connectionId}/{path}',
    summary: "Any method: passthrough to the provider with the connection's credentials",
    description:
      "The provider's final answer (2xx–4xx) is relayed as it is. When Joinery gives up (5xx, network, timeout, blocked destination) it answers with its error envelope, the provider's status in `error.details`.",
    security,
    request: { params: z.object({ connectionId: z.string(), path: z.string() }) },
    responses: { 200: { description: "The provider's response" }, ...providerErrors },
  });
  app.all('/v1/proxy/:connectionId/*', async (c) => {
    const url = new URL(c.req.url);
    const target = parseProxyUrl(url);
    if (!target) throw new JoineryError('not_found', 'use /v1/proxy/{connectionId}/{path}');
    const raw = c.req.raw;
    const headers: Record<string, string> = {};
    raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const body = raw.body === null ? null : Readable.fromWeb(raw.body);
    const response = await engine.proxy(
      c.get('scope'),
      target.connectionId,
      proxyRequest(raw.method, url, target.path, headers, body, raw.signal),
    );
    const noBody = hasNoBody(raw.method, response.status);
    if (noBody) response.body.resume();
    const out = relayableHeaders(response.headers);
    out['joinery-request-id'] = response.requestId;
    return new Response(noBody ? null : Readable.toWeb(response.body), {
      status: response.status,
      headers: out,
    });
  });

  registerConnectRoutes(app, engine);
  registerWebhookRoutes(app, engine);
  registerHealthRoutes(app, engine);
  registerSyncRoutes(app, engine);
  registerScorecardRoutes(app, engine);
  registerRunRoutes(app, engine);
  registerOutgoingRoutes(app, engine);
  registerDataRoutes(app, engine);

  if (mcp) {
    // JSON-RPC over Streamable HTTP: one URL, three methods, bodies the MCP spec defines. The
    // endpoint checks Host/Origin and the secret key itself (docs/mcp.md).
    for (const method of ['post', 'get', 'delete'] as const) {
      app.openAPIRegistry.registerPath({
        method,
        path: '/mcp',
        summary: {
          post: 'MCP over Streamable HTTP: a JSON-RPC request, notification or response',
          get: 'MCP (2025-era sessions): the standalone SSE stream for server notifications',
          delete: 'MCP (2025-era sessions): end the session',
        }[method],
        description:
          "The tools are the actions of one tenant's connections (`?tenant=`, or `Joinery-Tenant`), optionally narrowed with `connections` and `actions`; `mode=dynamic` offers `search_actions` + `run_action` instead. See docs/mcp.md.",
        security,
        request: {
          query: z.object({
            tenant: z.string().optional(),
            connections: z.string().optional(),
            actions: z.string().optional(),
            mode: z.enum(['tools', 'dynamic']).optional(),
          }),
        },
        responses: {
          200: { description: 'A JSON-RPC answer, as JSON or an SSE stream' },
          202: { description: 'A notification or response was accepted' },
          400: errors[400],
          401: errors[401],
          403: { description: 'Host or Origin is not one this Joinery serves (DNS rebinding)' },
          404: { description: 'Unknown MCP session' },
        },
      });
    }
    app.on(['POST', 'GET', 'DELETE'], '/mcp', (c) => mcp.handle(c.req.raw));
  }

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Joinery API',
      version,
      description: 'Production-grade integrations: connections, actions, proxy, request log.',
    },
  });

  return app;
}
