import { z } from '@hono/zod-openapi';
import {
  AUTH_TYPES,
  CONNECTION_STATES,
  DEFAULT_MAX_ATTEMPTS,
  ERROR_CODES,
  MAX_ATTEMPTS_LIMIT,
  WEBHOOK_SCHEMES,
} from '@joinery/engine';
import { trustLevel } from './scorecard/schemas.js';

export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      retryable: z.boolean(),
      retryAfterMs: z.number().optional(),
      connectionId: z.string().optional(),
      requestId: z.string().optional(),
      path: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
      reconnectUrl: z.string().optional().openapi({
        description:
          'On `auth_revoked` for a connection that needs re-authorisation: the Connect link that fixes it.',
      }),
    }),
  })
  .openapi('Error');

/** An OpenAPI response whose body is JSON of `schema`. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An OpenAPI response whose body is Joinery's error envelope. */
export const errorJson = (description: string) => json(errorBody, description);

/** The answers most routes behind the secret key can give besides their own. */
export const errors = {
  400: errorJson('Invalid input (the message names the field)'),
  401: errorJson('Missing or wrong secret key'),
  404: errorJson('Not found'),
};

/** Routes behind the secret key (`Authorization: Bearer jny_sk_…`). */
export const security = [{ secretKey: [] }];

export const jsonSchema = z.record(z.string(), z.unknown()).openapi('JsonSchema');

export const actionSummary = z.object({ name: z.string(), description: z.string() });

export const connectorSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    docsUrl: z.string(),
    authTypes: z.array(z.enum(AUTH_TYPES)),
    baseUrl: z.string(),
    actions: z.array(actionSummary),
    trustLevel: trustLevel.optional().openapi({
      description:
        'In the list: native, supported or theoretical (GET /v1/connectors/{id}/scorecard says why)',
    }),
  })
  .openapi('ConnectorSummary');

export const connectorDetail = connectorSummary
  .extend({
    actions: z.array(
      actionSummary.extend({
        readOnly: z.boolean(),
        method: z.string().optional(),
        path: z.string().optional(),
        input: jsonSchema,
        output: jsonSchema,
        idempotent: z.boolean().optional().openapi({
          description:
            'Unified actions: repeating the call with the same input has no further effect (HTTP actions: see method)',
        }),
        destructive: z.boolean().optional().openapi({
          description: 'Unified actions: the call may overwrite or remove data that exists',
        }),
        model: z.object({ name: z.string(), version: z.number().int() }).optional().openapi({
          description:
            'Unified actions (contacts.create, …): the unified model they speak (docs/data.md)',
        }),
      }),
    ),
    healthCheck: z.object({ method: z.string(), path: z.string() }).nullable(),
    pagination: z.object({ type: z.string() }),
    rateLimit: z.object({ headers: z.record(z.string(), z.string()) }).nullable(),
  })
  .openapi('Connector');

export const declaredLimit = z
  .object({
    name: z.string(),
    requests: z.number().int().min(1),
    perSeconds: z.number().positive(),
    scope: z.enum(['integration', 'tenant', 'connection']).optional(),
    methods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])).optional(),
    path: z
      .string()
      .optional()
      .openapi({ description: 'A regular expression over the request path.' }),
  })
  .openapi('DeclaredLimit');

export const integrationBody = z
  .object({
    connector: z.string().min(1).openapi({ example: 'github' }),
    baseUrl: z
      .url()
      .optional()
      .openapi({ description: 'Overrides the connector base URL, e.g. a sandbox.' }),
    allowPrivateNetwork: z.boolean().optional().openapi({
      description: 'Allow calls to loopback and private addresses (sandboxes). Defaults to false.',
    }),
    webhookSecret: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(5)])
      .optional()
      .openapi({
        description:
          'Secret for inbound webhook signatures, or several (newest first, up to 5) while it is rotated; any of them may sign. Stored encrypted, never returned.',
      }),
    webhookScheme: z.enum(WEBHOOK_SCHEMES).optional().openapi({
      description:
        "Overrides the connector's webhook signature scheme, e.g. `standard_webhooks` for any sender that follows Standard Webhooks.",
    }),
    rateLimits: z.array(declaredLimit).max(20).optional().openapi({
      description:
        "Replaces the connector's declared limits (e.g. a plan with a higher allowance). Joinery waits for capacity before sending.",
    }),
    oauth: z
      .object({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1).optional().openapi({
          description: 'Stored encrypted, never returned. Absent for a public client (PKCE only).',
        }),
        scopes: z.array(z.string().min(1)).optional(),
        authorizationUrl: z.url().optional().openapi({
          description: "Overrides the connector's; the generic `oauth2` connector needs it.",
        }),
        tokenUrl: z.url().optional().openapi({
          description: "Overrides the connector's; the generic `oauth2` connector needs it.",
        }),
        issuer: z.string().min(1).optional().openapi({
          description:
            "The authorization server's issuer; when set, the `iss` of its answers is checked (RFC 9207).",
        }),
      })
      .optional()
      .openapi({
        description:
          'Your OAuth client at the provider. Register `{JOINERY_PUBLIC_URL}/oauth/callback` as its redirect URI.',
      }),
  })
  .openapi('IntegrationInput');

