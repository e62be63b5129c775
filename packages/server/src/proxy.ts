import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  JoineryError,
  isJoineryError,
  newId,
  relayableHeaders,
  type Engine,
  type ProxyRequest,
  type Scope,
} from '@joinery/engine';
import type { Logger } from 'pino';

export const TENANT_HEADER = 'joinery-tenant';
/** How long the caller waits for an action or proxy call, retries and throttling included. */
export const TIMEOUT_HEADER = 'joinery-timeout-ms';
const PROXY_PREFIX = '/v1/proxy/';

export function readTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 300_000) {
    throw new JoineryError(
      'invalid_input',
      `${TIMEOUT_HEADER} must be a whole number of milliseconds from 100 to 300000`,
      {
        path: `headers.${TIMEOUT_HEADER}`,
      },
    );
  }
  return value;
}

/** The scope a request's secret key (and optional tenant header) grants, or `unauthorized`. */
export async function authenticate(
  engine: Engine,
  authorization: string | undefined,
  tenant: string | undefined,
): Promise<Scope> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const environmentId = match ? await engine.secretKeys.authenticate(match[1] as string) : null;
  if (!environmentId) {
    throw new JoineryError(
      'unauthorized',
      match
        ? 'the secret key is not valid (revoked or mistyped). Use the key printed when Joinery first started, or make a new one with `joinery secret-key rotate`.'
        : 'missing secret key: send `Authorization: Bearer <JOINERY_SECRET_KEY>`',
    );
  }
  return tenant === undefined || tenant === '' ? { environmentId } : { environmentId, tenant };
}

/** `/v1/proxy/{connectionId}/{path}` → its parts, or null when the URL is not a proxy URL. */
export function parseProxyUrl(url: URL): { connectionId: string; path: string } | null {
  if (!url.pathname.startsWith(PROXY_PREFIX)) return null;
  const rest = url.pathname.slice(PROXY_PREFIX.length);
  const slash = rest.indexOf('/');
  const connectionId = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  if (connectionId === '') return null;
  return { connectionId, path: slash < 0 ? '/' : rest.slice(slash) || '/' };
}

export function proxyRequest(
  method: string,
  url: URL,
  path: string,
  headers: Record<string, string>,
  body: Readable | null,
  signal: AbortSignal | undefined,
): ProxyRequest {
  const timeoutMs = readTimeout(headers[TIMEOUT_HEADER]);
  return {
    method,
    path,
    search: url.searchParams,
    headers,
    body: method === 'GET' || method === 'HEAD' ? null : body,
    ...(signal ? { signal } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

export function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304;
}

function sendError(res: ServerResponse, error: JoineryError): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  const body = JSON.stringify(error.toJSON());
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The proxy on Node's own request and response, ahead of the web-standard app: no Request,
 * Response or web-stream conversion on the hottest route (they cost more CPU than the proxying).
 * Behaviour matches the app's `/v1/proxy` route, which stays for embedders of `createApp`.
 */
export function createProxyListener(engine: Engine, logger: Logger) {
  return async function handleProxy(
    req: IncomingMessage,
    res: ServerResponse,
    target: { connectionId: string; path: string },
    url: URL,
  ): Promise<void> {
    // No AbortController per request (they showed up at ~8 % of the proxy's CPU): a client that
    // leaves mid-stream ends the pipeline below, which destroys the provider's body and socket; a
    // provider that has not answered yet is bounded by the call's deadline.
    try {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const scope = await authenticate(engine, headers.authorization, headers[TENANT_HEADER]);
      const method = req.method ?? 'GET';
      const hasBody =
        (headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
        headers['transfer-encoding'] !== undefined;
      const response = await engine.proxy(
        scope,
        target.connectionId,
        proxyRequest(method, url, target.path, headers, hasBody ? req : null, undefined),
      );
      const out = relayableHeaders(response.headers);
      out['joinery-request-id'] = response.requestId;
      res.writeHead(response.status, out);
      if (hasNoBody(method, response.status)) {
        response.body.resume();
        res.end();
        return;
      }
      await pipeline(response.body, res);
    } catch (error) {
      if (isJoineryError(error)) return sendError(res, error);
      if (res.destroyed || req.destroyed) return; // the client went away mid-stream
      const id = newId('err');
      logger.error({ err: error, errorId: id, path: url.pathname }, 'unhandled error in the proxy');
      sendError(
        res,
        new JoineryError(
          'internal',
          `Joinery failed to handle this request (error id ${id}); the server log has the details under that id`,
        ),
      );
    }
  };
}
