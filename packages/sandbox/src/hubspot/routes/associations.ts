import { objectNotFound, validationError } from '../errors.js';
import { objectTypeFromPath } from '../object-types.js';
import { associatedIds, COMPANY_TO_CONTACT, CONTACT_TO_COMPANY } from '../representations.js';
import { findRecord } from '../state.js';
import { recordFromParams, type HubSpotRoute } from './route.js';

const spec = (typeId: number) => ({
  associationCategory: 'HUBSPOT_DEFINED',
  associationTypeId: typeId,
});

/**
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/basic/put-crm-v4-objects-objectType-objectId-associations-default-toObjectType-toObjectId
 * — the default (unlabeled) association, made in both directions; doing it twice changes nothing.
 */
export const associateDefault: HubSpotRoute = {
  method: 'PUT',
  path: '/crm/v4/objects/{objectType}/{objectId}/associations/default/{toObjectType}/{toObjectId}',
  access: 'write',
  handle(context) {
    const { type, params, state, now } = context;
    const toType = objectTypeFromPath(params['toObjectType'] ?? '');
    if (toType === undefined || toType === type)
      return validationError(
        `Unable to infer object type from: ${params['toObjectType'] ?? ''}; the sandbox associates contacts with companies.`,
      );
    const from = recordFromParams(context);
    const toId = params['toObjectId'] ?? '';
    const to = findRecord(state, toType.name, toId);
    if (from === undefined || to === undefined) return objectNotFound();

    const [contactId, companyId] = type.name === 'contacts' ? [from.id, to.id] : [to.id, from.id];
    if (!state.associations.some((a) => a.contactId === contactId && a.companyId === companyId))
      state.associations.push({ contactId, companyId });
    const forward = type.name === 'contacts' ? CONTACT_TO_COMPANY : COMPANY_TO_CONTACT;
    const backward = type.name === 'contacts' ? COMPANY_TO_CONTACT : CONTACT_TO_COMPANY;
    const at = new Date(now).toISOString();
    return {
      status: 200,
      body: {
        status: 'COMPLETE',
        results: [
          { from: { id: from.id }, to: { id: to.id }, associationSpec: spec(forward) },
          { from: { id: to.id }, to: { id: from.id }, associationSpec: spec(backward) },
        ],
        startedAt: at,
        completedAt: at,
      },
    };
  },
};

/**
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/basic/get-crm-v4-objects-objectType-objectId-associations-toObjectType
 * — `toObjectId` is a number here, unlike the string ids of CRM v3.
 */
export const listAssociations: HubSpotRoute = {
  method: 'GET',
  path: '/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}',
  access: 'read',
  handle(context) {
    const { type, params, state } = context;
    const toType = objectTypeFromPath(params['toObjectType'] ?? '');
    if (toType === undefined || toType === type)
      return validationError(`Unable to infer object type from: ${params['toObjectType'] ?? ''}`);
    const from = recordFromParams(context);
    if (from === undefined) return objectNotFound();
    const typeId = type.name === 'contacts' ? CONTACT_TO_COMPANY : COMPANY_TO_CONTACT;
    return {
      status: 200,
      body: {
        results: associatedIds(state, type, from).map((id) => ({
          toObjectId: Number(id),
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId, label: null }],
        })),
      },
    };
  },
};

export const associationRoutes: HubSpotRoute[] = [associateDefault, listAssociations];
