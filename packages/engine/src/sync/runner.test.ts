import { describe, expect, it } from 'vitest';
import type { SyncResumeState } from '@joinery/store';
import { requestsFields } from './runner.js';

describe('requestsFields', () => {
  const at = (fields?: string[]): SyncResumeState => ({
    request: { method: 'GET', path: '/query' },
    queryCursor: null,
    queryResults: 0,
    ...(fields === undefined ? {} : { fields }),
  });

  it('resumes a position that asks for the same fields, in any order', () => {
    expect(requestsFields(at(['Id', 'Email', 'Tier__c']), ['Tier__c', 'Id', 'Email'])).toBe(true);
    expect(requestsFields(at(), null)).toBe(true);
  });

  it('does not resume one that asks for other fields, or whose fields are unknown', () => {
    expect(requestsFields(at(['Id', 'Title']), ['Id', 'Email'])).toBe(false);
    expect(requestsFields(at(['Id']), ['Id', 'Email'])).toBe(false);
    expect(requestsFields(at(['Id', 'Email']), ['Id'])).toBe(false);
    // Stored before runs kept their fields: what it asked for cannot be told.
    expect(requestsFields(at(), ['Id'])).toBe(false);
    expect(requestsFields(at(['Id']), null)).toBe(false);
  });
});
