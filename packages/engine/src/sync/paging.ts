import type { Pagination } from '../connector/types.js';
import { parseLinkHeader } from '../outbound/headers.js';
import { readPath } from '../outbound/classify.js';
import type { ProviderRequest, ProviderResponse } from '../outbound/types.js';
import type { CursorFormat, SyncRequestTemplate } from './types.js';

/** A page request as a run stores it (JSON, so it survives a restart). */
export interface PageRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean>;
  json?: unknown;
}

const PLACEHOLDER = /\{\{cursor\}\}/g;

/** A cursor value (an instant) in the form a provider's query takes. */
export function formatCursor(epochMs: number, format: CursorFormat): string {
  const iso = new Date(epochMs).toISOString();
  switch (format) {
    case 'iso':
      return iso;
    case 'iso_seconds':
      // Rounded down: the query asks for "at or after", so an earlier bound re-reads a few
      // records (their payload hash makes them no change) and never skips one.
      return `${iso.slice(0, 19)}Z`;
    case 'epoch_ms':
      return String(epochMs);
  }
}

/**
 * A record's cursor field as milliseconds since the epoch: ISO 8601 (`Z`, `+00:00` or
 * Salesforce's `+0000`) or a number of milliseconds. Undefined when absent or unreadable.
 */
export function cursorMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function fill(value: unknown, cursor: string): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, cursor);
  if (Array.isArray(value)) return value.map((item) => fill(item, cursor));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        fill(item, cursor),
      ]),
    );
  return value;
}

/** The first page's request of a query, `{{cursor}}` filled in when a cursor is given. */
export function firstRequest(template: SyncRequestTemplate, cursor: string | null): PageRequest {
  const request: PageRequest = { method: template.method, path: template.path };
  const text = cursor ?? '';
  if (template.query !== undefined)
    request.query = fill({ ...template.query }, text) as Record<string, string | number | boolean>;
  if (template.json !== undefined) request.json = fill(template.json, text);
  if (cursor !== null) request.path = request.path.replace(PLACEHOLDER, encodeURIComponent(cursor));
  return request;
}

/** The request for the page after `response`, or null when `response` was the last page. */
export function nextRequest(
  pagination: Pagination,
  current: PageRequest,
  response: Pick<ProviderResponse, 'body' | 'headers'>,
): PageRequest | null {
  switch (pagination.type) {
    case 'none':
      return null;
    case 'link': {
      const url = parseLinkHeader(response.headers.link).next;
      return url ? { method: current.method, path: url } : null;
    }
    case 'cursor': {
      const cursor = readPath(response.body, pagination.nextCursorPath);
      if ((typeof cursor !== 'string' && typeof cursor !== 'number') || cursor === '') return null;
      // A search takes its cursor in the JSON body, a list in the query.
      if (typeof current.json === 'object' && current.json !== null)
        return {
          ...current,
          json: { ...(current.json as Record<string, unknown>), [pagination.cursorParam]: cursor },
        };
      return { ...current, query: { ...current.query, [pagination.cursorParam]: cursor } };
    }
    case 'next_url': {
      const url = readPath(response.body, pagination.nextUrlPath);
      return typeof url === 'string' && url !== '' ? { method: 'GET', path: url } : null;
    }
  }
}

export function toProviderRequest(request: PageRequest): ProviderRequest {
  return {
    method: request.method,
    path: request.path,
    ...(request.query !== undefined ? { query: request.query } : {}),
    ...(request.json !== undefined ? { json: request.json } : {}),
  };
}
