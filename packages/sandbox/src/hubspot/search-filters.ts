/**
 * The CRM search request body, checked and evaluated: `filterGroups` are ORed, the filters in a
 * group ANDed; at most 5 groups, 10 filters per group and 25 in all (the limits since
 * 26 August 2024); `limit` at most 200; no paging past 10 000 results.
 * https://developers.hubspot.com/docs/guides/api/crm/search
 */
import type { ObjectType } from './object-types.js';
import type { CrmRecord } from './state.js';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const MAX_FILTER_GROUPS = 5;
export const MAX_FILTERS_PER_GROUP = 10;
export const MAX_FILTERS = 25;
export const MAX_SEARCH_LIMIT = 200;
export const DEFAULT_SEARCH_LIMIT = 10;
/** "The search endpoints are limited to 10,000 total results for any given query." */
export const MAX_SEARCH_RESULTS = 10_000;

export interface Filter {
  propertyName: string;
  operator: Operator;
  value: string | undefined;
  highValue: string | undefined;
  values: string[];
}

export interface SearchRequest {
  filterGroups: Filter[][];
  sort: { propertyName: string; descending: boolean } | undefined;
  query: string | undefined;
  properties: string[] | undefined;
  limit: number;
  offset: number;
}

/** A problem with the request, in the `errors` entry HubSpot adds to the 400. */
export interface SearchProblem {
  message: string;
  code: string;
  in?: string;
}

const scalar = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;

export function parseSearchRequest(
  type: ObjectType,
  body: Record<string, unknown>,
): SearchRequest | SearchProblem {
  const rawLimit = body['limit'] ?? DEFAULT_SEARCH_LIMIT;
  if (
    typeof rawLimit !== 'number' ||
    !Number.isInteger(rawLimit) ||
    rawLimit < 1 ||
    rawLimit > MAX_SEARCH_LIMIT
  )
    return {
      message: `limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`,
      code: 'INVALID_LIMIT',
      in: 'limit',
    };
  const rawAfter = scalar(body['after']) ?? '0';
  if (!/^\d+$/.test(rawAfter))
    return { message: `Invalid after: '${rawAfter}'`, code: 'INVALID_AFTER', in: 'after' };
  const offset = Number(rawAfter);
  if (offset >= MAX_SEARCH_RESULTS)
    return {
      message: `Cannot page beyond ${MAX_SEARCH_RESULTS} results`,
      code: 'PAGING_BEYOND_LIMIT',
      in: 'after',
    };

  const groups = body['filterGroups'] ?? [];
  if (!Array.isArray(groups))
    return {
      message: 'filterGroups must be an array',
      code: 'INVALID_FILTER_GROUPS',
      in: 'filterGroups',
    };
  if (groups.length > MAX_FILTER_GROUPS)
    return {
      message: `Too many filter groups (${groups.length}); the maximum is ${MAX_FILTER_GROUPS}`,
      code: 'TOO_MANY_FILTER_GROUPS',
      in: 'filterGroups',
    };
  const filterGroups: Filter[][] = [];
  let total = 0;
  for (const group of groups as unknown[]) {
    const filters = (group as { filters?: unknown }).filters;
    if (!Array.isArray(filters))
      return {
        message: 'Each filter group needs a filters array',
        code: 'INVALID_FILTER_GROUPS',
        in: 'filterGroups',
      };
    if (filters.length > MAX_FILTERS_PER_GROUP)
      return {
        message: `Too many filters in a group (${filters.length}); the maximum is ${MAX_FILTERS_PER_GROUP}`,
        code: 'TOO_MANY_FILTERS',
        in: 'filterGroups',
      };
    total += filters.length;
    const parsed: Filter[] = [];
    for (const raw of filters as Record<string, unknown>[]) {
      const propertyName = scalar(raw['propertyName']) ?? '';
      const operator = scalar(raw['operator']) ?? 'EQ';
      if (!(OPERATORS as readonly string[]).includes(operator))
        return {
          message: `Unknown operator: ${operator}`,
          code: 'INVALID_OPERATOR',
          in: 'filterGroups',
        };
      if (!type.properties.has(propertyName))
        return {
          message: `Property ${propertyName} does not exist for ${type.name}`,
          code: 'PROPERTY_DOESNT_EXIST',
          in: 'filterGroups',
        };
      parsed.push({
        propertyName,
        operator: operator as Operator,
        value: scalar(raw['value']),
        highValue: scalar(raw['highValue']),
        values: Array.isArray(raw['values'])
          ? (raw['values'] as unknown[]).map((v) => scalar(v) ?? '')
          : [],
      });
    }
    filterGroups.push(parsed);
  }
  if (total > MAX_FILTERS)
    return {
      message: `Too many filters (${total}); the maximum is ${MAX_FILTERS}`,
      code: 'TOO_MANY_FILTERS',
      in: 'filterGroups',
    };

  const firstSort = Array.isArray(body['sorts']) ? (body['sorts'] as unknown[])[0] : undefined;
  let sort: SearchRequest['sort'];
  if (typeof firstSort === 'string') {
    sort = { propertyName: firstSort.replace(/^-/, ''), descending: firstSort.startsWith('-') };
  } else if (typeof firstSort === 'object' && firstSort !== null) {
    const { propertyName, direction } = firstSort as Record<string, unknown>;
    sort = {
      propertyName: typeof propertyName === 'string' ? propertyName : 'hs_object_id',
      descending: direction === 'DESCENDING',
    };
  }
  const properties = Array.isArray(body['properties'])
    ? (body['properties'] as unknown[]).map((name) => String(name))
    : undefined;
  return {
    filterGroups,
    sort,
    query: typeof body['query'] === 'string' && body['query'] !== '' ? body['query'] : undefined,
    properties,
    limit: rawLimit,
    offset,
  };
}

