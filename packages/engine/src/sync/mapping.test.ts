import type { FieldMapping, MappingOverrides } from '@joinery/data';
import { describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../connector/types.js';
import { firstRequest } from './paging.js';
import { syncMapping } from './mapping.js';
import type { SyncDefinition } from './types.js';

/** A CRM whose records keep their fields under `properties`, as HubSpot's do. */
const mapping: FieldMapping = {
  id: 'crm.contacts',
  model: { name: 'Contact', version: 1 },
  object: 'contacts',
  rules: [
    { field: 'id', source: 'id', direction: 'import', required: 'import' },
    { field: 'email', source: 'properties.email' },
    { field: 'lastName', source: 'properties.lastname' },
    {
      field: 'updatedAt',
      source: 'properties.modified',
      direction: 'import',
      transform: { type: 'datetime', format: 'iso' },
    },
  ],
};

const PROPERTIES = 'properties.';
const definition: SyncDefinition = {
  name: 'contacts',
  model: 'Contact',
  description: 'test',
  mapping: 'contacts',
  fieldNames: (fields) =>
    fields.filter((f) => f.startsWith(PROPERTIES)).map((f) => f.slice(PROPERTIES.length)),
  full: { method: 'GET', path: '/contacts', query: { limit: 100, properties: '{{fields}}' } },
  incremental: {
    method: 'POST',
    path: '/contacts/search',
    json: { after: '{{cursor}}', properties: '{{fields}}', note: 'reads {{fields}}' },
    cursorFormat: 'epoch_ms',
  },
  recordsPath: 'results',
  idPath: 'id',
  cursorPath: 'properties.modified',
};

const connector: ConnectorDefinition = {
  id: 'crm',
  name: 'CRM',
  description: 'test',
  docsUrl: 'https://example.com',
  baseUrl: 'https://crm.example.com',
  auth: [{ type: 'bearer' }],
  actions: [],
  mappings: {
    contacts: {
      mapping,
      get: { action: 'get', input: () => ({}), record: (output: unknown) => output },
      search: { action: 'search', input: () => ({}), records: () => [] },
      create: { action: 'create', input: () => ({}), createdId: () => '1' },
    },
  },
};

const wire = (properties: Record<string, string>) => ({
  id: '7',
  properties: { modified: '2025-01-02T03:04:05.678Z', ...properties },
});

describe('syncMapping: the fields a run requests', () => {
  it('asks for what the mapping reads, and for the id and cursor fields', () => {
    const { definition: resolved } = syncMapping(definition, connector, {});
    expect(firstRequest(resolved.full, null).query).toEqual({
      limit: 100,
      properties: 'email,lastname,modified',
    });
    expect(firstRequest(resolved.incremental ?? resolved.full, '42').json).toEqual({
      after: '42',
      properties: ['email', 'lastname', 'modified'],
      note: 'reads email,lastname,modified',
    });
    // The definition the connector declared is left as it was.
    expect(definition.full.query?.['properties']).toBe('{{fields}}');
  });

  it("asks for a field a tenant's override adds, and keeps the cursor field it removes", async () => {
    const overrides: MappingOverrides = {
      'crm.contacts': {
        rules: [{ field: 'custom.region', source: 'properties.region' }],
        remove: ['updatedAt'],
      },
    };
    const { definition: resolved, toPayload } = syncMapping(definition, connector, overrides);
    expect(firstRequest(resolved.full, null).query?.['properties']).toBe(
      'email,lastname,region,modified',
    );
    expect(await toPayload(wire({ lastname: 'Ng', region: 'EMEA' }), '7')).toEqual({
      id: '7',
      email: null,
      lastName: 'Ng',
      custom: { region: 'EMEA' },
    });
  });

  it('refuses a field name that cannot be written in a comma-separated list', () => {
    const overrides: MappingOverrides = {
      'crm.contacts': { rules: [{ field: 'custom.x', source: 'properties.a,b' }] },
    };
    expect(() => syncMapping(definition, connector, overrides)).toThrow(
      expect.objectContaining({ code: 'invalid_input', path: 'mappingOverrides' }),
    );
  });
});

describe('syncMapping: records checked against the model', () => {
  it('stores a mapped record that fits the model', async () => {
    const { toPayload } = syncMapping(definition, connector, {});
    expect(await toPayload(wire({ email: 'ada@example.com', lastname: 'Lovelace' }), '7')).toEqual({
      id: '7',
      email: 'ada@example.com',
      lastName: 'Lovelace',
      updatedAt: '2025-01-02T03:04:05.678Z',
      custom: {},
    });
  });

  it('stops the run with invalid_input naming the record and field when the model refuses it', async () => {
    const { toPayload } = syncMapping(definition, connector, {});
    const failure = toPayload(wire({ email: 'not an email', lastname: 'Lovelace' }), '7');
    await expect(failure).rejects.toMatchObject({
      code: 'invalid_input',
      path: 'record.email',
      details: {
        reason: 'invalid_record',
        recordRef: 'CRM contacts record 7',
        field: 'email',
        source: 'properties.email',
        mapping: 'crm.contacts',
      },
    });
    await expect(failure).rejects.toThrow(
      /^record CRM contacts record 7, field email \(properties\.email\): must match format "email" in Contact v1/,
    );
  });

  it("names the provider field of an override's rule whose value the model refuses", async () => {
    const overrides: MappingOverrides = {
      'crm.contacts': {
        rules: [
          { field: 'lastName', source: 'properties.lastname', transform: { type: 'number' } },
        ],
      },
    };
    const { toPayload } = syncMapping(definition, connector, overrides);
    await expect(toPayload(wire({ lastname: '12' }), '9')).rejects.toMatchObject({
      code: 'invalid_input',
      path: 'record.lastName',
      details: { field: 'lastName', source: 'properties.lastname' },
    });
  });

  it('keeps naming mapping errors as before', async () => {
    const { toPayload } = syncMapping(definition, connector, {});
    await expect(
      toPayload({ id: '7', properties: { modified: 'yesterday' } }, '7'),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      path: 'record.updatedAt',
      details: { reason: 'invalid_date', field: 'updatedAt', source: 'properties.modified' },
    });
  });

  it('stores records as they came without a mapping', async () => {
    const { mapping: _mapping, fieldNames: _fieldNames, ...plain } = definition;
    const { definition: resolved, toPayload } = syncMapping(
      { ...plain, full: { method: 'GET', path: '/x' } },
      connector,
      {},
    );
    expect(resolved.full).toEqual({ method: 'GET', path: '/x' });
    expect(await toPayload({ any: 'thing' }, '1')).toEqual({ any: 'thing' });
  });
});
