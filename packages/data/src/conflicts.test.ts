import { describe, expect, it } from 'vitest';
import { findConflicts, matchKey } from './conflicts.js';
import type { Contact } from './models/models.js';

const hubspot: Contact[] = [
  {
    id: '51',
    email: 'ada@example.com',
    firstName: 'Ada',
    phone: '+44 20 7946 0001',
    lifecycleStage: 'customer',
    custom: {},
  },
  {
    id: '52',
    email: 'Grace@Example.com',
    firstName: 'Grace',
    phone: null,
    custom: { tier: 'gold' },
  },
  { id: '53', email: 'linus@example.com', firstName: 'Linus', custom: {} },
  { id: '54', email: null, firstName: 'Nameless', custom: {} },
];
const salesforce: Contact[] = [
  {
    id: '003A',
    email: 'ADA@example.com ',
    firstName: 'Augusta',
    phone: '+44 20 7946 0001',
    leadSource: 'web',
    custom: {},
  },
  {
    id: '003B',
    email: 'grace@example.com',
    firstName: 'Grace',
    phone: '+1 555 0100',
    custom: { tier: 'silver' },
  },
  { id: '003C', email: 'alan@example.com', firstName: 'Alan', custom: {} },
  { id: '003D', email: 'dup@example.com', custom: {} },
  { id: '003E', email: 'dup@example.com', custom: {} },
];

describe('findConflicts', () => {
  it('reports missing records, contradictions, duplicates and unmatchable records; picks nothing', () => {
    expect(findConflicts(hubspot, salesforce, { matchOn: 'email' })).toEqual([
      {
        kind: 'contradiction',
        key: 'ada@example.com',
        field: 'firstName',
        aId: '51',
        bId: '003A',
        a: 'Ada',
        b: 'Augusta',
      },
      {
        kind: 'contradiction',
        key: 'grace@example.com',
        field: 'custom.tier',
        aId: '52',
        bId: '003B',
        a: 'gold',
        b: 'silver',
      },
      { kind: 'missing_in_b', key: 'linus@example.com', aId: '53' },
      { kind: 'missing_in_a', key: 'alan@example.com', bId: '003C' },
      { kind: 'no_match_key', side: 'a', id: '54' },
      { kind: 'duplicate_key', side: 'b', key: 'dup@example.com', ids: ['003D', '003E'] },
    ]);
  });

  it('counts a value against null as a contradiction only when asked', () => {
    const findings = findConflicts(hubspot, salesforce, {
      matchOn: 'email',
      fields: ['phone'],
      nullIsContradiction: true,
    });
    expect(findings.filter((f) => f.kind === 'contradiction')).toEqual([
      {
        kind: 'contradiction',
        key: 'grace@example.com',
        field: 'phone',
        aId: '52',
        bId: '003B',
        a: null,
        b: '+1 555 0100',
      },
    ]);
  });

  it('compares only the fields asked for, and fields one side does not map are never contradictions', () => {
    const findings = findConflicts(hubspot, salesforce, {
      matchOn: 'email',
      fields: ['phone', 'lifecycleStage', 'leadSource'],
    });
    expect(findings.some((f) => f.kind === 'contradiction')).toBe(false);
  });

  it('finds nothing between identical sets', () => {
    expect(findConflicts(hubspot.slice(0, 3), hubspot.slice(0, 3), { matchOn: 'email' })).toEqual(
      [],
    );
  });
});

describe('matchKey', () => {
  it.each([
    ['  Ada@Example.COM\t', 'ada@example.com'],
    ['\v\fMIXED@x.io\r\n', 'mixed@x.io'],
    // Only ASCII is folded and trimmed: a database computes the same key in any locale.
    ['ÄRGER@x.io', 'Ärger@x.io'],
    ['\u00a0nbsp@x.io', '\u00a0nbsp@x.io'],
    ['a b@x.io', 'a b@x.io'],
  ])('keys %j as %j', (value, key) => {
    expect(matchKey(value)).toBe(key);
  });

  it.each([[''], [' \t '], [null], [undefined], [42], [{ email: 'a@x.io' }]])(
    'gives no key for %j',
    (value) => {
      expect(matchKey(value)).toBeUndefined();
    },
  );
});
