import { defineAction, defineConnector } from '@joinery/engine';
import { z } from 'zod';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * One request below the integration's base URL, through the whole pipeline (token renewal, retries,
 * rate limits): what an agent or a flow uses when the connector knows no typed actions.
 */
const request = defineAction({
  name: 'request',
  description:
    "Send one HTTP request below the integration's base URL with the connection's access token; answers the status and the parsed JSON body.",
  input: z.object({
    method: z.enum(METHODS).default('GET'),
    path: z.string().startsWith('/', 'a path below the base URL, starting with "/"'),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    body: z.unknown().optional(),
  }),
  output: z.object({ status: z.number().int(), body: z.unknown() }),
  async run(context, input) {
    const response = await context.request({
      method: input.method,
      path: input.path,
      ...(input.query ? { query: input.query } : {}),
      ...(input.body === undefined ? {} : { json: input.body }),
    });
    return { status: response.status, body: response.body };
  },
});

/**
 * Any standard OAuth 2.0 API (RFC 6749), configured entirely from the integration: `baseUrl`,
 * `oauth.authorizationUrl`, `oauth.tokenUrl` and `oauth.scopes`. Tokens go on the wire as
 * `Authorization: Bearer` (RFC 6750 §2.1). It has no health check: it cannot know a cheap
 * authenticated read of an API it knows nothing about.
 */
export const oauth2 = defineConnector({
  id: 'oauth2',
  name: 'OAuth 2.0 API',
  description:
    'Any API that authorises with standard OAuth 2.0 (authorization code with PKCE, or client credentials), configured from the integration.',
  docsUrl: 'https://www.rfc-editor.org/rfc/rfc6749',
  baseUrl: '',
  integrationRequires: ['baseUrl', 'authorizationUrl', 'tokenUrl'],
  auth: [{ type: 'oauth2' }, { type: 'oauth2_client_credentials' }],
  oauth: {},
  errorMessage: 'error_description',
  // Senders that follow https://www.standardwebhooks.com (a `whsec_…` secret); an integration may
  // select another scheme with `webhookScheme`.
  webhooks: { scheme: 'standard_webhooks' },
  actions: [request],
});