export const integration = z
  .object({
    key: z.string(),
    connector: z.string(),
    baseUrl: z.string().nullable(),
    allowPrivateNetwork: z.boolean(),
    hasWebhookSecret: z.boolean(),
    webhookScheme: z.enum(WEBHOOK_SCHEMES).nullable().openapi({
      description:
        "How inbound webhooks are verified: the integration's choice, else the connector's; null when neither has one.",
    }),
    rateLimits: z.array(declaredLimit).nullable(),
    oauth: z
      .object({
        clientId: z.string(),
        hasClientSecret: z.boolean(),
        scopes: z.array(z.string()),
        authorizationUrl: z.string().nullable(),
        tokenUrl: z.string().nullable(),
        issuer: z.string().nullable(),
        redirectUri: z.string().nullable(),
      })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Integration');

export const credentials = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('api_key'), apiKey: z.string().min(1) }),
    z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
    z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
    z.object({ type: z.literal('oauth2_client_credentials') }).openapi({
      description:
        "A token from the integration's OAuth client (client credentials grant), renewed by Joinery.",
    }),
  ])
  .openapi('Credentials');

export const connectionBody = z
  .object({
    integration: z.string().min(1),
    tenant: z.string().min(1).max(200),
    credentials,
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('ConnectionInput');

export const connection = z
  .object({
    id: z.string(),
    integration: z.string(),
    connector: z.string(),
    tenant: z.string(),
    authType: z.enum(AUTH_TYPES),
    state: z.enum(CONNECTION_STATES),
    lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
    tokenExpiresAt: z.string().nullable(),
    lastCheckedAt: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    reconnectUrl: z.string().optional().openapi({
      description:
        'On GET of one connection that needs re-authorisation: the Connect link that fixes it.',
    }),
  })
  .openapi('Connection');

/** `retry` of an async action submission. */
export const runRetry = z
  .object({ maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).optional() })
  .strict();

export const actionBody = z
  .object({
    input: z.unknown().optional(),
    async: z
      .boolean()
      .optional()
      .openapi({ description: 'Run in the background: answer 202 with a run id at once' }),
    retry: runRetry.optional().openapi({
      description: `With \`"async": true\`: \`{maxAttempts}\`, executions before the run is given up and dead-lettered (1 to ${MAX_ATTEMPTS_LIMIT}; default ${DEFAULT_MAX_ATTEMPTS})`,
    }),
  })
  .openapi('ActionInput');
export const actionResult = z
  .object({ output: z.unknown(), requestId: z.string().nullable() })
  .openapi('ActionResult');

export const logEntry = z
  .object({
    id: z.string(),
    at: z.string(),
    connectionId: z.string().nullable(),
    integration: z.string(),
    tenant: z.string().nullable(),
    source: z.enum(['proxy', 'action', 'health_check', 'sync']),
    action: z.string().nullable(),
    method: z.string(),
    url: z.string(),
    status: z.number().nullable(),
    durationMs: z.number(),
    errorCode: z.string().nullable(),
    requestId: z.string(),
    attempt: z.number().int(),
    decision: z.string().nullable(),
  })
  .openapi('LogEntry');

export const driftEntry = z
  .object({
    action: z.string(),
    path: z.string(),
    kind: z.enum(['unknown', 'missing', 'retyped']),
    example: z.string().nullable(),
    count: z.number().int(),
    firstSeen: z.string(),
    lastSeen: z.string(),
  })
  .openapi('SchemaDrift');

export const quota = z
  .object({
    name: z.string(),
    used: z.number(),
    limit: z.number(),
    remaining: z.number(),
    updatedAt: z.string(),
  })
  .openapi('ProviderQuota');

export const webhookAccepted = z
  .object({
    received: z.literal(true),
    id: z.string().openapi({ description: "Joinery's id of the stored delivery." }),
    deliveryId: z.string().openapi({ description: "The provider's delivery id." }),
    duplicate: z.boolean().openapi({
      description: 'True when this delivery id was already stored: nothing new was written.',
    }),
  })
  .openapi('WebhookAccepted');

export const webhookDelivery = z
  .object({
    id: z.string(),
    integration: z.string(),
    deliveryId: z.string(),
    eventType: z.string().nullable(),
    receivedAt: z.string(),
    connectionIds: z.array(z.string()),
    payload: z.unknown(),
  })
  .openapi('WebhookDelivery');

export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
