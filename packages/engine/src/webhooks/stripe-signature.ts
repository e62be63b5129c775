import { hmacSha256, parseSeconds, signaturesEqual, withinTolerance } from './hmac.js';
import type { SignedRequest, Verification, VerifyOptions } from './types.js';

/**
 * Stripe: `Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`, with one `v1`
 * per active endpoint secret while a secret is being rolled, and `v0` (test-mode legacy) ignored.
 * Any `v1` matching any of the integration's secrets passes, so both sides can rotate.
 * https://docs.stripe.com/webhooks#verify-manually
 */
export function verifyStripe(request: SignedRequest, options: VerifyOptions): Verification {
  const header = request.headers['stripe-signature'];
  if (header === undefined)
    return { ok: false, reason: 'missing_signature', message: 'no Stripe-Signature header' };
  let timestampText: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const name = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (name === 't') timestampText = value;
    else if (name === 'v1') signatures.push(value.toLowerCase());
  }
  const timestamp = parseSeconds(timestampText);
  if (timestamp === null || signatures.length === 0)
    return {
      ok: false,
      reason: 'malformed_signature',
      message: 'Stripe-Signature has no "t=" timestamp or no "v1=" signature',
    };
  const matched = options.secrets.some((secret) => {
    const expected = hmacSha256(
      secret.reveal(),
      `${timestampText as string}.`,
      request.body,
    ).toString('hex');
    return signatures.some((received) => signaturesEqual(received, expected));
  });
  if (!matched)
    return {
      ok: false,
      reason: 'signature_mismatch',
      message:
        "Stripe-Signature does not match: check that the integration's webhookSecret holds the endpoint's signing secret (whsec_…)",
    };
  if (!withinTolerance(timestamp, options.nowMs, options.toleranceSeconds))
    return {
      ok: false,
      reason: 'timestamp_out_of_tolerance',
      message: `Stripe-Signature's timestamp is more than ${options.toleranceSeconds} s from now (a replay, or a wrong clock)`,
    };
  return { ok: true };
}
