import type { FieldMapping } from '@joinery/data';
import { JoineryError, type ConnectorMappings, type ContactSearch } from '@joinery/engine';

// HubSpot contact properties: https://knowledge.hubspot.com/properties/hubspots-default-contact-properties
// Every value is a string on the wire (or null when a requested property has no value); dates
// are ISO 8601 UTC with milliseconds and `Z`.

const instant = { type: 'datetime', format: 'iso' } as const;

/** `hubspot.contacts`: a HubSpot contact (`SimplePublicObject`) ↔ Contact v1. */
export const hubspotContactMapping: FieldMapping = {
  id: 'hubspot.contacts',
  model: { name: 'Contact', version: 1 },
  object: 'contacts',
  // HubSpot clears a property when it is sent as "" (its documented way); null is read as "".
  exportNull: 'empty_string',
  rules: [
    { field: 'id', source: 'id', direction: 'import', required: 'import' },
    { field: 'firstName', source: 'properties.firstname' },
    { field: 'lastName', source: 'properties.lastname' },
    { field: 'email', source: 'properties.email' },
    { field: 'phone', source: 'properties.phone' },
    { field: 'companyName', source: 'properties.company' },
    { field: 'jobTitle', source: 'properties.jobtitle' },
    {
      field: 'lifecycleStage',
      source: 'properties.lifecyclestage',
      // Internal values of the default stages. Accounts with custom stages (numeric internal
      // values) fail loudly until a tenant override maps them.
      transform: {
        type: 'enum',
        values: {
          subscriber: 'subscriber',
          lead: 'lead',
          marketing_qualified_lead: 'marketingqualifiedlead',
          sales_qualified_lead: 'salesqualifiedlead',
          opportunity: 'opportunity',
          customer: 'customer',
          evangelist: 'evangelist',
          other: 'other',
        },
        unknown: 'reject',
      },
    },
    {
      field: 'leadStatus',
      source: 'properties.hs_lead_status',
      // The default options; accounts add their own, kept as HubSpot spells them.
      transform: {
        type: 'enum',
        values: {
          new: 'NEW',
          open: 'OPEN',
          in_progress: 'IN_PROGRESS',
          open_deal: 'OPEN_DEAL',
          unqualified: 'UNQUALIFIED',
          attempted_to_contact: 'ATTEMPTED_TO_CONTACT',
          connected: 'CONNECTED',
          bad_timing: 'BAD_TIMING',
        },
        unknown: 'keep',
      },
    },
    {
      field: 'createdAt',
      source: 'properties.createdate',
      direction: 'import',
      transform: instant,
    },
    {
      field: 'updatedAt',
      source: 'properties.lastmodifieddate',
      direction: 'import',
      transform: instant,
    },
  ],
};

const PROPERTIES = 'properties.';

/** HubSpot property names from the mapping's source paths (`properties.email` → `email`). */
export const propertyNames = (fields: readonly string[]): string[] =>
  fields.filter((f) => f.startsWith(PROPERTIES)).map((f) => f.slice(PROPERTIES.length));

const objectWithId = (output: unknown): string => {
  const id = (output as { id?: unknown } | null)?.id;
  if (typeof id !== 'string')
    throw new JoineryError('malformed_response', 'HubSpot answered a create without an id');
  return id;
};

/** The search body: an email is an exact filter, free text is HubSpot's `query`. */
export function contactSearchInput(search: ContactSearch, fields: readonly string[]) {
  return {
    ...(search.email === undefined
      ? {}
      : {
          filterGroups: [
            { filters: [{ propertyName: 'email', operator: 'EQ' as const, value: search.email }] },
          ],
        }),
    ...(search.query === undefined ? {} : { query: search.query }),
    properties: propertyNames(fields),
    sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' as const }],
    limit: search.limit,
  };
}

export const hubspotMappings: ConnectorMappings = {
  contacts: {
    mapping: hubspotContactMapping,
    get: {
      action: 'get_contact',
      input: (id, fields) => ({ id, properties: propertyNames(fields) }),
      record: (output) => output,
    },
    search: {
      action: 'search_contacts',
      input: contactSearchInput,
      records: (output) => (Array.isArray(output) ? (output as unknown[]) : []),
    },
    create: {
      action: 'create_contact',
      input: (record) => ({ properties: record['properties'] ?? {} }),
      createdId: objectWithId,
    },
    // PATCH /crm/v3/objects/contacts/{id}: only the properties sent change; "" clears one.
    update: {
      action: 'update_contact',
      input: (id, changes) => ({ id, properties: changes['properties'] ?? {} }),
    },
  },
};
