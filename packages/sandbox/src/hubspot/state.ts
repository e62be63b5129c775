/** The sandbox's in-memory HubSpot account: plain records, turned into wire JSON by `representations.ts`. */
import type { ObjectTypeName } from './object-types.js';

export interface CrmRecord {
  /** Numeric, as a string: HubSpot's ids are strings on the wire. */
  id: string;
  /** Every property is a string or `null`, as HubSpot stores them. */
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  /** When it was archived (`DELETE`): set on the records in `HubSpotState.archived` only. */
  archivedAt?: string;
}

/** An association between a contact and a company, in both directions. */
export interface Association {
  contactId: string;
  companyId: string;
}

export interface HubSpotState {
  /** The account (portal) id, `hub_id` in token metadata. */
  portalId: number;
  /** Sorted by numeric id, which is creation order. */
  records: Record<ObjectTypeName, CrmRecord[]>;
  /** Archived (deleted) records, in the order they were archived: listed with `archived=true`. */
  archived: Record<ObjectTypeName, CrmRecord[]>;
  nextId: Record<ObjectTypeName, number>;
  associations: Association[];
}

/** HubSpot's timestamps: ISO 8601 in UTC with milliseconds. */
export function hubspotTimestamp(time: number): string {
  return new Date(time).toISOString();
}

export function findRecord(
  state: HubSpotState,
  type: ObjectTypeName,
  id: string,
): CrmRecord | undefined {
  return state.records[type].find((record) => record.id === id);
}
