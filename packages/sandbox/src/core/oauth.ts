/**
 * The parts of an OAuth 2.0 authorization server that Slack, HubSpot and Salesforce share
 * (RFC 6749): single-use authorization codes bound to a client and redirect URI, redirects back
 * to the client, and client credentials read from Basic auth or the form. Each provider keeps
 * its own error shapes and token formats.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderResponse } from './provider.js';

/** What an authorization code stands for until it is redeemed. */
export interface CodeGrant {
  clientId: string;
  /** The `redirect_uri` the authorize request named, which the token request must repeat. */
  redirectUri: string | undefined;
  scopes: string[];
}

export type Redeemed<G> =
  | { kind: 'ok'; grant: G }
  | { kind: 'expired'; grant: G }
  /** Unknown, or already used: RFC 6749 §4.1.2 says a code is good for one request. */
  | { kind: 'unknown' };

export interface CodeStore<G extends CodeGrant> {
  issue(grant: G, now: number): string;
  redeem(code: string, now: number): Redeemed<G>;
  clear(): void;
}

/** Past this many unredeemed codes the oldest are forgotten: every store here has a cap. */
export const MAX_PENDING_CODES = 10_000;

export function createCodeStore<G extends CodeGrant>(
  ttlMs: number,
  makeCode: () => string,
): CodeStore<G> {
  const codes = new Map<string, { grant: G; expiresAt: number }>();
  return {
    issue(grant, now) {
      const code = makeCode();
      codes.set(code, { grant, expiresAt: now + ttlMs });
      if (codes.size > MAX_PENDING_CODES) {
        const oldest = codes.keys().next().value;
        if (oldest !== undefined) codes.delete(oldest);
      }
      return code;
    },
    redeem(code, now) {
      const entry = codes.get(code);
      if (entry === undefined) return { kind: 'unknown' };
      codes.delete(code);
      return now >= entry.expiresAt
        ? { kind: 'expired', grant: entry.grant }
        : { kind: 'ok', grant: entry.grant };
    },
    clear() {
      codes.clear();
    },
  };
}

/** URL-safe random characters, for tokens and codes. */
export function randomChars(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length] ?? 'x';
  return out;
}

/**
 * `uri` with `params` added to its query, keeping the query it already has (RFC 6749 §4.1.2:
 * "retaining the original query component"). Undefined values are left out.
 */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/** A 302 back to the client, the way every authorize endpoint answers once it has decided. */
export function redirect(location: string): ProviderResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

/** Only absolute http(s) URLs can be redirected to. */
export function isRedirectableUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A plain page for authorize errors that must not redirect (unknown client, wrong redirect URI). */
export function errorPage(status: number, title: string, detail: string): ProviderResponse {
  const escape = (text: string) =>
    text.replace(
      /[&<>"]/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
    );
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: `<!doctype html><html><head><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(detail)}</p></body></html>`,
  };
}

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
}

/**
 * Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1, form-urlencoded id and
 * secret) or, failing that, from `client_id` and `client_secret` in the form.
 */
export function readClientCredentials(
  headers: IncomingHttpHeaders,
  form: Pick<URLSearchParams, 'get'>,
): ClientCredentials {
  const match = /^Basic\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (match?.[1] !== undefined) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      const decode = (text: string) => {
        try {
          return decodeURIComponent(text.replace(/\+/g, ' '));
        } catch {
          return text;
        }
      };
      return {
        clientId: decode(decoded.slice(0, colon)),
        clientSecret: decode(decoded.slice(colon + 1)),
      };
    }
  }
  return {
    clientId: form.get('client_id') ?? undefined,
    clientSecret: form.get('client_secret') ?? undefined,
  };
}

/** The request's form body; an empty or non-form body is an empty form. */
export function readForm(headers: IncomingHttpHeaders, body: Buffer): URLSearchParams {
  const type = String(headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded') || body.length === 0)
    return new URLSearchParams();
  return new URLSearchParams(body.toString('utf8'));
}

/** Is `uri` one the client registered? A client that registered none accepts any http(s) URI. */
export function redirectAllowed(registered: readonly string[], uri: string): boolean {
  if (!isRedirectableUri(uri)) return false;
  return registered.length === 0 || registered.includes(uri);
}
