import type { Secret } from '../secret.js';

/**
 * The signature schemes Joinery verifies. Each is one provider's published protocol:
 * - `github`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`
 *   (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries)
 * - `slack_v0`: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{X-Slack-Request-Timestamp}:{body}">`
 *   (https://docs.slack.dev/authentication/verifying-requests-from-slack)
 * - `stripe`: `Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">[,v1=…]`
 *   (https://docs.stripe.com/webhooks#verify-manually)
 * - `standard_webhooks`: `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`
 *   with a `whsec_<base64>` secret (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
 */
export const WEBHOOK_SCHEMES = ['github', 'slack_v0', 'stripe', 'standard_webhooks'] as const;
export type WebhookSchemeName = (typeof WEBHOOK_SCHEMES)[number];

/**
 * Which connections a delivery belongs to: those of the integration whose `metadata` (given when
 * the connection was created) or provider-set `settings` hold, under `connectionField`, the value
 * found in the payload at `payloadPath` (compared as text: GitHub's numeric `installation.id`
 * matches `"42"` and `42`).
 */
export interface WebhookRoute {
  /** Dotted path in the payload, e.g. `team_id` (Slack) or `installation.id` (GitHub). */
  payloadPath: string;
  /** Key in the connection's metadata or settings, e.g. `team_id`. */
  connectionField: string;
}

/** A connector's inbound webhooks, as data. */
export interface WebhookSpec {
  /** How the provider signs deliveries. An integration may select another (`webhookScheme`). */
  scheme: WebhookSchemeName;
  /**
   * How far a signed timestamp may be from now, either way, in seconds (schemes that sign one:
   * Slack, Stripe, Standard Webhooks). Defaults to 300, the figure all three publish.
   */
  toleranceSeconds?: number;
  /** Tried in order; the first route whose payload path has a value decides. */
  routes?: readonly WebhookRoute[];
}

/** What a verifier sees: header names lower-cased, the body exactly as received. */
export interface SignedRequest {
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

export interface VerifyOptions {
  /** Every secret the integration holds, newest first: any one of them may have signed. */
  secrets: readonly Secret<string>[];
  nowMs: number;
  toleranceSeconds: number;
}

export type VerifyFailure =
  'missing_signature' | 'malformed_signature' | 'signature_mismatch' | 'timestamp_out_of_tolerance';

/**
 * A verifier's decision with its reason. Failures say which check failed and nothing that would
 * help forge a signature (never the expected value).
 */
export type Verification = { ok: true } | { ok: false; reason: VerifyFailure; message: string };
