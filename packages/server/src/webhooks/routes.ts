import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_ENVIRONMENT, type Engine } from '@joinery/engine';
import { errorJson, webhookAccepted, webhookDelivery } from '../schemas.js';
import type { AppEnv } from '../app.js';
import { readRawBody } from './raw-body.js';

/** Largest webhook body Joinery reads. GitHub caps payloads at 25 MB, but Slack, Stripe and most senders stay far below 1 MiB. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

/** The inbound route's path pattern; it takes no secret key (providers cannot send one). */
export const INBOUND_WEBHOOK_PATH = /^\/v1\/webhooks\/[^/]+$/;

/**
 * `POST /v1/webhooks/{integration}` (no secret key: the provider's signature authenticates) and
 * `GET /v1/webhook-deliveries` (secret key). The inbound route reads the raw body itself, so it is
 * a plain route with its OpenAPI entry registered by hand.
 *
 * Environment: an inbound URL names only the integration, and integration keys are unique per
 * environment, so the route serves the default environment (`DEFAULT_ENVIRONMENT`) — the only one
 * Joinery creates today. A `/v1/webhooks/{environment}/{integration}` form can be added beside it
 * when environments can be created.
 */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/{integration}',
    summary:
      "Inbound webhook from a provider (no secret key): signature verified with the integration's webhookSecret, deduplicated by delivery id, stored before the 2xx",
    description:
      'Schemes: GitHub `X-Hub-Signature-256`, Slack `v0` (5-minute tolerance; `url_verification` answered with `{challenge}`), Stripe `Stripe-Signature` (300 s tolerance, rotated secrets), Standard Webhooks. A delivery id seen before answers 200 with `duplicate: true` and stores nothing. Serves the default environment. See docs/webhooks.md.',
    request: { params: z.object({ integration: z.string() }) },
    responses: {
      200: {
        description:
          "Stored (or already stored), or the answer to Slack's url_verification handshake (`{challenge}`)",
        content: {
          'application/json': {
            schema: z.union([webhookAccepted, z.object({ challenge: z.string() })]),
          },
        },
      },
      400: errorJson('The body is larger than 1 MiB, or not JSON'),
      401: errorJson('The signature is missing, does not match, or its timestamp is too old'),
      404: errorJson('No such integration, or it takes no webhooks'),
    },
  });
  app.post('/v1/webhooks/:integration', async (c) => {
    const raw = c.req.raw;
    const body = await readRawBody(raw, MAX_WEBHOOK_BODY);
    const headers: Record<string, string> = {};
    raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const result = await engine.webhooks.receive(DEFAULT_ENVIRONMENT, c.req.param('integration'), {
      headers,
      body,
    });
    if (result.kind === 'challenge') return c.json(result.body, 200);
    return c.json(
      {
        received: true as const,
        id: result.id,
        deliveryId: result.deliveryId,
        duplicate: result.duplicate,
      },
      200,
    );
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhook-deliveries',
      summary: 'Stored inbound webhook deliveries, newest first (with their payloads)',
      security: [{ secretKey: [] }],
      request: {
        query: z.object({
          integration: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        }),
      },
      responses: {
        200: {
          description: 'Deliveries',
          content: {
            'application/json': {
              schema: z.object({
                data: z.array(webhookDelivery),
                nextCursor: z.string().nullable(),
              }),
            },
          },
        },
        400: errorJson('Invalid input'),
        401: errorJson('Missing or wrong secret key'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.webhooks.list(c.get('scope'), {
        ...(query.integration !== undefined ? { integration: query.integration } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );
}
