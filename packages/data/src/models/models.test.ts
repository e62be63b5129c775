import { describe, expect, it } from 'vitest';
import { validateMappingOverrides, validateRecord } from '../validate.js';
import { MODEL_NAMES } from './types.js';
import { models } from './models.js';

describe('models', () => {
  it('every model is versioned JSON Schema with id, timestamps and custom', () => {
    for (const name of MODEL_NAMES) {
      const model = models[name];
      expect(model).toMatchObject({ name, version: 1 });
      const properties = model.schema['properties'] as Record<string, unknown>;
      expect(Object.keys(properties)).toEqual(
        expect.arrayContaining(['id', 'createdAt', 'updatedAt', 'custom']),
      );
      expect(validateRecord(name, { id: 'x1', custom: {} })).toEqual({ valid: true });
    }
  });

  const contacts: [string, unknown, string[]][] = [
    [
      'a full contact',
      {
        id: '51',
        firstName: 'Ada',
        email: 'ada@example.com',
        lifecycleStage: 'customer',
        createdAt: '2024-01-15T10:30:00.000Z',
        custom: { tier: 'gold' },
      },
      [],
    ],
    [
      'nulls everywhere',
      { id: '51', firstName: null, email: null, lifecycleStage: null, createdAt: null },
      [],
    ],
    [
      'an unknown stage',
      { id: '51', lifecycleStage: 'marketingqualifiedlead' },
      ['/lifecycleStage'],
    ],
    ['a bad email', { id: '51', email: 'not-an-email' }, ['/email']],
    [
      'a time with an offset (unified times are UTC)',
      { id: '51', createdAt: '2024-01-15T12:30:00+02:00' },
      ['/createdAt'],
    ],
    ['a field the model does not have', { id: '51', nickname: 'Ace' }, ['/nickname']],
    ['no id', { firstName: 'Ada' }, ['']],
  ];
  it.each(contacts)('Contact: %s', (_name, record, paths) => {
    const result = validateRecord({ name: 'Contact', version: 1 }, record);
    if (paths.length === 0) expect(result).toEqual({ valid: true });
    else {
      expect(result.valid).toBe(false);
      if (!result.valid)
        expect(result.issues.map((i) => i.path)).toEqual(expect.arrayContaining(paths));
    }
  });

  it('an unknown version is an issue, not a pass', () => {
    expect(validateRecord({ name: 'Contact', version: 9 }, { id: '1' })).toMatchObject({
      valid: false,
    });
  });
});

describe('mapping overrides as a tenant sends them', () => {
  it('accepts rules and removals keyed by mapping id', () => {
    expect(
      validateMappingOverrides({
        'salesforce.contacts': {
          rules: [
            {
              field: 'custom.tier',
              source: 'Tier__c',
              transform: { type: 'enum', values: { gold: 'Gold' }, unknown: 'keep' },
            },
          ],
          remove: ['leadSource'],
        },
      }),
    ).toEqual({ valid: true });
  });

  const bad: [string, unknown][] = [
    [
      'an unknown transform',
      { 'x.y': { rules: [{ field: 'a', source: 'b', transform: { type: 'guess' } }] } },
    ],
    [
      'an unknown enum policy',
      {
        'x.y': {
          rules: [
            { field: 'a', source: 'b', transform: { type: 'enum', values: {}, unknown: 'maybe' } },
          ],
        },
      },
    ],
    ['a rule without field', { 'x.y': { rules: [{ source: 'b' }] } }],
    ['an empty path segment', { 'x.y': { rules: [{ field: 'a..b', source: 'b' }] } }],
    ['extra keys', { 'x.y': { rules: [], extra: true } }],
  ];
  it.each(bad)('refuses %s', (_name, value) => {
    expect(validateMappingOverrides(value).valid).toBe(false);
  });
});
