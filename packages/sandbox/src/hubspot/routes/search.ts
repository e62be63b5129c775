import { validationError } from '../errors.js';
import { crmObject } from '../representations.js';
import { MAX_SEARCH_RESULTS, parseSearchRequest, search } from '../search-filters.js';
import { isHubSpotError, readJsonObject, type HubSpotRoute } from './route.js';

/**
 * https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/search/post-crm-v3-objects-contacts-search
 * — `{filterGroups, sorts, query, properties, limit, after}`; answers `total`, `results` and,
 * while more remain, `paging.next.after` (an offset, with no `link`).
 */
export const searchObjects: HubSpotRoute = {
  method: 'POST',
  path: '/crm/v3/objects/{objectType}/search',
  access: 'read',
  search: true,
  handle({ request, type, state }) {
    const body = readJsonObject(request);
    if (isHubSpotError(body)) return body;
    const parsed = parseSearchRequest(type, body);
    if ('code' in parsed) return validationError('There was a problem with the request.', [parsed]);
    const matching = search(type, state.records[type.name], parsed);
    const end = parsed.offset + parsed.limit;
    const response: Record<string, unknown> = {
      total: matching.length,
      results: matching
        .slice(parsed.offset, end)
        .map((record) => crmObject(type, record, parsed.properties)),
    };
    if (end < matching.length && end < MAX_SEARCH_RESULTS)
      response['paging'] = { next: { after: String(end) } };
    return { status: 200, body: response };
  },
};
