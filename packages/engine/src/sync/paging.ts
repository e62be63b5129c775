import type { HttpMethod, Pagination } from '../connector/types.js';
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

/** `value` with every string in it (object members and array items too) passed through `edit`. */
function mapStrings(value: unknown, edit: (text: string) => unknown): unknown {
  if (typeof value === 'string') return edit(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, edit));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        mapStrings(item, edit),
      ]),
    );
  return value;
}

const fill = (value: unknown, cursor: string) =>
  mapStrings(value, (text) => text.replace(PLACEHOLDER, cursor));

const FIELDS = '{{fields}}';

/**
 * `template` asking for the provider fields `names`: in `json`, a string that is exactly
 * `{{fields}}` becomes the list (HubSpot search's `properties`); elsewhere, in `path`, `query`
 * and `json` strings, `{{fields}}` becomes the names joined by commas (HubSpot list's
 * `properties=`, a SOQL SELECT list).
 */
export function fillFields<T extends SyncRequestTemplate>(
  template: T,
  names: readonly string[],
): T {
  const joined = names.join(',');
  const inText = (text: string) => text.replaceAll(FIELDS, joined);
  return {
    ...template,
    path: inText(template.path),
    ...(template.query === undefined
      ? {}
      : {
          query: Object.fromEntries(
            Object.entries(template.query).map(([key, value]) => [
              key,
              typeof value === 'string' ? inText(value) : value,
            ]),
          ),
        }),
    ...(template.json === undefined
      ? {}
      : {
          json: mapStrings(template.json, (text) => (text === FIELDS ? [...names] : inText(text))),
        }),
  };
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

/**
 * What following pages needs of a request: an action's `ProviderRequest` or a sync's stored
 * `PageRequest`. Anything else it carries (an action's headers) is kept on every page.
 */
export interface PagedRequest {
  method: HttpMethod;
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  json?: unknown;
}

/**
 * The request for the page after `response`, or null when `response` was the last page: the one
 * reading of a connector's `pagination`, for actions that follow pages and for syncs.
 * - `link`: the `Link` header's `rel="next"` URL (GitHub), same method.
 * - `cursor`: the body's cursor sent as `cursorParam`, in the JSON body when the request has one
 *   (HubSpot's search) and in the query otherwise (HubSpot's lists).
 * - `next_url`: the body's next URL, read with GET (Salesforce's `nextRecordsUrl`).
 * A URL from the provider carries its own query, so the request's query and body are dropped.
 */
export function nextPageRequest<R extends PagedRequest>(
  pagination: Pagination,
  current: R,
  response: Pick<ProviderResponse, 'body' | 'headers'>,
): R | null {
  switch (pagination.type) {
    case 'none':
      return null;
    case 'link': {
      const url = parseLinkHeader(response.headers.link).next;
      return url ? atUrl(current, current.method, url) : null;
    }
    case 'cursor': {
      const cursor = readPath(response.body, pagination.nextCursorPath);
      if ((typeof cursor !== 'string' && typeof cursor !== 'number') || cursor === '') return null;
      if (typeof current.json === 'object' && current.json !== null)
        return {
          ...current,
          json: { ...(current.json as Record<string, unknown>), [pagination.cursorParam]: cursor },
        };
      return { ...current, query: { ...current.query, [pagination.cursorParam]: cursor } };
    }
    case 'next_url': {
      const url = readPath(response.body, pagination.nextUrlPath);
      return typeof url === 'string' && url !== '' ? atUrl(current, 'GET', url) : null;
    }
  }
}

/** `current` sent to a URL the provider gave instead: without its query and body. */
function atUrl<R extends PagedRequest>(current: R, method: 'GET' | R['method'], path: string): R {
  const { query: _query, json: _json, ...kept } = current;
  // `kept` is `current` less two optional members, with a method the request already allows
  // (GET is what every page-following request may use).
  return { ...kept, method, path } as R;
}

export function toProviderRequest(request: PageRequest): ProviderRequest {
  return {
    method: request.method,
    path: request.path,
    ...(request.query !== undefined ? { query: request.query } : {}),
    ...(request.json !== undefined ? { json: request.json } : {}),
  };
}
