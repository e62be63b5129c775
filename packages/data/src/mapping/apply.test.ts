import { describe, expect, it } from 'vitest';
import { applyMapping, applyMappingAsync, compileMapping, sourceFields } from './apply.js';
import { isMappingError, type MappingError } from './errors.js';
import type { FieldMapping, FieldRule, MappingOverrides, Transform } from './types.js';

const mapping = (rules: FieldRule[], extra: Partial<FieldMapping> = {}): FieldMapping => ({
  id: 'test.people',
  model: { name: 'Contact', version: 1 },
  object: 'people',
  rules: [{ field: 'id', source: 'id', direction: 'import', required: 'import' }, ...rules],
  ...extra,
});

function mappingError(run: () => unknown): MappingError {
  try {
    run();
  } catch (error) {
    if (isMappingError(error)) return error;
    throw error;
  }
  throw new Error('expected a MappingError, nothing was thrown');
}

async function mappingErrorAsync(run: () => Promise<unknown>): Promise<MappingError> {
  try {
    await run();
  } catch (error) {
    if (isMappingError(error)) return error;
    throw error;
  }
  throw new Error('expected a MappingError, nothing was thrown');
}

const status: Transform = {
  type: 'enum',
  values: { active: ['Active', '1', 'enabled'], inactive: ['Inactive', '0'] },
};

describe('import: one value through one rule', () => {
  // [name, rule (without field/source), provider value, unified value]
  const cases: [string, Partial<FieldRule>, unknown, unknown][] = [
    ['text as it is', {}, 'Ada', 'Ada'],
    ['missing field → null', {}, undefined, null],
    ['null → null', {}, null, null],
    ['empty string → null', {}, '', null],
    ['whitespace → null', {}, '   ', null],
    ['empty string kept with empty: keep', { empty: 'keep' }, '', ''],
    ['a number in a text field becomes text', { transform: { type: 'string' } }, 42, '42'],
    [
      'trim and lower-case',
      { transform: { type: 'string', trim: true, case: 'lower' } },
      ' Ada@X.io ',
      'ada@x.io',
    ],
    ['enum "Active"', { transform: status }, 'Active', 'active'],
    ['enum "active" (case ignored)', { transform: status }, 'active', 'active'],
    ['enum alias "1"', { transform: status }, '1', 'active'],
    ['enum alias 1 as a number', { transform: status }, 1, 'active'],
    ['enum alias "enabled" with spaces', { transform: status }, ' enabled ', 'active'],
    ['enum unknown kept', { transform: { ...status, unknown: 'keep' } }, 'Suspended', 'Suspended'],
    ['enum unknown to null', { transform: { ...status, unknown: 'null' } }, 'Suspended', null],
    ['enum null stays null (not unknown)', { transform: status }, null, null],
    ['boolean "1"', { transform: { type: 'boolean' } }, '1', true],
    ['boolean "true"', { transform: { type: 'boolean' } }, 'true', true],
    ['boolean "Yes"', { transform: { type: 'boolean' } }, 'Yes', true],
    ['boolean "0"', { transform: { type: 'boolean' } }, '0', false],
    ['boolean "off"', { transform: { type: 'boolean' } }, 'off', false],
    ['boolean false', { transform: { type: 'boolean' } }, false, false],
    [
      'boolean with custom words',
      { transform: { type: 'boolean', true: ['Oui'], false: ['Non'] } },
      'oui',
      true,
    ],
    ['number from text', { transform: { type: 'number' } }, '42.5', 42.5],
    ['number from number', { transform: { type: 'number' } }, 7, 7],
    [
      'date MM/DD/YYYY',
      { transform: { type: 'datetime', format: 'MM/dd/yyyy' } },
      '12/31/2024',
      '2024-12-31T00:00:00.000Z',
    ],
    [
      'calendar date',
      { transform: { type: 'date', format: 'MM/dd/yyyy' } },
      '12/31/2024',
      '2024-12-31',
    ],
  ];
  it.each(cases)('%s', (_name, rule, raw, expected) => {
    const m = mapping([{ field: 'value', source: 'value', ...rule }]);
    const record = raw === undefined ? { id: 'r1' } : { id: 'r1', value: raw };
    expect(applyMapping(m, record, { direction: 'import', recordRef: 'r1' })).toEqual({
      id: 'r1',
      value: expected,
      custom: {},
    });
  });
});

