/**
 * A large contacts list generated on the fly, for sync tests and benchmarks: record `i` is computed
 * from `i` whenever it is asked for, so a million contacts cost no memory. Set with
 * `PUT /hubspot/_sandbox/generated-contacts`; while set, it replaces the account's contacts in
 * `GET /crm/v3/objects/contacts` and `POST /crm/v3/objects/contacts/search`.
 *
 * Wire shapes follow HubSpot's (https://developers.hubspot.com/docs/guides/api/crm/objects/contacts):
 * list pages `{results, paging.next.after}` (an opaque `after`, limit at most 100); search pages
 * `{total, results, paging.next.after}` (an offset, limit at most 200, no paging past 10,000).
 */
import { validationError, type HubSpotError } from './errors.js';
import type { ProviderRequest } from '../core/provider.js';
import { decodeAfter, encodeAfter, MAX_LIST_LIMIT, DEFAULT_LIMIT } from './routes/objects.js';
import { MAX_SEARCH_RESULTS } from './search-filters.js';
import type { RouteResult } from './routes/route.js';

/** The control path, below the `/hubspot` prefix. */
export const GENERATED_CONTACTS_PATH = '/_sandbox/generated-contacts';

/** Record `i` was created at `BASE + i` seconds; unchanged records were last modified then too. */
const BASE_MS = Date.UTC(2024, 0, 1);
const MAX_SEARCH_LIMIT = 200;
const DEFAULT_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];

export interface GeneratedContactsConfig {
  /** How many contacts (ids 1…count). */
  count: number;
  /** The share of contacts changed at the moment of the PUT (spread evenly: every 1/f-th). */
  changedFraction: number;
  /** The share of contacts deleted (archived) at the moment of the PUT. */
  deletedFraction: number;
  /**
   * The deleted contacts are gone for good, as after HubSpot's GDPR delete (or once an archived
   * contact's 90 days are over): absent from `archived=true` lists too, so only a full sync, which
   * no longer sees them, can tell.
   */
  purged: boolean;
  /**
   * Requests for generated contacts are not counted against HubSpot's rate limits: for measuring
   * a client's own throughput. Real HubSpot allows at most 190 requests per 10 s.
   */
  unthrottled: boolean;
  /** When the PUT was made; the changes happened in the milliseconds just before it. */
  changedAt: number;
}

export interface GeneratedContacts {
  config(): GeneratedContactsConfig | null;
  /** The control route: GET shows, PUT sets, DELETE removes the generated list. */
  control(request: ProviderRequest, now: number): RouteResult;
  /** Answers a contacts list or search request, or undefined when the request is not one. */
  handle(request: ProviderRequest, api: string): RouteResult | HubSpotError | undefined;
  reset(): void;
}

const LIST_PATH = '/crm/v3/objects/contacts';
const SEARCH_PATH = '/crm/v3/objects/contacts/search';

function strideOf(fraction: number): number {
  return fraction <= 0 ? 0 : Math.max(1, Math.round(1 / fraction));
}

