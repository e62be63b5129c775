import { verifyGitHub } from './github-signature.js';
import { verifySlack } from './slack-signature.js';
import { verifyStandardWebhooks } from './standard-webhooks-signature.js';
import { verifyStripe } from './stripe-signature.js';
import type { SignedRequest, Verification, VerifyOptions, WebhookSchemeName } from './types.js';

/** Where a value is: a request header (lower-case name) or a dotted path in the JSON payload. */
export type ValueSource = { header: string } | { payload: string };

/** A scheme: how it is verified, and where its delivery id and event type are, as data. */
export interface WebhookScheme {
  name: WebhookSchemeName;
  verify(request: SignedRequest, options: VerifyOptions): Verification;
  /** Whether the scheme signs a timestamp (and so has a tolerance). */
  timestamped: boolean;
  /**
   * The provider's delivery id, first found wins. A delivery without one is keyed by the SHA-256
   * of its body, so an identical resend is still recognised.
   */
  deliveryId: readonly ValueSource[];
  /** The event type, first found wins; null when none is found. */
  eventType: readonly ValueSource[];
  /**
   * A handshake answered with `{[echo]: payload[echo]}` instead of being stored, once the
   * signature checks out: Slack's `url_verification` when the Request URL is saved
   * (https://docs.slack.dev/reference/events/url_verification).
   */
  challenge?: { path: string; equals: string; echo: string };
}

export const WEBHOOK_SCHEME_SPECS: Readonly<Record<WebhookSchemeName, WebhookScheme>> = {
  github: {
    name: 'github',
    verify: verifyGitHub,
    timestamped: false,
    deliveryId: [{ header: 'x-github-delivery' }],
    eventType: [{ header: 'x-github-event' }],
  },
  slack_v0: {
    name: 'slack_v0',
    verify: verifySlack,
    timestamped: true,
    // Events API envelopes carry `event_id`; Slack's retries (`X-Slack-Retry-Num`) repeat it.
    deliveryId: [{ payload: 'event_id' }],
    eventType: [{ payload: 'event.type' }, { payload: 'type' }],
    challenge: { path: 'type', equals: 'url_verification', echo: 'challenge' },
  },
  stripe: {
    name: 'stripe',
    verify: verifyStripe,
    timestamped: true,
    deliveryId: [{ payload: 'id' }],
    eventType: [{ payload: 'type' }],
  },
  standard_webhooks: {
    name: 'standard_webhooks',
    verify: verifyStandardWebhooks,
    timestamped: true,
    deliveryId: [{ header: 'webhook-id' }],
    eventType: [{ payload: 'type' }],
  },
};

/** The value at a dotted path (`installation.id`), or undefined. */
export function valueAt(payload: unknown, path: string): unknown {
  let current = payload;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The first source with a non-empty text or number value, as text. */
export function firstValue(
  sources: readonly ValueSource[],
  headers: Readonly<Record<string, string>>,
  payload: unknown,
): string | null {
  for (const source of sources) {
    const value = 'header' in source ? headers[source.header] : valueAt(payload, source.payload);
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}
