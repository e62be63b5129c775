import type { FieldMapping } from '@joinery/data';
import { JoineryError, type ConnectorMappings, type ContactSearch } from '@joinery/engine';

// Contact fields: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
// Datetimes are ISO 8601 UTC written with `+0000` (`2024-01-15T10:30:00.000+0000`); a parent's
// field read through a relationship nests (`"Account": {"Name": …}`, or `"Account": null`).

const instant = { type: 'datetime', format: 'iso', isoOffset: '+0000' } as const;

/**
 * `salesforce.contacts`: a Salesforce Contact ↔ Contact v1. Custom fields (`Tier__c`) come from
 * the tenant's overrides, e.g. `{"rules": [{"field": "custom.tier", "source": "Tier__c"}]}`.
 */
export const salesforceContactMapping: FieldMapping = {
  id: 'salesforce.contacts',
  model: { name: 'Contact', version: 1 },
  object: 'Contact',
  exportNull: 'null',
  rules: [
    { field: 'id', source: 'Id', direction: 'import', required: 'import' },
    { field: 'firstName', source: 'FirstName' },
    // Salesforce refuses a Contact without LastName (REQUIRED_FIELD_MISSING): say so before sending.
    { field: 'lastName', source: 'LastName', required: 'export' },
    { field: 'email', source: 'Email' },
    { field: 'phone', source: 'Phone' },
    // Read through the Account relationship; writing it would need the Account's id, not its name.
    { field: 'companyName', source: 'Account.Name', direction: 'import' },
    { field: 'jobTitle', source: 'Title' },
    {
      field: 'leadSource',
      source: 'LeadSource',
      // The default picklist; orgs edit it, so other values are kept as the org spells them.
      transform: {
        type: 'enum',
        values: {
          web: 'Web',
          phone_inquiry: 'Phone Inquiry',
          partner_referral: 'Partner Referral',
          purchased_list: 'Purchased List',
          other: 'Other',
        },
        unknown: 'keep',
      },
    },
    { field: 'createdAt', source: 'CreatedDate', direction: 'import', transform: instant },
    { field: 'updatedAt', source: 'LastModifiedDate', direction: 'import', transform: instant },
  ],
};

const FIELD = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;
const RECORD_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/**
 * The fields to SELECT, `Id` first. Field names come from mappings and tenants' overrides and end
 * up in SOQL, so anything but a plain or one-level relationship name is refused rather than quoted.
 */
export function selectFields(fields: readonly string[]): string[] {
  const names = new Set(['Id']);
  for (const field of fields) {
    if (!FIELD.test(field))
      throw new JoineryError(
        'invalid_input',
        `"${field}" is not a Salesforce field name (Name, Tier__c, Account.Name); fix the connection's mapping overrides`,
        { path: 'mappingOverrides' },
      );
    names.add(field);
  }
  return [...names];
}

/** The SELECT list of a query. */
export const selectList = (fields: readonly string[]): string => selectFields(fields).join(', ');

/** Backslash, quote and line breaks escaped, as SOQL string literals require. */
const escapeSoql = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/** A SOQL string literal. */
export const soqlString = (value: string) => `'${escapeSoql(value)}'`;

/** Inside LIKE, `%` and `_` are wildcards: escaped (after the literal's own escaping) to match literally. */
const likeContains = (value: string) =>
  `'%${escapeSoql(value).replace(/[%_]/g, (c) => `\\${c}`)}%'`;

export function contactSearchQuery(search: ContactSearch, fields: readonly string[]): string {
  const where: string[] = [];
  if (search.email !== undefined) where.push(`Email = ${soqlString(search.email)}`);
  if (search.query !== undefined)
    where.push(
      `(Name LIKE ${likeContains(search.query)} OR Email LIKE ${likeContains(search.query)})`,
    );
  return [
    `SELECT ${selectList(fields)} FROM Contact`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    `ORDER BY CreatedDate ASC LIMIT ${search.limit}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}

export function contactByIdQuery(id: string, fields: readonly string[]): string {
  if (!RECORD_ID.test(id))
    throw new JoineryError('invalid_input', `"${id}" is not a 15- or 18-character Salesforce id`, {
      path: 'input.id',
    });
  return `SELECT ${selectList(fields)} FROM Contact WHERE Id = ${soqlString(id)} LIMIT 1`;
}

export const salesforceMappings: ConnectorMappings = {
  contacts: {
    mapping: salesforceContactMapping,
    // A record's own URL (`/sobjects/Contact/{id}?fields=`) cannot read `Account.Name`: SOQL can.
    get: {
      action: 'query',
      input: (id, fields) => ({ q: contactByIdQuery(id, fields), limit: 1 }),
      record: (output) => (Array.isArray(output) ? (output[0] as unknown) : undefined),
    },
    search: {
      action: 'query',
      input: (search, fields) => ({ q: contactSearchQuery(search, fields), limit: search.limit }),
      records: (output) => (Array.isArray(output) ? (output as unknown[]) : []),
    },
    create: {
      action: 'create_record',
      input: (record) => ({ sobject: 'Contact', fields: record }),
      createdId: (output) => {
        const id = (output as { id?: unknown } | null)?.id;
        if (typeof id !== 'string')
          throw new JoineryError(
            'malformed_response',
            'Salesforce answered a create without an id',
          );
        return id;
      },
    },
    // PATCH /sobjects/Contact/{id}: only the fields sent change, null clears one; 204, no body.
    update: {
      action: 'update_record',
      input: (id, changes) => ({ sobject: 'Contact', id, fields: changes }),
    },
  },
};
