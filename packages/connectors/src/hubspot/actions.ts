import { defineHttpAction } from '@joinery/engine';
import { z } from 'zod';

// CRM v3 objects (https://developers.hubspot.com/docs/guides/api/crm/objects/contacts) and
// associations v4. Property values are strings on the wire, whatever their HubSpot type.

const objectId = z.string().regex(/^\d+$/, 'a HubSpot record id (digits)');
const properties = z
  .record(z.string(), z.string().nullable())
  .describe('Property internal names to values, e.g. {"email": "ada@example.com"}.');
const propertyNames = z
  .array(z.string().min(1))
  .max(100)
  .optional()
  .describe('Properties to return; HubSpot returns a default set when absent.');

const simplePublicObject = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
});

const filter = z.object({
  propertyName: z.string().min(1),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ]),
  value: z.string().optional(),
  highValue: z.string().optional(),
  values: z.array(z.string()).optional(),
});

const searchInput = z.object({
  filterGroups: z
    .array(z.object({ filters: z.array(filter).min(1).max(10) }))
    .max(5)
    .optional(),
  sorts: z
    .array(z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']) }))
    .max(1)
    .optional(),
  query: z.string().optional().describe('Full-text search over default searchable properties.'),
  properties: propertyNames,
  page_size: z
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .describe('Results per page (max 200). Defaults to the smaller of `limit` and 200.'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe('Most results to return, following `after` paging. Defaults to 100.'),
});

function crudActions(object: 'contacts' | 'companies', singular: 'contact' | 'company') {
  const base = `/crm/v3/objects/${object}`;
  return [
    // https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts
    defineHttpAction({
      name: `create_${singular}`,
      description: `Create a ${singular} with the given properties. A duplicate ${object === 'contacts' ? 'email' : 'domain'} is a conflict.`,
      input: z.object({ properties }),
      output: simplePublicObject,
      request: { method: 'POST', path: base, body: ['properties'] },
    }),
    defineHttpAction({
      name: `update_${singular}`,
      description: `Change properties of a ${singular}.`,
      // It sets the properties to the values given: sent twice, the same as once.
      idempotent: true,
      input: z.object({ id: objectId, properties }),
      output: simplePublicObject,
      request: { method: 'PATCH', path: `${base}/{id}`, body: ['properties'] },
    }),
    defineHttpAction({
      name: `get_${singular}`,
      description: `Read one ${singular} by id.`,
      readOnly: true,
      input: z.object({ id: objectId, properties: propertyNames }),
      output: simplePublicObject,
      request: { method: 'GET', path: `${base}/{id}`, query: ['properties'] },
    }),
    // https://developers.hubspot.com/docs/guides/api/crm/search
    defineHttpAction({
      name: `search_${object}`,
      description: `Search ${object} with filter groups (OR of ANDs), following \`after\` paging up to \`limit\`.`,
      readOnly: true,
      input: searchInput,
      output: z.array(simplePublicObject),
      request: {
        method: 'POST',
        path: `${base}/search`,
        body: ['filterGroups', 'sorts', 'query', 'properties', 'page_size'],
        rename: { page_size: 'limit' },
      },
      paginate: {
        limitField: 'limit',
        itemsPath: 'results',
        maxItems: 10_000,
        pageSizeField: 'page_size',
        maxPageSize: 200,
      },
    }),
  ] as const;
}

export const [createContact, updateContact, getContact, searchContacts] = crudActions(
  'contacts',
  'contact',
);
export const [createCompany, updateCompany, getCompany, searchCompanies] = crudActions(
  'companies',
  'company',
);

// https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4 (default association)
export const associateContactWithCompany = defineHttpAction({
  name: 'associate_contact_with_company',
  description: "Associate a contact with a company (HubSpot's default association type).",
  input: z.object({ contactId: objectId, companyId: objectId }),
  output: z.looseObject({
    status: z.string().optional(),
    results: z.array(z.looseObject({})).optional(),
  }),
  request: {
    method: 'PUT',
    path: '/crm/v4/objects/contacts/{contactId}/associations/default/companies/{companyId}',
  },
});
