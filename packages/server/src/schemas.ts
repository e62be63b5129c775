import { z } from '@hono/zod-openapi';
import { AUTH_TYPES, CONNECTION_STATES, ERROR_CODES } from '@joinery/engine';

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
    }),
  })
  .openapi('Error');

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
      }),
    ),
    healthCheck: z.object({ method: z.string(), path: z.string() }).nullable(),
    pagination: z.object({ type: z.string() }),
    rateLimit: z.object({ headers: z.record(z.string(), z.string()) }).nullable(),
  })
  .openapi('Connector');

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
    webhookSecret: z.string().min(1).optional().openapi({
      description: 'Secret for inbound webhook signatures; stored encrypted, never returned.',
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
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Integration');

export const credentials = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('api_key'), apiKey: z.string().min(1) }),
    z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
    z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
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
  })
  .openapi('Connection');

export const actionBody = z.object({ input: z.unknown().optional() }).openapi('ActionInput');
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
    source: z.enum(['proxy', 'action', 'health_check']),
    action: z.string().nullable(),
    method: z.string(),
    url: z.string(),
    status: z.number().nullable(),
    durationMs: z.number(),
    errorCode: z.string().nullable(),
    requestId: z.string(),
  })
  .openapi('LogEntry');

export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
