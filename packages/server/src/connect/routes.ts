import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { JoineryError, type Engine } from '@joinery/engine';
import type { AppEnv } from '../app.js';
import { errors, security } from '../schemas.js';
import { connectPage, failurePage, successPage, type Page } from './pages.js';
import { connectSession, connectSessionBody, event } from './schemas.js';

const htmlResponse = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() } },
});

function render(c: Context, rendered: Page): Response {
  return c.body(rendered.body, rendered.status as 200, rendered.headers);
}

/**
 * OAuth connections: `POST /v1/connect-sessions` makes a link; the hosted Connect page at
 * `/connect/{token}` (GET shows it, POST starts the flow) sends the browser to the provider, which
 * redirects back to `/oauth/callback`. `GET /v1/events` reads what happened to connections.
 */
export function registerConnectRoutes(app: OpenAPIHono<AppEnv>, engine: Engine): void {
  app.use(
    '/v1/connect-sessions',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new JoineryError('invalid_input', 'the request body is larger than 64 KiB');
      },
    }),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/connect-sessions',
      summary:
        'Create a Connect page link that runs OAuth for one tenant and creates (or re-authorises) its connection',
      security,
      request: {
        body: { content: { 'application/json': { schema: connectSessionBody } }, required: true },
      },
      responses: {
        201: {
          description: 'Created',
          content: { 'application/json': { schema: connectSession } },
        },
        ...errors,
      },
    }),
    async (c) =>
      c.json(await engine.connectSessions.create(c.get('scope'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      summary: 'Connection events, newest first',
      security,
      request: {
        query: z.object({
          connection: z.string().optional(),
          type: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().optional(),
        }),
      },
      responses: {
        200: {
          description: 'Events',
          content: {
            'application/json': {
              schema: z.object({ data: z.array(event), nextCursor: z.string().nullable() }),
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.listEvents(c.get('scope'), {
        ...(query.connection ? { connectionId: query.connection } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );

  const tokenParam = z.object({ token: z.string() });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/connect/{token}',
    summary:
      'The hosted Connect page (HTML, no auth): names the provider and scopes, then starts the flow',
    request: { params: tokenParam },
    responses: {
      200: htmlResponse('The page'),
      404: htmlResponse('Unknown link'),
      410: htmlResponse('Expired or used link'),
    },
  });
  app.get('/connect/:token', async (c) => {
    const described = await engine.connectSessions.describe(c.req.param('token'));
    return render(
      c,
      'failure' in described ? failurePage(described.failure) : connectPage(described.page),
    );
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/connect/{token}',
    summary:
      "Starts the authorization code flow (PKCE, single-use state): 303 to the provider's authorization page",
    request: { params: tokenParam },
    responses: {
      303: { description: 'To the provider' },
      404: htmlResponse('Unknown link'),
      410: htmlResponse('Expired or used link'),
    },
  });
  app.post('/connect/:token', async (c) => {
    const begun = await engine.connectSessions.begin(c.req.param('token'));
    if ('failure' in begun) return render(c, failurePage(begun.failure));
    // Binds the flow to this browser: the callback must come back with it (SameSite=Lax cookies
    // are sent on the provider's top-level redirect back).
    setCookie(c, begun.cookie.name, begun.cookie.value, {
      path: begun.cookie.path,
      httpOnly: true,
      sameSite: 'Lax',
      secure: engine.connectSessions.redirectUri().startsWith('https:'),
      maxAge: begun.cookie.maxAgeSeconds,
    });
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    return c.redirect(begun.redirectTo, 303);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/oauth/callback',
    summary:
      'The OAuth redirect URI to register with providers ({JOINERY_PUBLIC_URL}/oauth/callback): finishes the flow and shows the result (HTML)',
    request: {
      query: z.object({
        code: z.string().optional(),
        state: z.string().optional(),
        error: z.string().optional(),
        iss: z.string().optional(),
      }),
    },
    responses: {
      200: htmlResponse('Connected, or why not'),
      400: htmlResponse('A replayed, expired or tampered answer'),
    },
  });
  app.get('/oauth/callback', async (c) => {
    const parameters = new URL(c.req.url).searchParams;
    const result = await engine.connectSessions.complete(parameters, getCookie(c));
    if ('success' in result) return render(c, successPage(result.success));
    return render(c, failurePage(result.failure));
  });
}
