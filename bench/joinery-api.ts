/**
 * Talking to a Joinery child from a benchmark: start one (`joinery-process.ts`), call its HTTP API
 * with the secret key, create a connection, read the request log back.
 */
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startChild } from './child-process.js';
import { REQUEST_TIMEOUT_MS } from './load.js';

export interface JoineryReady {
  url: string;
  key: string;
  version: string;
  store: string;
}

export interface JoineryChildOptions {
  /** Shown as the prefix of its log lines. Defaults to `joinery`. */
  name?: string;
  /** The `upstream` integration seeded at start-up points here. */
  upstreamUrl: string;
  /** A fresh directory (PGlite's data, or unused with PostgreSQL). */
  dataDir: string;
  env: Record<string, string>;
  /** With these, the child runs on PostgreSQL instead of PGlite (see `joinery-process.ts`). */
  postgres?: { databaseUrl: string; encryptionKey: string; secretKey: string };
}

export function startJoineryChild(options: JoineryChildOptions) {
  const { postgres } = options;
  return startChild<JoineryReady>({
    name: options.name ?? 'joinery',
    script: fileURLToPath(new URL('./joinery-process.js', import.meta.url)),
    args: [options.upstreamUrl, options.dataDir],
    env: {
      ...options.env,
      ...(postgres
        ? {
            BENCH_JOINERY_DATABASE_URL: postgres.databaseUrl,
            BENCH_JOINERY_ENCRYPTION_KEY: postgres.encryptionKey,
            BENCH_JOINERY_SECRET_KEY: postgres.secretKey,
          }
        : {}),
    },
    // PGlite initialises and migrates a fresh data directory first; that takes a few seconds.
    readyTimeoutMs: 60_000,
    parseReady(message) {
      const { url, key, version, store } = message as Partial<Record<string, unknown>>;
      if (typeof url !== 'string' || typeof key !== 'string')
        throw new Error('expected {"url": string, "key": string}');
      return {
        url,
        key,
        version: typeof version === 'string' ? version : 'unknown',
        store: typeof store === 'string' ? store : 'unknown',
      };
    },
  });
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body; undefined when it was empty or not JSON. */
  json: unknown;
}

export type JoineryApi = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiAnswer>;

/** A JSON client for one Joinery process; never throws on a status, only on transport failure. */
export function joineryApi(
  joinery: { url: string; key: string },
  timeoutMs = REQUEST_TIMEOUT_MS,
): JoineryApi {
  return async (method, path, body, headers = {}) => {
    const response = await request(`${joinery.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${joinery.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text, json };
  };
}

/** Creates an `api_key` connection; its health check runs before this returns. */
export async function createConnection(
  api: JoineryApi,
  integration: string,
  tenant: string,
  apiKey: string,
): Promise<{ id: string; state: string }> {
  const answer = await api('POST', '/v1/connections', {
    integration,
    tenant,
    credentials: { type: 'api_key', apiKey },
  });
  if (answer.status !== 201)
    throw new Error(`POST /v1/connections answered ${answer.status}: ${answer.text}`);
  const connection = answer.json as { id: string; state: string };
  return { id: connection.id, state: connection.state };
}

/** One row of `GET /v1/logs`: one exchange with the provider. */
export interface LogRow {
  at: string;
  connectionId: string | null;
  source: string;
  action: string | null;
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  errorCode: string | null;
  requestId: string;
  attempt?: number;
  decision?: string | null;
}

/** Every request-log row of a connection, oldest first, at most `max`. */
export async function readLogs(api: JoineryApi, connectionId: string, max = 50_000) {
  const rows: LogRow[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ connection: connectionId, limit: '1000' });
    if (cursor) query.set('cursor', cursor);
    const answer = await api('GET', `/v1/logs?${query.toString()}`);
    if (answer.status !== 200)
      throw new Error(`GET /v1/logs answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const page = answer.json as { data: LogRow[]; nextCursor?: string | null };
    rows.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && rows.length < max);
  return rows.reverse();
}