export function createGeneratedContacts(): GeneratedContacts {
  let current: GeneratedContactsConfig | null = null;

  const isChanged = (c: GeneratedContactsConfig, i: number) => {
    const stride = strideOf(c.changedFraction);
    return stride > 0 && i % stride === stride - 1;
  };
  const isDeleted = (c: GeneratedContactsConfig, i: number) => {
    const stride = strideOf(c.deletedFraction);
    return stride > 0 && i % stride === Math.floor(stride / 2);
  };
  // Changed contacts were modified during the moments before the PUT, one millisecond apart, in
  // id order: distinct times, all in the past, as a real account's edits would be.
  const modifiedAt = (c: GeneratedContactsConfig, i: number) => {
    if (!isChanged(c, i)) return BASE_MS + i * 1000;
    const stride = strideOf(c.changedFraction);
    return c.changedAt - (Math.floor(c.count / stride) - Math.floor(i / stride));
  };

  const contact = (c: GeneratedContactsConfig, i: number, names: readonly string[]) => {
    const id = String(i + 1);
    const changed = isChanged(c, i);
    const created = new Date(BASE_MS + i * 1000).toISOString();
    const modified = new Date(modifiedAt(c, i)).toISOString();
    const all: Record<string, string | null> = {
      createdate: created,
      email: `contact${id}@example.com`,
      firstname: `First${id}`,
      hs_object_id: id,
      jobtitle: changed ? 'Engineer (changed)' : 'Engineer',
      lastmodifieddate: modified,
      lastname: `Last${id}`,
    };
    const properties: Record<string, string | null> = {};
    for (const name of [...new Set(names)].sort())
      if (Object.hasOwn(all, name)) properties[name] = all[name] ?? null;
    return { id, properties, createdAt: created, updatedAt: modified, archived: false };
  };

  const list = (
    c: GeneratedContactsConfig,
    request: ProviderRequest,
    api: string,
  ): RouteResult | HubSpotError => {
    const rawLimit = request.query.get('limit');
    let limit = DEFAULT_LIMIT;
    if (rawLimit !== null) {
      if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1)
        return validationError(`Unable to parse limit: '${rawLimit}'`);
      limit = Math.min(Number(rawLimit), MAX_LIST_LIMIT);
    }
    let start = 0;
    const after = request.query.get('after');
    if (after !== null && after !== '') {
      const id = decodeAfter(after);
      if (id === undefined) return validationError(`Invalid after: '${after}'`);
      start = Number(id) - 1;
    }
    const names = request.query.get('properties')?.split(',') ?? DEFAULT_PROPERTIES;
    if (request.query.get('archived') === 'true') return archivedList(c, start, limit, names);
    const results = [];
    let i = Math.max(start, 0);
    for (; i < c.count && results.length < limit; i += 1)
      if (!isDeleted(c, i)) results.push(contact(c, i, names));
    while (i < c.count && isDeleted(c, i)) i += 1;
    const body: Record<string, unknown> = { results };
    if (i < c.count) {
      const query = new URLSearchParams(request.query);
      query.delete('after');
      const afterValue = encodeAfter(String(i + 1));
      const rest = query.toString();
      body['paging'] = {
        next: {
          after: afterValue,
          link: `${api}${LIST_PATH}?${rest === '' ? '' : `${rest}&`}after=${afterValue}`,
        },
      };
    }
    return { status: 200, body };
  };

  /**
   * `archived=true`: the deleted contacts, archived at the moment of the PUT. Only every
   * 1/deletedFraction-th index is visited, so a list without deletions costs nothing.
   */
  const archivedList = (
    c: GeneratedContactsConfig,
    start: number,
    limit: number,
    names: readonly string[],
  ): RouteResult => {
    const stride = c.purged ? 0 : strideOf(c.deletedFraction);
    const results = [];
    let i = stride === 0 ? c.count : Math.floor(stride / 2);
    while (i < Math.max(start, 0)) i += stride;
    for (; i < c.count && results.length < limit; i += stride)
      results.push({
        ...contact(c, i, names),
        archived: true,
        archivedAt: new Date(c.changedAt).toISOString(),
      });
    const body: Record<string, unknown> = { results };
    if (i < c.count) body['paging'] = { next: { after: encodeAfter(String(i + 1)) } };
    return { status: 200, body };
  };

  /** Indexes of live contacts modified at or after `from` (after, when `strict`), oldest first. */
  function* matching(c: GeneratedContactsConfig, from: number, strict: boolean) {
    const passes = (time: number) => (strict ? time > from : time >= from);
    const first = Math.max(0, Math.ceil((from - BASE_MS) / 1000));
    for (let i = first; i < c.count; i += 1)
      if (!isChanged(c, i) && !isDeleted(c, i) && passes(modifiedAt(c, i))) yield i;
    const stride = strideOf(c.changedFraction);
    if (stride === 0) return;
    for (let i = stride - 1; i < c.count; i += stride)
      if (!isDeleted(c, i) && passes(modifiedAt(c, i))) yield i;
  }

  const search = (
    c: GeneratedContactsConfig,
    request: ProviderRequest,
  ): RouteResult | HubSpotError => {
    let body: Record<string, unknown>;
    try {
      const text = request.body.toString('utf8');
      body = (text.trim() === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    } catch {
      return validationError('Invalid input JSON on line 1, column 1');
    }
    const limit = body['limit'] ?? 10;
    if (
      typeof limit !== 'number' ||
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > MAX_SEARCH_LIMIT
    )
      return validationError(`limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
    const offset = Number(body['after'] ?? 0);
    if (!Number.isInteger(offset) || offset < 0) return validationError('Invalid after');
    const groups = (body['filterGroups'] ?? []) as { filters?: Record<string, unknown>[] }[];
    const filter = groups[0]?.filters?.[0];
    let from = Number.NEGATIVE_INFINITY;
    let strict = false;
    if (filter !== undefined) {
      if (
        groups.length !== 1 ||
        groups[0]?.filters?.length !== 1 ||
        filter['propertyName'] !== 'lastmodifieddate' ||
        (filter['operator'] !== 'GTE' && filter['operator'] !== 'GT')
      )
        return validationError(
          'The generated contacts answer only one filter: lastmodifieddate GTE or GT a time.',
        );
      const value = String(filter['value']);
      from = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
      if (Number.isNaN(from)) return validationError(`Invalid date value: '${value}'`);
      strict = filter['operator'] === 'GT';
    }
    const names = Array.isArray(body['properties'])
      ? (body['properties'] as string[])
      : DEFAULT_PROPERTIES;
    let total = 0;
    const results = [];
    for (const i of matching(c, from, strict)) {
      if (total >= offset && results.length < limit) results.push(contact(c, i, names));
      total += 1;
    }
    const end = offset + limit;
    const response: Record<string, unknown> = { total, results };
    if (end < total && end < MAX_SEARCH_RESULTS)
      response['paging'] = { next: { after: String(end) } };
    return { status: 200, body: response };
  };

  return {
    config: () => current,
    control(request, now) {
      if (request.method === 'GET') return { status: 200, body: { generated: current } };
      if (request.method === 'DELETE') {
        current = null;
        return { status: 200, body: { generated: null } };
      }
      if (request.method !== 'PUT')
        return {
          status: 405,
          body: { error: 'method_not_allowed', message: 'Use GET, PUT or DELETE.' },
        };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: 'invalid_json', message: 'The body must be JSON.' } };
      }
      const count = body['count'];
      const fraction = (name: string) => {
        const value = body[name] ?? 0;
        return typeof value === 'number' && value >= 0 && value <= 1 ? value : Number.NaN;
      };
      const changedFraction = fraction('changedFraction');
      const deletedFraction = fraction('deletedFraction');
      if (
        typeof count !== 'number' ||
        !Number.isInteger(count) ||
        count < 0 ||
        count > 100_000_000 ||
        Number.isNaN(changedFraction) ||
        Number.isNaN(deletedFraction) ||
        (body['purged'] !== undefined && typeof body['purged'] !== 'boolean')
      )
        return {
          status: 400,
          body: {
            error: 'invalid_config',
            message:
              '{"count": 0…100000000, "changedFraction"?: 0…1, "deletedFraction"?: 0…1, "purged"?: boolean, "unthrottled"?: boolean}',
          },
        };
      current = {
        count,
        changedFraction,
        deletedFraction,
        purged: body['purged'] === true,
        unthrottled: body['unthrottled'] === true,
        changedAt: now,
      };
      return { status: 200, body: { generated: current } };
    },
    handle(request, api) {
      if (current === null) return undefined;
      if (request.method === 'GET' && request.path === LIST_PATH)
        return list(current, request, api);
      if (request.method === 'POST' && request.path === SEARCH_PATH)
        return search(current, request);
      return undefined;
    },
    reset() {
      current = null;
    },
  };
}
