import { hmacSha256, parseSeconds, signaturesEqual, withinTolerance } from './hmac.js';
import type { SignedRequest, Verification, VerifyOptions } from './types.js';

const SECRET_PREFIX = 'whsec_';

/**
 * Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`
 * (space-separated when several keys sign), keyed with the base64-decoded part of a `whsec_…`
 * secret. Signatures of other versions (`v1a`, asymmetric) are skipped, as the spec asks.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function verifyStandardWebhooks(
  request: SignedRequest,
  options: VerifyOptions,
): Verification {
  const id = request.headers['webhook-id'];
  const timestampText = request.headers['webhook-timestamp'];
  const header = request.headers['webhook-signature'];
  if (id === undefined || timestampText === undefined || header === undefined)
    return {
      ok: false,
      reason: 'missing_signature',
      message: 'no webhook-id, webhook-timestamp or webhook-signature header',
    };
  const timestamp = parseSeconds(timestampText);
  const signatures = header
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  if (timestamp === null || signatures.length === 0)
    return {
      ok: false,
      reason: 'malformed_signature',
      message: 'webhook-timestamp is not a Unix time, or webhook-signature has no "v1," signature',
    };
  const matched = options.secrets.some((secret) => {
    const raw = secret.reveal();
    const key = Buffer.from(
      raw.startsWith(SECRET_PREFIX) ? raw.slice(SECRET_PREFIX.length) : raw,
      'base64',
    );
    const expected = hmacSha256(key, `${id}.${timestampText}.`, request.body).toString('base64');
    return signatures.some((received) => signaturesEqual(received, expected));
  });
  if (!matched)
    return {
      ok: false,
      reason: 'signature_mismatch',
      message:
        "webhook-signature does not match: check that the integration's webhookSecret is the sender's whsec_… secret",
    };
  if (!withinTolerance(timestamp, options.nowMs, options.toleranceSeconds))
    return {
      ok: false,
      reason: 'timestamp_out_of_tolerance',
      message: `webhook-timestamp is more than ${options.toleranceSeconds} s from now (a replay, or a wrong clock)`,
    };
  return { ok: true };
}
