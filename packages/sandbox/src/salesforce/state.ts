/** The sandbox's in-memory Salesforce org: records as field maps, turned into wire JSON by `representations.ts`. */
import { checksum, id15Of } from './ids.js';
import type { SObjectDefinition } from './schema.js';

export type FieldValue = string | number | boolean | null;

export interface SfRecord {
  /** 18 characters. */
  id: string;
  /** Every field of the sObject by its canonical name, `null` when unset. */
  fields: Record<string, FieldValue>;
}

/** A deletion, as getDeleted answers it: the 18-character id and when (`sfTimestamp`). */
export interface DeletedRecord {
  id: string;
  deletedDate: string;
}

export interface SalesforceState {
  orgId: string;
  userId: string;
  username: string;
  /** In creation order, which is id order. */
  records: Record<SObjectDefinition['name'], SfRecord[]>;
  /** Deleted records (`DELETE`), oldest first: what the getDeleted resource answers. */
  deleted: Record<SObjectDefinition['name'], DeletedRecord[]>;
  nextNumber: Record<SObjectDefinition['name'], number>;
}

/** The sandbox org's id; {@link SALESFORCE_DEMO_TOKEN} starts with its 15-character form. */
export const ORG_ID15 = '00D5g000004SbXC';
export const ORG_ID = ORG_ID15 + checksum(ORG_ID15);

/** Salesforce's dateTime format: milliseconds and a `+0000` offset, not `Z`. */
export function sfTimestamp(time: number): string {
  return new Date(time).toISOString().replace('Z', '+0000');
}

/** The record with this 15- or 18-character id, or `undefined`. */
export function findRecord(
  state: SalesforceState,
  sobject: SObjectDefinition,
  id: string,
): SfRecord | undefined {
  const wanted = id15Of(id);
  if (wanted === undefined) return undefined;
  return state.records[sobject.name].find((record) => record.id.slice(0, 15) === wanted);
}

/** Contact's read-only `Name` is first and last name. */
export function fullName(fields: Record<string, FieldValue>): string {
  return [fields['FirstName'], fields['LastName']]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ');
}
