import { z } from '@hono/zod-openapi';

const connectionState = z.enum(['healthy', 'degraded', 'needs_reauth', 'disabled']);

export const connectionHealth = z
  .object({
    connectionId: z.string(),
    integration: z.string(),
    tenant: z.string(),
    state: connectionState,
    reason: z.string().openapi({ description: 'Why the connection is in this state' }),
    since: z.string().openapi({ description: 'When it entered this state' }),
    lastCheck: z
      .object({ at: z.string(), ok: z.boolean(), errorCode: z.string().nullable() })
      .nullable()
      .openapi({
        description: 'The last scheduled synthetic check (the connector’s health check)',
      }),
    nextCheckAt: z.string().nullable(),
    signals: z.object({
      windowMs: z.number().int(),
      calls: z.number().int(),
      failures: z.number().int(),
      errorRate: z.number(),
      malformed: z.number().int(),
      rateLimited: z.number().int(),
      latencyP50Ms: z.number().nullable(),
      latencyP95Ms: z.number().nullable(),
      consecutiveFailures: z.number().int(),
      lastFailureCode: z.string().nullable(),
      lastSuccessAt: z.string().nullable(),
      tokenExpiresAt: z.string().nullable(),
      refreshFailures: z.number().int(),
      lastSyncAt: z.string().nullable(),
      quotaHeadroom: z
        .number()
        .nullable()
        .openapi({ description: 'Smallest share (0–1) left of the provider’s known quotas' }),
    }),
    findings: z.array(z.object({ detector: z.string(), message: z.string() })).openapi({
      description:
        'Silent failures seen now (no success in the expected window, malformed-answer spike)',
    }),
    action: z.string().openapi({ description: 'What to do about it' }),
    reconnectUrl: z.string().optional(),
  })
  .openapi('ConnectionHealth');

export const transition = z
  .object({
    connectionId: z.string(),
    from: z.string(),
    to: z.string(),
    reason: z.string(),
    at: z.string(),
  })
  .openapi('ConnectionTransition');

export const alert = z
  .object({
    id: z.string(),
    rule: z.string(),
    subject: z.string(),
    status: z.enum(['firing', 'resolved']),
    severity: z.string(),
    summary: z.string(),
    details: z.record(z.string(), z.unknown()),
    firstFiredAt: z.string(),
    lastFiredAt: z.string(),
    resolvedAt: z.string().nullable(),
    notifiedFiringAt: z.string().nullable(),
    notifiedResolvedAt: z.string().nullable(),
    deliveryError: z.string().nullable(),
  })
  .openapi('Alert');
