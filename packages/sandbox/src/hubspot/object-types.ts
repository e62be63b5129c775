/**
 * The CRM object types the sandbox has, with the properties each one accepts. Names, types and
 * default properties follow HubSpot's contacts and companies guides:
 * https://developers.hubspot.com/docs/guides/api/crm/objects/contacts
 * https://developers.hubspot.com/docs/guides/api/crm/objects/companies
 */

export type ObjectTypeName = 'contacts' | 'companies';

export interface PropertyDefinition {
  name: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration';
  /** Set by HubSpot: writing it is a `READ_ONLY_VALUE` error. */
  readOnly: boolean;
  /** For enumerations: the internal values allowed. */
  options?: readonly string[];
}

export interface ObjectType {
  name: ObjectTypeName;
  /** `0-1`, `0-2`: the id HubSpot also accepts in paths. */
  typeId: string;
  singular: string;
  properties: ReadonlyMap<string, PropertyDefinition>;
  /** Returned when the request names no `properties`. */
  defaultProperties: readonly string[];
  /** Matched by a search's free-text `query`. */
  searchableProperties: readonly string[];
  /** The property holding the last-modified time: contacts and companies differ. */
  lastModifiedProperty: string;
  readScope: string;
  writeScope: string;
}

const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];

const definitions = (list: PropertyDefinition[]) => new Map(list.map((p) => [p.name, p]));
const text = (name: string): PropertyDefinition => ({ name, type: 'string', readOnly: false });
const system = (name: string, type: PropertyDefinition['type']): PropertyDefinition => ({
  name,
  type,
  readOnly: true,
});

export const CONTACTS: ObjectType = {
  name: 'contacts',
  typeId: '0-1',
  singular: 'contact',
  properties: definitions([
    text('email'),
    text('firstname'),
    text('lastname'),
    text('phone'),
    text('company'),
    text('jobtitle'),
    text('website'),
    text('city'),
    { name: 'lifecyclestage', type: 'enumeration', readOnly: false, options: LIFECYCLE_STAGES },
    system('createdate', 'datetime'),
    system('lastmodifieddate', 'datetime'),
    system('hs_object_id', 'number'),
  ]),
  defaultProperties: [
    'createdate',
    'email',
    'firstname',
    'hs_object_id',
    'lastmodifieddate',
    'lastname',
  ],
  searchableProperties: ['firstname', 'lastname', 'email', 'phone', 'company'],
  lastModifiedProperty: 'lastmodifieddate',
  readScope: 'crm.objects.contacts.read',
  writeScope: 'crm.objects.contacts.write',
};

export const COMPANIES: ObjectType = {
  name: 'companies',
  typeId: '0-2',
  singular: 'company',
  properties: definitions([
    text('name'),
    text('domain'),
    text('industry'),
    text('city'),
    text('phone'),
    { name: 'numberofemployees', type: 'number', readOnly: false },
    { name: 'lifecyclestage', type: 'enumeration', readOnly: false, options: LIFECYCLE_STAGES },
    system('createdate', 'datetime'),
    system('hs_lastmodifieddate', 'datetime'),
    system('hs_object_id', 'number'),
  ]),
  defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  searchableProperties: ['name', 'domain', 'phone'],
  lastModifiedProperty: 'hs_lastmodifieddate',
  readScope: 'crm.objects.companies.read',
  writeScope: 'crm.objects.companies.write',
};

/** `contacts`, `contact` and `0-1` all name contacts, as in HubSpot's paths. */
export function objectTypeFromPath(segment: string): ObjectType | undefined {
  const name = segment.toLowerCase();
  if (name === 'contacts' || name === 'contact' || name === CONTACTS.typeId) return CONTACTS;
  if (name === 'companies' || name === 'company' || name === COMPANIES.typeId) return COMPANIES;
  return undefined;
}

export const ALL_SCOPES = [
  CONTACTS.readScope,
  CONTACTS.writeScope,
  COMPANIES.readScope,
  COMPANIES.writeScope,
];
