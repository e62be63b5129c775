import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Engine } from '@joinery/engine';
import type { AppEnv } from '../app.js';
import { authenticate } from '../proxy.js';
import { errorJson, json, security } from '../schemas.js';
import { alert, connectionHealth, transition } from './schemas.js';

const errors = {
  400: errorJson('Invalid input'),
  401: errorJson('Missing or wrong secret key'),
  404: errorJson('Not found'),
};

/**
 * Health, alerts and metrics: `GET /v1/health/connections`, `GET /v1/health/connections/{id}/transitions`,
 * `POST /v1/connections/{id}/disable|enable`, `GET /v1/alerts`, and `GET /metrics` (Prometheus text;
 * it takes the secret key as a bearer token, which Prometheus's `authorization` scrape setting sends).
 */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/health/connections',
      summary:
        "Every connection's health: state, the reason, since when, live signals, silent failures, and what to do",
      security,
      request: {
        query: z.object({
          state: z.enum(['healthy', 'degraded', 'needs_reauth', 'disabled']).optional(),
          connection: z.string().optional(),
        }),
      },
      responses: { 200: json(z.object({ data: z.array(connectionHealth) }), 'Health'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const data = await engine.health.connectionsHealth(c.get('scope'), {
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.connection !== undefined ? { connectionId: query.connection } : {}),
      });
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/health/connections/{id}/transitions',
      summary: "A connection's state changes, newest first, each with its reason",
      security,
      request: {
        params: z.object({ id: z.string() }),
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
      },
      responses: { 200: json(z.object({ data: z.array(transition) }), 'Transitions'), ...errors },
    }),
    async (c) => {
      const data = await engine.health.transitions(
        c.get('scope'),
        c.req.valid('param').id,
        c.req.valid('query').limit,
      );
      return c.json({ data }, 200);
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/connections/{id}/${action}`,
        summary:
          action === 'disable'
            ? 'Disable a connection: no scheduled checks, token renewals or alerts until it is enabled'
            : 'Enable a disabled connection: healthy again, and checked at once',
        security,
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(connectionHealth, 'The connection’s health'), ...errors },
      }),
      async (c) => {
        const scope = c.get('scope');
        const { id } = c.req.valid('param');
        await engine.health.setEnabled(scope, id, action === 'enable');
        const [view] = await engine.health.connectionsHealth(scope, { connectionId: id });
        if (!view) throw new Error(`connection ${id} vanished while being ${action}d`);
        return c.json(view, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts',
      summary: 'Alerts: firing ones first, then the most recent resolved ones',
      security,
      request: {
        query: z.object({
          status: z.enum(['firing', 'resolved']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z
            .string()
            .regex(/^[fr]\d{1,15}$/)
            .optional()
            .describe('The nextCursor of the previous page'),
        }),
      },
      responses: {
        200: json(z.object({ data: z.array(alert), nextCursor: z.string().nullable() }), 'Alerts'),
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const scope = c.get('scope');
      const page = await engine.alerts.list(scope.environmentId, {
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        // A tenant-restricted request sees the alerts about its own connections only.
        ...(scope.tenant !== undefined ? { tenant: scope.tenant } : {}),
      });
      return c.json(page, 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4); the secret key as a bearer token',
    security,
    responses: {
      200: {
        description: 'Metrics',
        content: { 'text/plain': { schema: z.string() } },
      },
      401: errors[401],
    },
  });
  app.get('/metrics', async (c) => {
    await authenticate(engine, c.req.header('authorization'), undefined);
    return c.body(await engine.metrics.text(), 200, { 'content-type': engine.metrics.contentType });
  });
}
