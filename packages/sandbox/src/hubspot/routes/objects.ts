import { contactExists, objectNotFound, validationError, type HubSpotError } from '../errors.js';
import { COMPANIES, CONTACTS } from '../object-types.js';
import { checkProperties, requestedProperties } from '../properties.js';
import { crmObject, v3Associations } from '../representations.js';
import { findRecord, hubspotTimestamp, type CrmRecord } from '../state.js';
import {
  isHubSpotError,
  readJsonObject,
  recordFromParams,
  type HubSpotRoute,
  type RouteContext,
  type RouteResult,
} from './route.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIST_LIMIT = 100;

/**
 * The list endpoints' `after` is opaque; the sandbox's, like the example in HubSpot's docs
 * (`NTI1Cg%3D%3D`), is the next id in base64, URL-encoded inside the JSON value. A client that
 * encodes it again still works: the value is decoded until it is plain base64.
 */
export function encodeAfter(id: string): string {
  return encodeURIComponent(Buffer.from(`${id}\n`).toString('base64'));
}

export function decodeAfter(after: string): string | undefined {
  let value = after;
  for (let i = 0; i < 3 && value.includes('%'); i += 1) {
    try {
      value = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  return /^(\d+)\n$/.exec(Buffer.from(value, 'base64').toString('utf8'))?.[1];
}

/**
 * https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/get-crm-v3-objects-contacts
 * — `limit` (default 10, at most 100), `after`, `properties`, `associations`, `archived`.
 */
function listObjects(context: RouteContext): RouteResult | HubSpotError {
  const { request, type, state, api } = context;
  const rawLimit = request.query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1)
      return validationError(`Unable to parse limit: '${rawLimit}'`);
    limit = Math.min(Number(rawLimit), MAX_LIST_LIMIT);
  }
  const after = request.query.get('after');
  let start = 0;
  if (after !== null && after !== '') {
    const id = decodeAfter(after);
    if (id === undefined) return validationError(`Invalid after: '${after}'`);
    const listed = request.query.get('archived') === 'true' ? state.archived : state.records;
    start = listed[type.name].findIndex((record) => record.id === id);
    if (start < 0) start = listed[type.name].findIndex((record) => Number(record.id) >= Number(id));
    if (start < 0) start = listed[type.name].length;
  }
  // `archived=true` lists the archived records (deleted with DELETE), with `archivedAt`.
  const archived = request.query.get('archived') === 'true';
  const all = archived ? state.archived[type.name] : state.records[type.name];
  const items = all.slice(start, start + limit);
  const next = all[start + limit];
  const names = requestedProperties(request.query);
  const withAssociations = request.query.get('associations') !== null;

  const body: Record<string, unknown> = {
    results: items.map((record) => ({
      ...crmObject(type, record, names),
      ...(archived ? { archived: true, archivedAt: record.archivedAt } : {}),
      ...(withAssociations ? { associations: v3Associations(state, type, record) } : {}),
    })),
  };
  if (next !== undefined) {
    const query = new URLSearchParams(request.query);
    query.delete('after');
    const afterValue = encodeAfter(next.id);
    const rest = query.toString();
    body['paging'] = {
      next: {
        after: afterValue,
        link: `${api}/crm/v3/objects/${type.name}?${rest === '' ? '' : `${rest}&`}after=${afterValue}`,
      },
    };
  }
  return { status: 200, body };
}

/** Email is unique among contacts, compared case-insensitively. */
function duplicateEmail(context: RouteContext, email: string | null | undefined, self?: CrmRecord) {
  if (context.type !== CONTACTS || email === null || email === undefined) return undefined;
  const wanted = email.toLowerCase();
  return context.state.records.contacts.find(
    (record) => record !== self && record.properties['email']?.toLowerCase() === wanted,
  );
}

/**
 * https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts
 * — `{properties, associations?}`; 201 with the new object. A contact whose email another
 * contact has is a 409 `CONFLICT` naming the existing id.
 */