describe('import: values that cannot be mapped are errors naming record and field', () => {
  const cases: [string, Partial<FieldRule>, unknown, string][] = [
    ['unknown enum value', { transform: status }, 'Suspended', 'unknown_enum_value'],
    ['enum given an object', { transform: status }, { a: 1 }, 'invalid_type'],
    ['not a boolean', { transform: { type: 'boolean' } }, 'maybe', 'invalid_boolean'],
    ['not a number', { transform: { type: 'number' } }, '12abc', 'invalid_number'],
    [
      'not a date',
      { transform: { type: 'datetime', format: 'MM/dd/yyyy' } },
      '2024-12-31',
      'invalid_date',
    ],
    [
      'an object in a text field',
      { transform: { type: 'string' } },
      { nested: true },
      'invalid_type',
    ],
    ['required and missing', { required: true }, undefined, 'missing_required'],
    ['required and null', { required: 'import' }, null, 'missing_required'],
    ['required and empty', { required: 'import' }, '  ', 'missing_required'],
  ];
  it.each(cases)('%s', (_name, rule, raw, reason) => {
    const m = mapping([{ field: 'value', source: 'props.value', ...rule }]);
    const record =
      raw === undefined ? { id: 'r7', props: {} } : { id: 'r7', props: { value: raw } };
    const error = mappingError(() =>
      applyMapping(m, record, { direction: 'import', recordRef: 'contact 7' }),
    );
    expect(error).toMatchObject({
      code: 'invalid_input',
      reason,
      recordRef: 'contact 7',
      field: 'value',
      source: 'props.value',
      mappingId: 'test.people',
    });
    expect(error.message).toContain('record contact 7, field value (props.value)');
  });

  it('a required value missing on export names the record and field, and nothing is defaulted', () => {
    const m = mapping([
      { field: 'firstName', source: 'FirstName' },
      { field: 'lastName', source: 'LastName', required: 'export' },
    ]);
    const error = mappingError(() =>
      applyMapping(m, { firstName: 'Ada' }, { direction: 'export', recordRef: 'input' }),
    );
    expect(error).toMatchObject({
      reason: 'missing_required',
      field: 'lastName',
      recordRef: 'input',
    });
  });

  it('a record that is not an object is an error, not an empty record', () => {
    const m = mapping([]);
    expect(
      mappingError(() => applyMapping(m, null, { direction: 'import', recordRef: 'row 3' })),
    ).toMatchObject({
      reason: 'invalid_type',
      recordRef: 'row 3',
    });
  });
});

