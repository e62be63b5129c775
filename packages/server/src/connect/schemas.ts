import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '@joinery/engine';

export const connectSessionBody = z
  .object({
    integration: z.string().min(1).openapi({ example: 'github' }),
    tenant: z.string().min(1).max(200).openapi({ example: 'acme' }),
    connectionId: z.string().min(1).optional().openapi({
      description:
        'Re-authorise this connection in place (a reconnect session): it keeps its id, and `connection.reauthorized` is recorded.',
    }),
    origin: z.url().optional().openapi({
      description:
        "Your app's origin. When the Connect page runs in a popup it posts its result to `window.opener` at this origin; without it, to any origin (the message holds no secret).",
      example: 'https://app.example.com',
    }),
  })
  .openapi('ConnectSessionInput');

export const connectSession = z
  .object({
    id: z.string(),
    url: z.string().openapi({
      description: 'The Connect page link to give the tenant: single use, valid until expiresAt.',
    }),
    expiresAt: z.string(),
    integration: z.string(),
    tenant: z.string(),
    connectionId: z.string().nullable(),
  })
  .openapi('ConnectSession');

export const event = z
  .object({
    id: z.string(),
    type: z.enum(EVENT_TYPES),
    at: z.string(),
    connectionId: z.string().nullable(),
    integration: z.string(),
    tenant: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).openapi({
      description:
        '`code` and `message` for failures; `reconnectUrl` on `connection.needs_reauth` while the connection still needs it.',
    }),
  })
  .openapi('Event');
