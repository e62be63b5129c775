import { defineAction, defineHttpAction } from '@joinery/engine';
import { z } from 'zod';

/** The REST API version this connector is written and tested against. */
export const API_VERSION = 'v62.0';
const data = `/services/data/${API_VERSION}`;

// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/
const sobject = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an sObject API name such as Contact, Account or Invoice__c')
  .describe('The sObject API name, e.g. Contact, Account, or a custom object such as Invoice__c.');
const recordId = z
  .string()
  .regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/, 'a 15- or 18-character Salesforce id');
const fields = z
  .record(z.string(), z.unknown())
  .describe('Field API names to values, custom fields (…__c) included.');

const record = z.looseObject({
  attributes: z.looseObject({ type: z.string(), url: z.string().optional() }),
  Id: z.string().optional(),
});

// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
export const query = defineHttpAction({
  name: 'query',
  description: 'Run a SOQL query, following nextRecordsUrl up to `limit` records.',
  readOnly: true,
  input: z.object({
    q: z
      .string()
      .min(1)
      .describe("SOQL, e.g. SELECT Id, Name FROM Account WHERE Industry = 'Energy'"),
    limit: z
      .number()
      .int()
      .min(1)
      .max(50_000)
      .optional()
      .describe('Most records to return. Defaults to 2,000.'),
  }),
  output: z.array(record),
  request: { method: 'GET', path: `${data}/query`, query: ['q'] },
  paginate: { limitField: 'limit', itemsPath: 'records', defaultLimit: 2_000, maxItems: 50_000 },
});

export const getRecord = defineHttpAction({
  name: 'get_record',
  description: 'Read one record by id.',
  readOnly: true,
  input: z.object({
    sobject,
    id: recordId,
    fields: z
      .array(z.string())
      .optional()
      .describe('Fields to return; all readable fields when absent.'),
  }),
  output: record,
  request: { method: 'GET', path: `${data}/sobjects/{sobject}/{id}`, query: ['fields'] },
});

export const createRecord = defineHttpAction({
  name: 'create_record',
  description:
    'Create a record; required fields missing are refused by Salesforce with REQUIRED_FIELD_MISSING.',
  input: z.object({ sobject, fields }),
  output: z.looseObject({ id: z.string(), success: z.boolean(), errors: z.array(z.unknown()) }),
  request: { method: 'POST', path: `${data}/sobjects/{sobject}`, body: { field: 'fields' } },
});

// Salesforce answers an update with 204 and no body, so the output is built here.
export const updateRecord = defineAction({
  name: 'update_record',
  description: 'Change fields of a record.',
  // It sets the fields to the values given: sent twice, the same as once.
  idempotent: true,
  input: z.object({ sobject, id: recordId, fields }),
  output: z.object({ id: z.string(), updated: z.literal(true) }),
  async run(context, input) {
    await context.request({
      method: 'PATCH',
      path: `${data}/sobjects/${input.sobject}/${input.id}`,
      json: input.fields,
    });
    return { id: input.id, updated: true as const };
  },
});

// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
export const describeObject = defineHttpAction({
  name: 'describe_object',
  description:
    'Describe an sObject: its fields (custom ones too), types and whether they are required.',
  readOnly: true,
  input: z.object({ sobject }),
  output: z.looseObject({
    name: z.string(),
    label: z.string(),
    custom: z.boolean(),
    fields: z.array(
      z.looseObject({
        name: z.string(),
        label: z.string(),
        type: z.string(),
        custom: z.boolean(),
        nillable: z.boolean(),
      }),
    ),
  }),
  request: { method: 'GET', path: `${data}/sobjects/{sobject}/describe` },
});
