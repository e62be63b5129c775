import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SALESFORCE_DEMO_TOKEN } from './options.js';
import { NAMED_CONTACTS } from './seed.js';

const EXTRA = 30;
const TOTAL = NAMED_CONTACTS + EXTRA;
let sandbox: Sandbox;
let base: string;
const auth = { authorization: `Bearer ${SALESFORCE_DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox({ salesforce: { seedContacts: EXTRA, queryBatchSize: 7 } });
  base = `${sandbox.url}/salesforce`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: ({ attributes: { type: string; url: string } } & Record<string, unknown>)[];
}

const soql = (q: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/services/data/v62.0/query?q=${encodeURIComponent(q)}`, {
    headers: { ...auth, ...headers },
  });

describe('Salesforce SOQL queries', () => {
  it('walks nextRecordsUrl to the end with no duplicates; every batch reports the total', async () => {
    const first = await soql('SELECT Id, LastName FROM Contact');
    expect(first.status).toBe(200);
    let page = (await first.json()) as QueryPage;
    const ids = page.records.map((record) => String(record['Id']));
    expect(page).toMatchObject({ totalSize: TOTAL, done: false });
    expect(page.records).toHaveLength(7);
    expect(page.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g5g\w{13}-7$/);
    let batches = 1;
    while (page.nextRecordsUrl !== undefined && batches < 20) {
      // nextRecordsUrl is relative to the instance URL.
      const response = await fetch(`${base}${page.nextRecordsUrl}`, { headers: auth });
      expect(response.status).toBe(200);
      page = (await response.json()) as QueryPage;
      expect(page.totalSize).toBe(TOTAL);
      ids.push(...page.records.map((record) => String(record['Id'])));
      batches += 1;
    }
    expect(page.done).toBe(true);
    expect(page).not.toHaveProperty('nextRecordsUrl');
    expect(batches).toBe(Math.ceil(TOTAL / 7));
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
  });

  it('honours Sforce-Query-Options: batchSize within 200–2000', async () => {
    const page = (await (
      await soql('SELECT Id FROM Contact', { 'sforce-query-options': 'batchSize=200' })
    ).json()) as QueryPage;
    expect(page).toMatchObject({ totalSize: TOTAL, done: true });
    expect(page.records).toHaveLength(TOTAL);
  });

  it('returns the selected fields with attributes, parents nested, filtered and limited', async () => {
    const page = (await (
      await soql(
        "SELECT Id, FirstName, Account.Name, Account.Tier__c FROM Contact WHERE LastName = 'lovelace' LIMIT 5",
      )
    ).json()) as QueryPage;
    expect(page.totalSize).toBe(1);
    const [row] = page.records;
    expect(Object.keys(row ?? {})).toEqual(['attributes', 'Id', 'FirstName', 'Account']);
    expect(row).toMatchObject({
      attributes: {
        type: 'Contact',
        url: `/services/data/v62.0/sobjects/Contact/${String(row?.['Id'])}`,
      },
      FirstName: 'Ada',
      Account: { attributes: { type: 'Account' }, Name: 'Analytical Engines Ltd', Tier__c: 'Gold' },
    });
    const count = (await (
      await soql("SELECT COUNT() FROM Contact WHERE FirstName = 'Sandbox'")
    ).json()) as QueryPage;
    expect(count).toEqual({ totalSize: EXTRA, done: true, records: [] });
  });

  it.each([
    ['SELECT Id FORM Contact', 'MALFORMED_QUERY'],
    ['SELECT Id, Shoe__c FROM Contact', 'INVALID_FIELD'],
    ['SELECT Id FROM Widget__c', 'INVALID_TYPE'],
    ['SELECT Id FROM Contact WHERE LastName = 5', 'INVALID_QUERY_FILTER_OPERATOR'],
  ])('answers %j with 400 and [{errorCode: %s}]', async (q, errorCode) => {
    const response = await soql(q);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorCode: string; message: string }[];
    expect(body).toHaveLength(1);
    expect(body[0]?.errorCode).toBe(errorCode);
    expect(body[0]?.message).toMatch(/^\n.*\n *\^\nERROR at Row:1:Column:\d+\n/);
  });

  it('answers a missing query and an unknown locator with 400', async () => {
    const missing = await fetch(`${base}/services/data/v62.0/query`, { headers: auth });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual([
      { message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' },
    ]);
    const locator = await fetch(`${base}/services/data/v62.0/query/01g5g0000000999AAA-2000`, {
      headers: auth,
    });
    expect(locator.status).toBe(400);
    expect(await locator.json()).toEqual([
      { message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' },
    ]);
  });

  it('lists the API versions and answers an unsupported one with 404 NOT_FOUND', async () => {
    const versions = (await (await fetch(`${base}/services/data`)).json()) as {
      version: string;
      label: string;
      url: string;
    }[];
    expect(versions.at(-1)).toEqual({
      label: "Winter '26",
      url: '/services/data/v65.0',
      version: '65.0',
    });
    expect(versions[0]?.version).toBe('31.0');
    for (const version of ['v20.0', 'v99.0', 'latest']) {
      const response = await fetch(
        `${base}/services/data/${version}/query?q=SELECT+Id+FROM+Contact`,
        { headers: auth },
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual([
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    }
  });
});
