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
  query: Record<string, string | string[]>;
  /** Lower-case names; `authorization`, `proxy-authorization` and `cookie` are fingerprints. */
  headers: Record<string, string>;
  /** The login the credentials belong to, or `null` if none or unknown. */
  tokenLogin: string | null;
  /** Parsed JSON body, the raw text if it is not JSON, or `null` if empty (first 16 KiB). */
  body: unknown;
  /** The fault applied to it, if any. */
  fault: FaultKind | null;
  /** Status sent, or `null` if none was (reset, hang) or not yet. */
  status: number | null;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
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

function recordedBody(body: Buffer): unknown {
  if (body.length === 0) return null;
  const text = body.subarray(0, MAX_RECORDED_BODY).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
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
        body: recordedBody(entry.body),
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