function createObject(context: RouteContext): RouteResult | HubSpotError {
  const { request, type, state, now } = context;
  const body = readJsonObject(request);
  if (isHubSpotError(body)) return body;
  if (typeof body['properties'] !== 'object' || body['properties'] === null)
    return validationError(
      'Invalid input JSON on line 1, column 2: Cannot build SimplePublicObjectInputForCreate, some of required attributes are not set [properties]',
    );
  const values = checkProperties(type, body['properties'], state.portalId);
  if (isHubSpotError(values)) return values;
  const existing = duplicateEmail(context, values['email']);
  if (existing !== undefined) return contactExists(existing.id);

  const links: string[] = [];
  const associations = Array.isArray(body['associations'])
    ? (body['associations'] as unknown[])
    : [];
  for (const association of associations) {
    const to = (association as { to?: { id?: unknown } }).to?.id;
    const toId = typeof to === 'string' || typeof to === 'number' ? String(to) : '';
    const other = type === CONTACTS ? COMPANIES : CONTACTS;
    if (findRecord(state, other.name, toId) === undefined)
      return validationError(`No ${other.singular} with ID ${toId} exists`);
    links.push(toId);
  }

  const id = String(state.nextId[type.name]++);
  const at = hubspotTimestamp(now);
  const record: CrmRecord = {
    id,
    properties: { ...values, createdate: at, [type.lastModifiedProperty]: at, hs_object_id: id },
    createdAt: at,
    updatedAt: at,
  };
  state.records[type.name].push(record);
  for (const toId of links)
    state.associations.push(
      type === CONTACTS ? { contactId: id, companyId: toId } : { contactId: toId, companyId: id },
    );
  return {
    status: 201,
    body: crmObject(type, record, [...type.defaultProperties, ...Object.keys(values)]),
  };
}

/** https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/get-crm-v3-objects-contacts-contactId */
function getObject(context: RouteContext): RouteResult | HubSpotError {
  const record = recordFromParams(context);
  if (record === undefined) return objectNotFound();
  const body: Record<string, unknown> = crmObject(
    context.type,
    record,
    requestedProperties(context.request.query),
  );
  if (context.request.query.get('associations') !== null)
    body['associations'] = v3Associations(context.state, context.type, record);
  return { status: 200, body };
}

/** https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/patch-crm-v3-objects-contacts-contactId */
function updateObject(context: RouteContext): RouteResult | HubSpotError {
  const record = recordFromParams(context);
  if (record === undefined) return objectNotFound();
  const body = readJsonObject(context.request);
  if (isHubSpotError(body)) return body;
  const values = checkProperties(context.type, body['properties'], context.state.portalId);
  if (isHubSpotError(values)) return values;
  const existing = duplicateEmail(context, values['email'], record);
  if (existing !== undefined) return contactExists(existing.id);

  const at = hubspotTimestamp(context.now);
  Object.assign(record.properties, values, { [context.type.lastModifiedProperty]: at });
  record.updatedAt = at;
  return {
    status: 200,
    body: crmObject(context.type, record, [
      ...context.type.defaultProperties,
      ...Object.keys(values),
    ]),
  };
}

/**
 * https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/delete-crm-v3-objects-contacts-contactId
 * — archives the object (moves it to the recycling bin): 204, gone from reads and searches, listed
 * with `archived=true` with its `archivedAt`.
 */
function archiveObject(context: RouteContext): RouteResult | HubSpotError {
  const record = recordFromParams(context);
  if (record === undefined) return objectNotFound();
  const { state, type } = context;
  state.records[type.name] = state.records[type.name].filter((other) => other !== record);
  state.associations = state.associations.filter((association) =>
    type === CONTACTS ? association.contactId !== record.id : association.companyId !== record.id,
  );
  state.archived[type.name].push({ ...record, archivedAt: hubspotTimestamp(context.now) });
  return { status: 204, body: undefined };
}

export const objectRoutes: HubSpotRoute[] = [
  { method: 'GET', path: '/crm/v3/objects/{objectType}', access: 'read', handle: listObjects },
  { method: 'POST', path: '/crm/v3/objects/{objectType}', access: 'write', handle: createObject },
  {
    method: 'GET',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    access: 'read',
    handle: getObject,
  },
  {
    method: 'PATCH',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    access: 'write',
    handle: updateObject,
  },
  {
    method: 'DELETE',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    access: 'write',
    handle: archiveObject,
  },
];
