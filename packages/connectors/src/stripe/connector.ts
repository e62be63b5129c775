import { defineConnector } from '@joinery/engine';

/**
 * Stripe, for now only as the carrier of its inbound webhook data: `Stripe-Signature` verification
 * with rolled secrets, `id` as the delivery id, and Connect's `account` to route an event to the
 * connection whose metadata holds `stripe_account`. It has no actions yet; the proxy works with a
 * secret key (`{"type":"bearer","token":"sk_…"}`, https://docs.stripe.com/api/authentication).
 */
export const stripe = defineConnector({
  id: 'stripe',
  name: 'Stripe',
  description:
    'Inbound Stripe webhooks (Stripe-Signature, rotated secrets) and the proxy with a secret key; no actions yet.',
  docsUrl: 'https://docs.stripe.com/api',
  baseUrl: 'https://api.stripe.com',
  auth: [{ type: 'bearer' }],
  healthCheck: { method: 'GET', path: '/v1/balance' },
  errors: { messagePath: 'error.message', codePath: 'error.code' },
  // https://docs.stripe.com/api/idempotent_requests
  idempotencyHeader: 'Idempotency-Key',
  webhooks: {
    scheme: 'stripe',
    // https://docs.stripe.com/webhooks#verify-manually: the SDKs' default tolerance is 300 s.
    toleranceSeconds: 300,
    // https://docs.stripe.com/connect/webhooks: events from connected accounts carry `account`.
    routes: [{ payloadPath: 'account', connectionField: 'stripe_account' }],
  },
  actions: [],
});
