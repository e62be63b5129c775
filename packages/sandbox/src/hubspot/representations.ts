/**
 * Wire JSON for CRM objects (`SimplePublicObject`): `id`, the requested `properties` (unset ones
 * as `null`, unknown names left out), `createdAt`, `updatedAt`, `archived`.
 */
import type { ObjectType } from './object-types.js';
import type { CrmRecord, HubSpotState } from './state.js';

/** v4 association type ids for the default (unlabeled) contact–company association. */
export const CONTACT_TO_COMPANY = 279;
export const COMPANY_TO_CONTACT = 280;

export function crmObject(
  type: ObjectType,
  record: CrmRecord,
  names: readonly string[] = type.defaultProperties,
) {
  const properties: Record<string, string | null> = {};
  for (const name of [...new Set(names)].sort()) {
    if (type.properties.has(name)) properties[name] = record.properties[name] ?? null;
  }
  return {
    id: record.id,
    properties,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    archived: false,
  };
}

/** The ids of the other side's records associated with `record`. */
export function associatedIds(state: HubSpotState, type: ObjectType, record: CrmRecord): string[] {
  return type.name === 'contacts'
    ? state.associations.filter((a) => a.contactId === record.id).map((a) => a.companyId)
    : state.associations.filter((a) => a.companyId === record.id).map((a) => a.contactId);
}

/** `?associations=companies` on a v3 read: `{"companies": {"results": [{id, type}]}}`. */
export function v3Associations(state: HubSpotState, type: ObjectType, record: CrmRecord) {
  const other = type.name === 'contacts' ? 'companies' : 'contacts';
  const label =
    type.name === 'contacts' ? 'contact_to_company_unlabeled' : 'company_to_contact_unlabeled';
  return {
    [other]: {
      results: associatedIds(state, type, record).map((id) => ({ id, type: label })),
    },
  };
}
