import { hmacSha256, parseSeconds, signaturesEqual, withinTolerance } from './hmac.js';
import type { SignedRequest, Verification, VerifyOptions } from './types.js';

/**
 * Slack's v0 signing secret scheme: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:{X-Slack-Request-Timestamp}:{raw body}">`, and the timestamp within five minutes of now so a
 * captured request cannot be replayed later.
 * https://docs.slack.dev/authentication/verifying-requests-from-slack
 */
export function verifySlack(request: SignedRequest, options: VerifyOptions): Verification {
  const signature = request.headers['x-slack-signature'];
  const timestampHeader = request.headers['x-slack-request-timestamp'];
  if (signature === undefined || timestampHeader === undefined)
    return {
      ok: false,
      reason: 'missing_signature',
      message: 'no X-Slack-Signature or X-Slack-Request-Timestamp header',
    };
  const timestamp = parseSeconds(timestampHeader);
  if (timestamp === null || !/^v0=[0-9a-f]{64}$/i.test(signature))
    return {
      ok: false,
      reason: 'malformed_signature',
      message:
        'X-Slack-Signature is not "v0=" and 64 hex digits, or X-Slack-Request-Timestamp is not a Unix time',
    };
  const received = signature.slice(3).toLowerCase();
  const matched = options.secrets.some((secret) =>
    signaturesEqual(
      received,
      hmacSha256(secret.reveal(), `v0:${timestampHeader.trim()}:`, request.body).toString('hex'),
    ),
  );
  if (!matched)
    return {
      ok: false,
      reason: 'signature_mismatch',
      message:
        "X-Slack-Signature does not match: check that the integration's webhookSecret is the app's Signing Secret",
    };
  if (!withinTolerance(timestamp, options.nowMs, options.toleranceSeconds))
    return {
      ok: false,
      reason: 'timestamp_out_of_tolerance',
      message: `X-Slack-Request-Timestamp is more than ${options.toleranceSeconds} s from now (a replay, or a wrong clock)`,
    };
  return { ok: true };
}
