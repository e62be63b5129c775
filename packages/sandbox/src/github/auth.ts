/**
 * Credentials GitHub's REST API accepts: `Authorization: Bearer <token>`, the older
 * `Authorization: token <token>`, and Basic with the token as the password.
 * https://docs.github.com/rest/authentication/authenticating-to-the-rest-api
 */

export type Credentials =
  | { kind: 'none' }
  /** A header GitHub cannot read as any scheme: answered like a wrong token. */
  | { kind: 'malformed' }
  | { kind: 'token'; scheme: 'bearer' | 'token' | 'basic'; token: string };

export function readCredentials(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header.trim());
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2];
  if (value === undefined) return { kind: 'malformed' };
  if (scheme === 'bearer' || scheme === 'token') return { kind: 'token', scheme, token: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    return { kind: 'token', scheme, token: decoded.slice(colon + 1) };
  }
  return { kind: 'malformed' };
}
