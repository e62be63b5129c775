import { z } from '@hono/zod-openapi';
import { DEAD_LETTER_KINDS, DELIVERY_STATUSES } from '@joinery/engine';

export const webhookEndpointBody = z
  .object({
    url: z.string().min(1).max(2048).openapi({
      description:
        'Where Joinery POSTs events (http or https). Private and loopback addresses need `allowPrivateNetwork`.',
      example: 'https://app.example.com/joinery/webhooks',
    }),
    events: z.array(z.string().min(1).max(200)).max(100).optional().openapi({
      description:
        'Event types sent here: names (`connection.created`) or prefixes (`connection.*`). Omitted or empty: every event.',
    }),
    allowPrivateNetwork: z.boolean().optional().openapi({
      description:
        'Allow a private, loopback or link-local destination (a local receiver). Defaults to false.',
    }),
  })
  .openapi('WebhookEndpointBody');

export const webhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).openapi({ description: 'Empty: every event.' }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({
      description: 'Why Joinery stopped sending here (the endpoint answered 410 Gone).',
    }),
    allowPrivateNetwork: z.boolean(),
    breaker: z.object({
      state: z.enum(['closed', 'open']),
      consecutiveFailures: z.number().int(),
      openUntil: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint');

export const createdWebhookEndpoint = webhookEndpoint
  .extend({
    secret: z.string().openapi({
      description:
        'The Standard Webhooks signing secret (`whsec_…`). Shown only in this answer; Joinery stores it encrypted.',
    }),
  })
  .openapi('CreatedWebhookEndpoint');

const storedError = z.object({
  code: z.string(),
  message: z.string(),
  status: z.number().int().optional(),
  at: z.string(),
});

export const outgoingDelivery = z
  .object({
    id: z
      .string()
      .openapi({ description: 'The `webhook-id` header: the same on every attempt and replay.' }),
    endpointId: z.string(),
    eventId: z.string(),
    type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: storedError.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredAt: z.string().nullable(),
    payload: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The signed body: `{type, timestamp, data}`.' }),
  })
  .openapi('OutgoingDelivery');

export const deadLetter = z
  .object({
    id: z.string(),
    kind: z.enum(DEAD_LETTER_KINDS),
    refId: z.string().openapi({ description: 'The id of the delivery or run.' }),
    reason: z.string(),
    lastError: z.record(z.string(), z.unknown()).nullable(),
    payload: z.unknown(),
    createdAt: z.string(),
    replayCount: z.number().int(),
    lastReplayedAt: z.string().nullable(),
    resolvedAt: z.string().nullable().openapi({ description: 'When a replay succeeded.' }),
  })
  .openapi('DeadLetter');

export const replayResult = z
  .object({
    replayed: z.boolean().openapi({
      description: 'False when the replay changed nothing: already queued, or already succeeded.',
    }),
    status: z.string().openapi({ description: "The replayed delivery's or run's state now." }),
    message: z.string(),
    deadLetter,
  })
  .openapi('ReplayResult');
