import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { JoineryError, parseCursor, type Engine } from '@joinery/engine';
import { bodyLimit } from 'hono/body-limit';
import { errorBody, errors, json, security } from '../schemas.js';
import type { AppEnv } from '../app.js';
import {
  createdWebhookEndpoint,
  deadLetter,
  outgoingDelivery,
  replayResult,
  webhookEndpoint,
  webhookEndpointBody,
} from './schemas.js';

/** Endpoint bodies are a URL and a short list of event types. */
const MAX_BODY = 64 * 1024;

const idParam = z.object({ id: z.string() });
const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
};

/**
 * Outgoing webhooks (`/v1/webhook-endpoints`) and dead letters (`/v1/dead-letters`). Both belong to
 * the secret key's environment; a `Joinery-Tenant` restriction does not apply to them (endpoints
 * receive every tenant's events).
 */
export function registerOutgoingRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: () => {
      throw new JoineryError('invalid_input', `the request body is larger than ${MAX_BODY} bytes`);
    },
  });
  app.use('/v1/webhook-endpoints', limit);
  app.use('/v1/dead-letters/*', limit);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhook-endpoints',
      summary:
        'Add an endpoint for outgoing webhooks (Standard Webhooks); the answer holds its signing secret, shown once',
      security,
      request: {
        body: { content: { 'application/json': { schema: webhookEndpointBody } }, required: true },
      },
      responses: {
        201: json(createdWebhookEndpoint, 'Created; `secret` is not shown again'),
        400: errors[400],
        401: errors[401],
      },
    }),
    async (c) => {
      const created = await engine.outgoing.endpoints.create(
        c.get('scope').environmentId,
        c.req.valid('json'),
      );
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhook-endpoints',
      summary: 'Outgoing webhook endpoints (without their secrets), newest first',
      security,
      responses: {
        200: json(z.object({ data: z.array(webhookEndpoint) }), 'Endpoints'),
        401: errors[401],
      },
    }),
    async (c) => {
      const data = await engine.outgoing.endpoints.list(c.get('scope').environmentId);
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/webhook-endpoints/{id}',
      summary:
        'Remove an endpoint: nothing more is sent there; deliveries still waiting become dead letters',
      security,
      request: { params: idParam },
      responses: {
        204: { description: 'Removed' },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      await engine.outgoing.endpoints.delete(c.get('scope').environmentId, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhook-endpoints/{id}/deliveries',
      summary: "An endpoint's deliveries, newest first, with status, attempts and the last error",
      security,
      request: { params: idParam, query: z.object(pageQuery) },
      responses: {
        200: json(
          z.object({ data: z.array(outgoingDelivery), nextCursor: z.string().nullable() }),
          'Deliveries',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const before = parseCursor(query.cursor);
      const page = await engine.outgoing.deliveries(
        c.get('scope').environmentId,
        c.req.valid('param').id,
        { limit: query.limit ?? 100, ...(before === undefined ? {} : { before }) },
      );
      return c.json(
        { data: page.data, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dead-letters',
      summary: 'Runs and deliveries that exhausted their retries, newest first',
      security,
      request: {
        query: z.object({ kind: z.enum(['delivery', 'run']).optional(), ...pageQuery }),
      },
      responses: {
        200: json(
          z.object({ data: z.array(deadLetter), nextCursor: z.string().nullable() }),
          'Dead letters',
        ),
        400: errors[400],
        401: errors[401],
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const before = parseCursor(query.cursor);
      const page = await engine.deadLetters.list({
        environmentId: c.get('scope').environmentId,
        limit: query.limit ?? 100,
        ...(query.kind === undefined ? {} : { kind: query.kind }),
        ...(before === undefined ? {} : { before }),
      });
      return c.json(
        { data: page.data, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dead-letters/{id}',
      summary: 'One dead letter: why it was given up, its last error and payload',
      security,
      request: { params: idParam },
      responses: { 200: json(deadLetter, 'The dead letter'), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const letter = await engine.deadLetters.get(
        c.get('scope').environmentId,
        c.req.valid('param').id,
      );
      return c.json(letter, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/dead-letters/{id}/replay',
      summary:
        'Replay a dead letter: a delivery is sent again with the same webhook-id; safe to repeat (a repeat while queued or after success changes nothing)',
      security,
      request: { params: idParam },
      responses: {
        200: json(replayResult, 'Replayed, or already queued or succeeded (`replayed: false`)'),
        401: errors[401],
        404: errors[404],
        409: json(
          errorBody,
          'Cannot be replayed now: its endpoint was deleted or disabled, or nothing replays its kind',
        ),
      },
    }),
    async (c) => {
      const result = await engine.deadLetters.replay(
        c.get('scope').environmentId,
        c.req.valid('param').id,
      );
      return c.json(result, 200);
    },
  );
}