describe('nested paths', () => {
  const m = mapping([
    { field: 'companyName', source: 'Account.Name', direction: 'import' },
    { field: 'custom.tier', source: 'Tier__c' },
    { field: 'address.city', source: 'props.addr.city' },
  ]);
  it('reads nested sources, a null parent as null, and writes nested fields', () => {
    expect(
      applyMapping(
        m,
        { id: '1', Account: { Name: 'Acme' }, Tier__c: 'Gold', props: { addr: { city: 'Oslo' } } },
        { direction: 'import' },
      ),
    ).toEqual({
      id: '1',
      companyName: 'Acme',
      custom: { tier: 'Gold' },
      address: { city: 'Oslo' },
    });
    expect(applyMapping(m, { id: '2', Account: null }, { direction: 'import' })).toEqual({
      id: '2',
      companyName: null,
      custom: { tier: null },
      address: { city: null },
    });
  });

  it('exports into nested provider paths and skips import-only rules', () => {
    expect(
      applyMapping(
        m,
        { id: '1', companyName: 'Acme', custom: { tier: 'Gold' }, address: { city: 'Oslo' } },
        { direction: 'export' },
      ),
    ).toEqual({ Tier__c: 'Gold', props: { addr: { city: 'Oslo' } } });
  });

  it('refuses paths that reach an object prototype', () => {
    const bad = mapping([{ field: 'x', source: '__proto__.polluted' }]);
    expect(
      mappingError(() => applyMapping(bad, { id: '1' }, { direction: 'import' })),
    ).toMatchObject({
      reason: 'invalid_mapping',
      field: 'x',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('export', () => {
  const m = mapping(
    [
      { field: 'firstName', source: 'first' },
      { field: 'phone', source: 'phone', exportNull: 'empty_string' },
      { field: 'email', source: 'email', exportNull: 'omit' },
      { field: 'status', source: 'status', transform: status },
      {
        field: 'active',
        source: 'flag',
        transform: { type: 'boolean', write: { true: 'Y', false: 'N' } },
      },
      { field: 'score', source: 'score', transform: { type: 'number', writeAsString: true } },
    ],
    { exportNull: 'null' },
  );
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['absent fields are not written', { firstName: 'Ada' }, { first: 'Ada' }],
    ['null written as null (mapping default)', { firstName: null }, { first: null }],
    ['null written as "" where the rule says so', { phone: null }, { phone: '' }],
    ['null omitted where the rule says so', { email: null }, {}],
    ['enum written with its first provider spelling', { status: 'active' }, { status: 'Active' }],
    ['boolean with its provider words', { active: false }, { flag: 'N' }],
    ['number as text', { score: 3 }, { score: '3' }],
    [
      'read-only id, createdAt, updatedAt are ignored',
      { id: 'x', createdAt: '2024-01-01T00:00:00.000Z', firstName: 'A' },
      { first: 'A' },
    ],
  ];
  it.each(cases)('%s', (_name, unified, expected) => {
    expect(applyMapping(m, unified, { direction: 'export' })).toEqual(expected);
  });

  it('refuses a unified enum value the provider has no spelling for', () => {
    expect(
      mappingError(() =>
        applyMapping(m, { status: 'banned' }, { direction: 'export', recordRef: 'input' }),
      ),
    ).toMatchObject({ reason: 'unknown_enum_value', field: 'status' });
  });

  it('refuses a value with no rule rather than dropping it', () => {
    expect(
      mappingError(() => applyMapping(m, { nickname: 'Ace' }, { direction: 'export' })),
    ).toMatchObject({
      reason: 'unmapped_field',
      field: 'nickname',
    });
    expect(
      mappingError(() => applyMapping(m, { custom: { loyalty: 'gold' } }, { direction: 'export' })),
    ).toMatchObject({ reason: 'unmapped_field', field: 'custom.loyalty' });
  });
});

describe('per-tenant overrides', () => {
  const base = mapping([
    { field: 'firstName', source: 'FirstName' },
    { field: 'leadSource', source: 'LeadSource' },
  ]);
  const overrides: MappingOverrides = {
    'test.people': {
      rules: [
        {
          field: 'custom.tier',
          source: 'Tier__c',
          transform: { type: 'enum', values: { gold: 'Gold', silver: 'Silver' } },
        },
        { field: 'firstName', source: 'Preferred_Name__c' },
      ],
      remove: ['leadSource'],
    },
    'other.mapping': { remove: ['firstName'] },
  };
  const record = {
    id: '1',
    FirstName: 'Augusta',
    Preferred_Name__c: 'Ada',
    LeadSource: 'Web',
    Tier__c: 'Gold',
  };

  it('add custom fields, replace and remove built-in rules, only for their mapping', () => {
    expect(applyMapping(base, record, { direction: 'import', overrides })).toEqual({
      id: '1',
      firstName: 'Ada',
      custom: { tier: 'gold' },
    });
    expect(applyMapping(base, record, { direction: 'import' })).toEqual({
      id: '1',
      firstName: 'Augusta',
      leadSource: 'Web',
      custom: {},
    });
  });

  it('export custom fields through them', () => {
    expect(
      applyMapping(
        base,
        { firstName: 'Ada', custom: { tier: 'silver' } },
        { direction: 'export', overrides },
      ),
    ).toEqual({ Preferred_Name__c: 'Ada', Tier__c: 'Silver' });
  });

  it('name the fields a fetch must ask for', () => {
    expect(sourceFields(base, overrides['test.people'])).toEqual([
      'id',
      'Preferred_Name__c',
      'Tier__c',
    ]);
  });

  it('a broken override rule is an invalid_mapping error naming its field', () => {
    const broken: MappingOverrides = {
      'test.people': {
        rules: [
          {
            field: 'custom.when',
            source: 'When__c',
            transform: { type: 'datetime', format: 'iso', zone: 'Nowhere/Land' },
          },
        ],
      },
    };
    expect(
      mappingError(() => applyMapping(base, record, { direction: 'import', overrides: broken })),
    ).toMatchObject({
      reason: 'invalid_mapping',
      field: 'custom.when',
    });
  });

  it('compiles once per mapping and override object', () => {
    const override = overrides['test.people'];
    expect(compileMapping(base, override)).toBe(compileMapping(base, override));
    expect(compileMapping(base, undefined)).not.toBe(compileMapping(base, override));
  });
});

describe('JSONata expressions', () => {
  const m = mapping([
    { field: 'firstName', source: 'first' },
    {
      field: 'companyName',
      importExpression: "$join([org.name, org.suffix][$ != ''], ' ')",
      reads: ['org.name', 'org.suffix'],
      direction: 'import',
    },
    {
      field: 'email',
      source: 'emails',
      importExpression: 'emails[primary = true].address',
      exportExpression: '[{"address": $value, "primary": true}]',
    },
    {
      field: 'custom.score',
      source: 'score',
      importExpression: 'score * 10',
      transform: { type: 'number' },
      direction: 'import',
    },
  ]);

  it('import and export through expressions, values through the same empty rules and transforms', async () => {
    const provider = {
      id: '9',
      first: 'Ada',
      org: { name: 'Analytical', suffix: 'Ltd' },
      emails: [
        { address: 'old@x.io', primary: false },
        { address: 'ada@x.io', primary: true },
      ],
      score: 4.2,
    };
    expect(await applyMappingAsync(m, provider, { direction: 'import', recordRef: '9' })).toEqual({
      id: '9',
      firstName: 'Ada',
      companyName: 'Analytical Ltd',
      email: 'ada@x.io',
      custom: { score: 42 },
    });
    expect(
      await applyMappingAsync(m, { firstName: 'Ada', email: 'ada@x.io' }, { direction: 'export' }),
    ).toEqual({
      first: 'Ada',
      emails: [{ address: 'ada@x.io', primary: true }],
    });
    // No primary email: the expression matches nothing, which is "no value".
    const none = await applyMappingAsync(m, { id: '10', emails: [] }, { direction: 'import' });
    expect(none['email']).toBeNull();
  });

  it('the synchronous applyMapping refuses a mapping with expressions, naming the async one', () => {
    expect(() => applyMapping(m, {}, { direction: 'import' })).toThrow(/use applyMappingAsync/);
  });

  it('a failing expression is an expression_failed error naming record and field', async () => {
    const failing = mapping([
      { field: 'x', importExpression: '$number(value)', direction: 'import' },
    ]);
    const error = await mappingErrorAsync(() =>
      applyMappingAsync(
        failing,
        { id: '1', value: 'abc' },
        { direction: 'import', recordRef: 'row 12' },
      ),
    );
    expect(error).toMatchObject({ reason: 'expression_failed', recordRef: 'row 12', field: 'x' });
  });

  it('a syntax error is found when the mapping is compiled', () => {
    const bad = mapping([{ field: 'x', importExpression: '$join(', direction: 'import' }]);
    expect(mappingError(() => compileMapping(bad, undefined))).toMatchObject({
      reason: 'invalid_mapping',
      field: 'x',
    });
  });
});
