import { applyMapping, validateRecord, type MappingOverrides } from '@joinery/data';
import { describe, expect, it } from 'vitest';
import { updateContact } from './actions.js';
import {
  contactSearchInput,
  hubspotContactMapping as mapping,
  hubspotMappings,
} from './mappings.js';

// A contact as HubSpot's CRM v3 returns it (GET /crm/v3/objects/contacts/{id}?properties=…):
// every value a string, unset requested properties null, ISO 8601 UTC times with milliseconds.
// https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/get-crm-v3-objects-contacts-contactId
const wire = {
  id: '512',
  properties: {
    company: 'Biglytics',
    createdate: '2024-01-15T10:30:00.000Z',
    email: 'bcooper@biglytics.net',
    firstname: 'Bryan',
    hs_lead_status: 'IN_PROGRESS',
    hs_object_id: '512',
    jobtitle: null,
    lastmodifieddate: '2024-03-10T07:30:00.123Z',
    lastname: 'Cooper',
    lifecyclestage: 'marketingqualifiedlead',
    phone: '(877) 929-0687',
  },
  createdAt: '2024-01-15T10:30:00.000Z',
  updatedAt: '2024-03-10T07:30:00.123Z',
  archived: false,
};

const READ_ONLY = new Set(['createdate', 'lastmodifieddate', 'hs_object_id']);

describe('HubSpot contacts mapping', () => {
  it('imports a wire contact into a valid Contact', () => {
    const contact = applyMapping(mapping, wire, {
      direction: 'import',
      recordRef: 'hubspot contact 512',
    });
    expect(contact).toEqual({
      id: '512',
      firstName: 'Bryan',
      lastName: 'Cooper',
      email: 'bcooper@biglytics.net',
      phone: '(877) 929-0687',
      companyName: 'Biglytics',
      jobTitle: null,
      lifecycleStage: 'marketing_qualified_lead',
      leadStatus: 'in_progress',
      createdAt: '2024-01-15T10:30:00.000Z',
      updatedAt: '2024-03-10T07:30:00.123Z',
      custom: {},
    });
    expect(validateRecord('Contact', contact)).toEqual({ valid: true });
  });

  it('round-trips: export of the import is the original writable properties (null as "", which HubSpot reads as cleared)', () => {
    const contact = applyMapping(mapping, wire, { direction: 'import' });
    const exported = applyMapping(mapping, contact, { direction: 'export' });
    const writable = Object.fromEntries(
      Object.entries(wire.properties)
        .filter(([name]) => !READ_ONLY.has(name))
        .map(([name, value]) => [name, value ?? '']),
    );
    expect(exported).toEqual({ properties: writable });
    // And importing what was exported gives the same Contact, less what HubSpot sets itself.
    const again = applyMapping(
      mapping,
      { id: '512', properties: exported['properties'] },
      { direction: 'import' },
    );
    expect(again).toEqual({ ...contact, createdAt: null, updatedAt: null });
  });

  it('keeps lead statuses an account added, spelled as HubSpot has them, both ways', () => {
    const custom = { ...wire, properties: { ...wire.properties, hs_lead_status: 'NURTURE_Q3' } };
    const contact = applyMapping(mapping, custom, { direction: 'import' });
    expect(contact['leadStatus']).toBe('NURTURE_Q3');
    expect(applyMapping(mapping, contact, { direction: 'export' })).toMatchObject({
      properties: { hs_lead_status: 'NURTURE_Q3' },
    });
  });

  it('refuses a custom lifecycle stage (numeric internal value) until the tenant maps it', () => {
    const custom = { ...wire, properties: { ...wire.properties, lifecyclestage: '1029384756' } };
    expect(() =>
      applyMapping(mapping, custom, { direction: 'import', recordRef: 'hubspot contact 512' }),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        reason: 'unknown_enum_value',
        recordRef: 'hubspot contact 512',
        field: 'lifecycleStage',
        source: 'properties.lifecyclestage',
      }) as Error,
    );
    const overrides: MappingOverrides = {
      'hubspot.contacts': {
        rules: [
          {
            field: 'lifecycleStage',
            source: 'properties.lifecyclestage',
            transform: {
              type: 'enum',
              values: { opportunity: ['opportunity', '1029384756'], customer: 'customer' },
              unknown: 'null',
            },
          },
        ],
      },
    };
    expect(
      applyMapping(mapping, custom, { direction: 'import', overrides })['lifecycleStage'],
    ).toBe('opportunity');
  });

  it('reads a contact whose unset properties HubSpot left out, and one with "" values, the same way', () => {
    const sparse = {
      id: '7',
      properties: {
        email: 'a@b.io',
        createdate: '2024-01-01T00:00:00Z',
        lastmodifieddate: '2024-01-01T00:00:00Z',
      },
    };
    const blank = {
      id: '7',
      properties: { ...sparse.properties, firstname: '', phone: '', hs_lead_status: '' },
    };
    expect(applyMapping(mapping, sparse, { direction: 'import' })).toEqual(
      applyMapping(mapping, blank, { direction: 'import' }),
    );
  });

  it('builds the search body from a unified search', () => {
    expect(
      contactSearchInput({ email: 'ada@example.com', limit: 5 }, [
        'id',
        'properties.email',
        'properties.firstname',
      ]),
    ).toEqual({
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada@example.com' }] },
      ],
      properties: ['email', 'firstname'],
      sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
      limit: 5,
    });
  });

  it('sends an update as the given properties only, a cleared one as "", to update_contact', () => {
    const changes = applyMapping(
      mapping,
      { jobTitle: 'CTO', phone: null },
      { direction: 'export', recordRef: 'input' },
    );
    const update = hubspotMappings.contacts?.update;
    expect(update?.action).toBe(updateContact.name);
    const input = update?.input('512', changes);
    expect(input).toEqual({ id: '512', properties: { jobtitle: 'CTO', phone: '' } });
    // The connector's own action takes it as it is.
    expect(updateContact.input.parse(input)).toEqual(input);
  });
});
