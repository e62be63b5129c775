import { applyMapping, sourceFields, validateRecord, type MappingOverrides } from '@joinery/data';
import { describe, expect, it } from 'vitest';
import { updateRecord } from './actions.js';
import {
  contactByIdQuery,
  contactSearchQuery,
  salesforceContactMapping as mapping,
  salesforceMappings,
} from './mappings.js';

// A Contact row as Salesforce's REST API returns it from SOQL: `attributes`, fields by API name,
// the parent Account nested under its relationship name, datetimes with `+0000`.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
const wire = {
  attributes: { type: 'Contact', url: '/services/data/v62.0/sobjects/Contact/0035g00000A1b2CAAR' },
  Id: '0035g00000A1b2CAAR',
  FirstName: 'Rose',
  LastName: 'Gonzalez',
  Email: 'rose@edge.example',
  Phone: '(512) 757-6000',
  Title: 'SVP, Procurement',
  LeadSource: 'Phone Inquiry',
  Account: {
    attributes: {
      type: 'Account',
      url: '/services/data/v62.0/sobjects/Account/0015g00000B2c3DAAR',
    },
    Name: 'Edge Communications',
  },
  Tier__c: 'Gold',
  CreatedDate: '2024-01-15T10:30:00.000+0000',
  LastModifiedDate: '2024-11-03T06:30:00.000+0000',
};

const overrides: MappingOverrides = {
  'salesforce.contacts': {
    rules: [
      {
        field: 'custom.tier',
        source: 'Tier__c',
        transform: { type: 'enum', values: { gold: 'Gold', silver: 'Silver', bronze: 'Bronze' } },
      },
    ],
  },
};
const WRITABLE = [
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'Title',
  'LeadSource',
  'Tier__c',
] as const;

describe('Salesforce contacts mapping', () => {
  it('imports a SOQL row into a valid Contact, the custom field through the tenant override', () => {
    const contact = applyMapping(mapping, wire, {
      direction: 'import',
      overrides,
      recordRef: wire.Id,
    });
    expect(contact).toEqual({
      id: '0035g00000A1b2CAAR',
      firstName: 'Rose',
      lastName: 'Gonzalez',
      email: 'rose@edge.example',
      phone: '(512) 757-6000',
      companyName: 'Edge Communications',
      jobTitle: 'SVP, Procurement',
      leadSource: 'phone_inquiry',
      createdAt: '2024-01-15T10:30:00.000Z',
      updatedAt: '2024-11-03T06:30:00.000Z',
      custom: { tier: 'gold' },
    });
    expect(validateRecord('Contact', contact)).toEqual({ valid: true });
  });

  it('round-trips: export of the import is the original writable fields, custom field included', () => {
    const contact = applyMapping(mapping, wire, { direction: 'import', overrides });
    const exported = applyMapping(mapping, contact, { direction: 'export', overrides });
    expect(exported).toEqual(Object.fromEntries(WRITABLE.map((name) => [name, wire[name]])));
  });

  it('round-trips nulls as nulls, a contact without an Account, and an org-specific lead source', () => {
    const sparse = {
      ...wire,
      FirstName: null,
      Phone: null,
      Title: null,
      Account: null,
      LeadSource: 'Trade Show',
      Tier__c: null,
    };
    const contact = applyMapping(mapping, sparse, { direction: 'import', overrides });
    expect(contact).toMatchObject({
      firstName: null,
      companyName: null,
      leadSource: 'Trade Show',
      custom: { tier: null },
    });
    expect(applyMapping(mapping, contact, { direction: 'export', overrides })).toEqual(
      Object.fromEntries(WRITABLE.map((name) => [name, sparse[name]])),
    );
  });

  it('refuses to export a Contact without LastName, naming the field, before Salesforce would', () => {
    expect(() =>
      applyMapping(mapping, { firstName: 'Rose' }, { direction: 'export', recordRef: 'input' }),
    ).toThrow(
      expect.objectContaining({
        reason: 'missing_required',
        field: 'lastName',
        source: 'LastName',
        recordRef: 'input',
      }) as Error,
    );
  });

  it('refuses a custom field without an override instead of dropping it', () => {
    expect(() =>
      applyMapping(mapping, { lastName: 'G', custom: { tier: 'gold' } }, { direction: 'export' }),
    ).toThrow(expect.objectContaining({ reason: 'unmapped_field', field: 'custom.tier' }) as Error);
  });

  it('asks SOQL for the mapped fields, the relationship and the custom field', () => {
    const fields = sourceFields(mapping, overrides['salesforce.contacts']);
    expect(contactByIdQuery('0035g00000A1b2CAAR', fields)).toBe(
      "SELECT Id, FirstName, LastName, Email, Phone, Account.Name, Title, LeadSource, CreatedDate, LastModifiedDate, Tier__c FROM Contact WHERE Id = '0035g00000A1b2CAAR' LIMIT 1",
    );
  });

  const searches: [string, Parameters<typeof contactSearchQuery>[0], string][] = [
    [
      'by email',
      { email: 'rose@edge.example', limit: 10 },
      "SELECT Id, Email FROM Contact WHERE Email = 'rose@edge.example' ORDER BY CreatedDate ASC LIMIT 10",
    ],
    [
      'a quote cannot end the literal',
      { email: "x' OR Name != '", limit: 1 },
      "SELECT Id, Email FROM Contact WHERE Email = 'x\\' OR Name != \\'' ORDER BY CreatedDate ASC LIMIT 1",
    ],
    [
      'free text with LIKE wildcards matched literally',
      { query: "50%_o'k", limit: 5 },
      "SELECT Id, Email FROM Contact WHERE (Name LIKE '%50\\%\\_o\\'k%' OR Email LIKE '%50\\%\\_o\\'k%') ORDER BY CreatedDate ASC LIMIT 5",
    ],
    ['everything', { limit: 3 }, 'SELECT Id, Email FROM Contact ORDER BY CreatedDate ASC LIMIT 3'],
  ];
  it.each(searches)('builds SOQL for a search %s', (_name, search, soql) => {
    expect(contactSearchQuery(search, ['Email'])).toBe(soql);
  });

  it('refuses field names and ids that would change the SOQL', () => {
    expect(() => contactSearchQuery({ limit: 1 }, ['Email FROM User --'])).toThrow(
      expect.objectContaining({ code: 'invalid_input' }) as Error,
    );
    expect(() => contactByIdQuery("003' OR Id != '", ['Email'])).toThrow(
      expect.objectContaining({ code: 'invalid_input', path: 'input.id' }) as Error,
    );
  });

  it('sends an update as the given fields only, a cleared one as null, to update_record on Contact', () => {
    const changes = applyMapping(
      mapping,
      { lastName: 'Gonzalez-Ruiz', phone: null, custom: { tier: 'silver' } },
      { direction: 'export', recordRef: 'input', overrides },
    );
    const update = salesforceMappings.contacts?.update;
    expect(update?.action).toBe(updateRecord.name);
    const input = update?.input(wire.Id, changes);
    expect(input).toEqual({
      sobject: 'Contact',
      id: wire.Id,
      fields: { LastName: 'Gonzalez-Ruiz', Phone: null, Tier__c: 'Silver' },
    });
    expect(updateRecord.input.parse(input)).toEqual(input);
  });
});