/** Dates compare as epoch milliseconds (sent as either ms or ISO text), numbers as numbers. */
function comparable(type: ObjectType, name: string, value: string): number | string {
  const kind = type.properties.get(name)?.type;
  if (kind === 'datetime') {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isNaN(ms) ? value : ms;
  }
  if (kind === 'number' && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  return value.toLowerCase();
}

const compare = (a: number | string, b: number | string) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));

/** Tokens are words; a value with `*` is a wildcard over the whole text (`*@example.com`). */
function containsToken(text: string, token: string): boolean {
  const lower = text.toLowerCase();
  const wanted = token.toLowerCase();
  if (wanted.includes('*')) {
    const pattern = wanted
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${pattern}$`).test(lower);
  }
  return lower.split(/[^a-z0-9]+/).includes(wanted);
}

export function matchesFilter(type: ObjectType, record: CrmRecord, filter: Filter): boolean {
  const raw = record.properties[filter.propertyName] ?? null;
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return raw !== null && raw !== '';
    case 'NOT_HAS_PROPERTY':
      return raw === null || raw === '';
    default:
      break;
  }
  if (raw === null)
    return (
      filter.operator === 'NEQ' ||
      filter.operator === 'NOT_IN' ||
      filter.operator === 'NOT_CONTAINS_TOKEN'
    );
  const value = comparable(type, filter.propertyName, raw);
  const against = (text: string | undefined) => comparable(type, filter.propertyName, text ?? '');
  switch (filter.operator) {
    case 'EQ':
      return compare(value, against(filter.value)) === 0;
    case 'NEQ':
      return compare(value, against(filter.value)) !== 0;
    case 'LT':
      return compare(value, against(filter.value)) < 0;
    case 'LTE':
      return compare(value, against(filter.value)) <= 0;
    case 'GT':
      return compare(value, against(filter.value)) > 0;
    case 'GTE':
      return compare(value, against(filter.value)) >= 0;
    case 'BETWEEN':
      return (
        compare(value, against(filter.value)) >= 0 && compare(value, against(filter.highValue)) <= 0
      );
    case 'IN':
      return filter.values.some((candidate) => compare(value, against(candidate)) === 0);
    case 'NOT_IN':
      return !filter.values.some((candidate) => compare(value, against(candidate)) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(raw, filter.value ?? '');
    case 'NOT_CONTAINS_TOKEN':
      return !containsToken(raw, filter.value ?? '');
  }
}

/** The matching records, sorted (by id without `sorts`), before paging. */
export function search(
  type: ObjectType,
  records: readonly CrmRecord[],
  request: SearchRequest,
): CrmRecord[] {
  const query = request.query?.toLowerCase();
  const matching = records.filter(
    (record) =>
      (request.filterGroups.length === 0 ||
        request.filterGroups.some((group) =>
          group.every((filter) => matchesFilter(type, record, filter)),
        )) &&
      (query === undefined ||
        type.searchableProperties.some(
          (name) => record.properties[name]?.toLowerCase().includes(query) === true,
        )),
  );
  const sort = request.sort;
  if (sort === undefined) return matching.sort((a, b) => Number(a.id) - Number(b.id));
  const sign = sort.descending ? -1 : 1;
  const key = (record: CrmRecord) => {
    const raw = record.properties[sort.propertyName] ?? null;
    return raw === null ? null : comparable(type, sort.propertyName, raw);
  };
  return matching.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x === null || y === null)
      return x === y ? Number(a.id) - Number(b.id) : x === null ? 1 : -1;
    return sign * compare(x, y) || Number(a.id) - Number(b.id);
  });
}
