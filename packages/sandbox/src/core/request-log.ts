import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FaultKind } from './faults.js';

/** One request the sandbox received, with credentials replaced by fingerprints. */
export interface RecordedRequest {
  /** 1-based position in the log. */
  seq: number;
  /** ISO timestamp. */
  receivedAt: string;
  method: string;
  /** The full path the client sent, without the query string, e.g. `/github/user/repos`. */
  path: string;
  /** The provider that got it (`github`), or `null` if no provider is mounted there. */
  provider: string | null;
  /** Credential parameters (Slack's `token`, OAuth's `code`…) are fingerprints. */
  query: Record<string, string | string[]>;
  /** Lower-case names; `authorization`, `proxy-authorization` and `cookie` are fingerprints. */
  headers: Record<string, string>;
  /** The login the credentials belong to, or `null` if none or unknown. */
  tokenLogin: string | null;
  /**
   * Parsed JSON body, a form body as an object, the raw text otherwise, or `null` if empty
   * (first 16 KiB). Credential fields (see {@link SECRET_FIELDS}) are fingerprints.
   */
  body: unknown;
  /** The fault applied to it, if any. */
  fault: FaultKind | null;
  /** Status sent, or `null` if none was (reset, hang) or not yet. */
  status: number | null;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
/**
 * Body and query fields that carry credentials: Slack takes `token` as a form field, and OAuth
 * token requests send codes, refresh tokens and client secrets in the form (RFC 6749 §4.1.3, §6).
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'code',
  'code_verifier',
  'password',
  'id_token',
  'assertion',
  'client_assertion',
]);
const MAX_RECORDED_BODY = 16 * 1024;
/** Past this the oldest requests are dropped, so a long benchmark cannot exhaust memory. */
export const MAX_RECORDED_REQUESTS = 10_000;

/** `sha256:` and the first 16 hex digits: enough to tell tokens apart, useless to replay them. */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/** Keeps the scheme (`Bearer`, `token`, `Basic`) visible and replaces the credential. */
export function redactCredential(value: string): string {
  const match = /^(\S+)\s+(.+)$/.exec(value.trim());
  if (match?.[1] === undefined || match[2] === undefined) return fingerprint(value);
  return `${match[1]} ${fingerprint(match[2])}`;
}

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out[name] = SECRET_HEADERS.has(name) ? redactCredential(value) : value;
  }
  return out;
}

/** Replaces credential fields, at any depth, with their fingerprints. */
function redactFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactFields);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      SECRET_FIELDS.has(key) && typeof field === 'string'
        ? fingerprint(field)
        : redactFields(field),
    ]),
  );
}

function recordedBody(body: Buffer, headers: IncomingHttpHeaders): unknown {
  if (body.length === 0) return null;
  const text = body.subarray(0, MAX_RECORDED_BODY).toString('utf8');
  if (
    String(headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded')
  )
    return queryObject(new URLSearchParams(text));
  try {
    return redactFields(JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query
      .getAll(key)
      .map((value) => (SECRET_FIELDS.has(key) ? fingerprint(value) : value));
    out[key] = values.length === 1 && values[0] !== undefined ? values[0] : values;
  }
  return out;
}

export interface RequestLog {
  /** Every request, in order; the same array across `clear()`. */
  readonly requests: RecordedRequest[];
  record(entry: {
    method: string;
    path: string;
    provider: string | null;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    tokenLogin: string | null;
    body: Buffer;
  }): RecordedRequest;
  /** How many `method path` requests arrived (path with the provider prefix, no query). */
  count(method: string, path: string): number;
  counts(): Record<string, number>;
  clear(): void;
}

export function createRequestLog(): RequestLog {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  let seq = 0;
  const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

  return {
    requests,
    record(entry) {
      seq += 1;
      const recorded: RecordedRequest = {
        seq,
        receivedAt: new Date().toISOString(),
        method: entry.method,
        path: entry.path,
        provider: entry.provider,
        query: queryObject(entry.query),
        headers: redactHeaders(entry.headers),
        tokenLogin: entry.tokenLogin,
        body: recordedBody(entry.body, entry.headers),
        fault: null,
        status: null,
      };
      requests.push(recorded);
      if (requests.length > MAX_RECORDED_REQUESTS) requests.shift();
      const k = key(entry.method, entry.path);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      return recorded;
    },
    count(method, path) {
      return counts.get(key(method, path)) ?? 0;
    },
    counts() {
      return Object.fromEntries(counts);
    },
    clear() {
      requests.length = 0;
      counts.clear();
      seq = 0;
    },
  };
}
