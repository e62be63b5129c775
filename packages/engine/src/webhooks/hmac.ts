import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 over the concatenated parts. */
export function hmacSha256(key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Compares a received signature with the expected one in constant time. The lengths are compared
 * first (a length is not secret: every valid signature of a scheme has the same one).
 */
export function signaturesEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a signed timestamp (seconds) is within `toleranceSeconds` of now, either way. */
export function withinTolerance(
  timestampSeconds: number,
  nowMs: number,
  toleranceSeconds: number,
): boolean {
  return Math.abs(nowMs / 1000 - timestampSeconds) <= toleranceSeconds;
}

/** A Unix timestamp in whole seconds, or null when the text is not one. */
export function parseSeconds(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,12}$/.test(text.trim())) return null;
  return Number(text.trim());
}
