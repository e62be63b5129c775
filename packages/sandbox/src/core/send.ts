import type { ServerResponse } from 'node:http';
import type { ProviderResponse } from './provider.js';

/** Statuses that never carry a body (RFC 9110 §6.4.1), so no `content-length` either. */
const BODILESS = new Set([204, 304]);

export function send(res: ServerResponse, response: ProviderResponse): void {
  const body = Buffer.from(response.body, 'utf8');
  const headers: Record<string, string> = { ...response.headers };
  if (!BODILESS.has(response.status)) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(BODILESS.has(response.status) ? undefined : body);
}

/** The sandbox's own answers (control API, paths outside any provider): plain JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value, null, 2),
  });
}
