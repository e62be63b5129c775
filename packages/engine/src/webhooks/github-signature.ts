import { hmacSha256, signaturesEqual } from './hmac.js';
import type { SignedRequest, Verification, VerifyOptions } from './types.js';

const HEADER = 'x-hub-signature-256';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. GitHub signs no
 * timestamp, so a replay is caught by the delivery id (`X-GitHub-Delivery`), not by age.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function verifyGitHub(request: SignedRequest, options: VerifyOptions): Verification {
  const header = request.headers[HEADER];
  if (header === undefined)
    return { ok: false, reason: 'missing_signature', message: 'no X-Hub-Signature-256 header' };
  if (!/^sha256=[0-9a-f]{64}$/i.test(header))
    return {
      ok: false,
      reason: 'malformed_signature',
      message: 'X-Hub-Signature-256 is not "sha256=" followed by 64 hex digits',
    };
  const received = header.slice('sha256='.length).toLowerCase();
  for (const secret of options.secrets) {
    const expected = hmacSha256(secret.reveal(), request.body).toString('hex');
    if (signaturesEqual(received, expected)) return { ok: true };
  }
  return {
    ok: false,
    reason: 'signature_mismatch',
    message:
      "X-Hub-Signature-256 does not match the body: check that the integration's webhookSecret is the webhook's secret at GitHub",
  };
}
