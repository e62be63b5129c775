import { describe, expect, it } from 'vitest';
import { SalesforceError } from './errors.js';
import { checksum, id15Of, makeId, sameId } from './ids.js';
import { CONTACT } from './schema.js';
import { seedState } from './seed.js';
import { parseSoql, run, type SoqlQuery } from './soql.js';
import { findRecord, type SfRecord } from './state.js';
import { releaseLabel, supportedVersion } from './versions.js';

describe('Salesforce ids', () => {
  it('computes the 18-character checksum the way Salesforce does', () => {
    // The example from Salesforce's knowledge base: 001A0000006Vm9r → 001A0000006Vm9rIAC.
    expect(checksum('001A0000006Vm9r')).toBe('IAC');
    expect(makeId('003', 1)).toMatch(/^0035g0000000001[A-Z0-5]{3}$/);
    expect(makeId('003', 62)).toBe(`0035g0000000010${checksum('0035g0000000010')}`);
  });

  it('accepts 15- and 18-character forms, and refuses a wrong checksum', () => {
    const id = makeId('001', 7);
    expect(id15Of(id)).toBe(id.slice(0, 15));
    expect(id15Of(id.slice(0, 15))).toBe(id.slice(0, 15));
    expect(id15Of(`${id.slice(0, 15)}ZZZ`)).toBeUndefined();
    expect(id15Of('not-an-id')).toBeUndefined();
    expect(sameId(id, id.slice(0, 15).concat(id.slice(15).toLowerCase()))).toBe(true);
  });
});

describe('Salesforce API versions', () => {
  it('serves 31.0 to 65.0 and names their releases', () => {
    expect(supportedVersion('v62.0')).toBe('62.0');
    expect(supportedVersion('v30.0')).toBeUndefined();
    expect(supportedVersion('v99.0')).toBeUndefined();
    expect(supportedVersion('v62.5')).toBeUndefined();
    expect(releaseLabel(62)).toBe("Winter '25");
    expect(releaseLabel(59)).toBe("Winter '24");
    expect(releaseLabel(31)).toBe("Summer '14");
    expect(releaseLabel(64)).toBe("Summer '25");
  });
});

const parsed = (text: string): SoqlQuery => {
  const result = parseSoql(text);
  if (result instanceof SalesforceError) throw new Error(JSON.stringify(result.errors));
  return result;
};
const failure = (text: string) => {
  const result = parseSoql(text);
  if (!(result instanceof SalesforceError)) throw new Error(`${text} parsed`);
  return result.errors[0];
};

describe('SOQL subset', () => {
  const state = seedState({ extraContacts: 0, extraAccounts: 0 });
  const parentOf = (_reference: unknown, record: SfRecord) => {
    const id = record.fields['AccountId'];
    return typeof id === 'string' ? state.records.Account.find((a) => a.id === id) : undefined;
  };
  const rows = (text: string) => run(parsed(text), state.records.Contact, parentOf);

  it('reads keywords, objects and fields case-insensitively, canonicalising the names', () => {
    const query = parsed(
      "select id, lastname, ACCOUNT.name from contact where LastName = 'Hopper' limit 5",
    );
    expect(query.sobject.name).toBe('Contact');
    expect(query.select.map((path) => path.field.name)).toEqual(['Id', 'LastName', 'Name']);
    expect(query.select[2]?.via?.parent.name).toBe('Account');
    expect(query.limit).toBe(5);
  });

  it('compares strings case-insensitively and supports AND, OR, NOT, IN, LIKE and null', () => {
    expect(
      rows("SELECT Id FROM Contact WHERE LastName = 'hopper'").map((r) => r.fields['FirstName']),
    ).toEqual(['Grace']);
    expect(
      rows(
        "SELECT Id FROM Contact WHERE FirstName IN ('Ada', 'Alan') OR (LastName LIKE 'T%' AND NOT FirstName = 'Ken')",
      ).map((r) => r.fields['LastName']),
    ).toEqual(['Lovelace', 'Torvalds', 'Turing']);
    expect(rows('SELECT Id FROM Contact WHERE Tier__c != null')).toHaveLength(4);
    expect(rows("SELECT Id FROM Contact WHERE Account.Name = 'Kernel Co'")).toHaveLength(3);
  });

  it('orders, offsets and limits', () => {
    expect(
      rows('SELECT Id FROM Contact ORDER BY LastName DESC LIMIT 3 OFFSET 1').map(
        (r) => r.fields['LastName'],
      ),
    ).toEqual(['Turing', 'Torvalds', 'Thompson']);
    expect(
      rows('SELECT Id FROM Contact ORDER BY Tier__c NULLS LAST, LastName ASC LIMIT 2').map(
        (r) => r.fields['LastName'],
      ),
    ).toEqual(['Hamilton', 'Liskov']);
  });

  it.each([
    [
      'SELECT Id FORM Contact',
      'MALFORMED_QUERY',
      '\nSELECT Id FORM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: FORM',
    ],
    [
      'SELECT Id, Shoe__c FROM Contact',
      'INVALID_FIELD',
      "No such column 'Shoe__c' on entity 'Contact'.",
    ],
    ['SELECT Id FROM Widget__c', 'INVALID_TYPE', "sObject type 'Widget__c' is not supported."],
    [
      'SELECT Id FROM Contact WHERE LastName = 5',
      'INVALID_QUERY_FILTER_OPERATOR',
      "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Contact WHERE CreatedDate > '2024-01-01'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'must be of type dateTime and should not be enclosed in quotes',
    ],
    ['SELECT Id, Boss.Name FROM Contact', 'INVALID_FIELD', "Didn't understand relationship 'Boss'"],
    [
      "SELECT Id FROM Contact WHERE LastName = 'x",
      'MALFORMED_QUERY',
      'unterminated string literal',
    ],
    [
      'SELECT Id FROM Contact OFFSET 2001',
      'NUMBER_OUTSIDE_VALID_RANGE',
      'Maximum SOQL offset allowed is 2000',
    ],
  ])('refuses %j with %s', (text, code, message) => {
    const error = failure(text);
    expect(error?.errorCode).toBe(code);
    expect(error?.message).toContain(message);
  });

  it('counts with COUNT()', () => {
    const query = parsed("SELECT COUNT() FROM Contact WHERE Email LIKE '%@example.com'");
    expect(query.count).toBe(true);
    expect(run(query, state.records.Contact, parentOf)).toHaveLength(12);
    expect(
      findRecord(state, CONTACT, state.records.Contact[0]?.id.slice(0, 15) ?? ''),
    ).toBeDefined();
  });
});
