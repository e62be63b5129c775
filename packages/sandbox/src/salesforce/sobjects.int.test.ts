import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SALESFORCE_DEMO_TOKEN } from './options.js';

let sandbox: Sandbox;
let data: string;
const auth = { authorization: `Bearer ${SALESFORCE_DEMO_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
beforeAll(async () => {
  sandbox = await startSandbox();
  data = `${sandbox.url}/salesforce/services/data/v64.0`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const create = (sobject: string, body: unknown) =>
  fetch(`${data}/sobjects/${sobject}`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(body),
  });
const firstAccountId = async () =>
  (
    (await (
      await fetch(
        `${data}/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE Name = 'Kernel Co'")}`,
        { headers: auth },
      )
    ).json()) as { records: { Id: string }[] }
  ).records[0]?.Id ?? '';

describe('Salesforce sObject rows', () => {
  it('creates a Contact (201 {id, success, errors}) that GET and SOQL then return', async () => {
    const accountId = await firstAccountId();
    const created = await create('Contact', {
      FirstName: 'Hedy',
      lastname: 'Lamarr', // field names are case-insensitive
      Email: 'hedy@example.com',
      AccountId: accountId,
      Tier__c: 'Silver',
    });
    expect(created.status).toBe(201);
    const { id, success, errors } = (await created.json()) as {
      id: string;
      success: boolean;
      errors: unknown[];
    };
    expect(id).toMatch(/^0035g\w{10}[A-Z0-5]{3}$/);
    expect(success).toBe(true);
    expect(errors).toEqual([]);

    const read = await fetch(`${data}/sobjects/Contact/${id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(read.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    const record = (await read.json()) as Record<string, unknown>;
    expect(record).toMatchObject({
      attributes: { type: 'Contact', url: `/services/data/v64.0/sobjects/Contact/${id}` },
      Id: id,
      FirstName: 'Hedy',
      LastName: 'Lamarr',
      Name: 'Hedy Lamarr',
      AccountId: accountId,
      Tier__c: 'Silver',
      Title: null,
      IsDeleted: false,
    });
    expect(record['CreatedDate']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    // The 15-character id works too.
    expect(
      (await fetch(`${data}/sobjects/Contact/${id.slice(0, 15)}?fields=Email`, { headers: auth }))
        .status,
    ).toBe(200);

    const query = (await (
      await fetch(
        `${data}/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE Email = 'hedy@example.com'")}`,
        { headers: auth },
      )
    ).json()) as { totalSize: number; records: { Id: string }[] };
    expect(query.totalSize).toBe(1);
    expect(query.records[0]?.Id).toBe(id);
  });

  it('updates with PATCH (204, empty body) and the change is read back', async () => {
    const accountId = await firstAccountId();
    const patched = await fetch(`${data}/sobjects/Account/${accountId}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ Tier__c: 'Bronze', NumberOfEmployees: 7 }),
    });
    expect(patched.status).toBe(204);
    expect(await patched.text()).toBe('');
    const read = (await (
      await fetch(`${data}/sobjects/Account/${accountId}?fields=Tier__c,NumberOfEmployees`, {
        headers: auth,
      })
    ).json()) as Record<string, unknown>;
    expect(read).toEqual({
      attributes: { type: 'Account', url: `/services/data/v64.0/sobjects/Account/${accountId}` },
      NumberOfEmployees: 7,
      Tier__c: 'Bronze',
    });
  });

  it.each([
    [
      'Contact',
      { FirstName: 'No' },
      400,
      [
        {
          message: 'Required fields are missing: [LastName]',
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: ['LastName'],
        },
      ],
    ],
    [
      'Account',
      {},
      400,
      [
        {
          message: 'Required fields are missing: [Name]',
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: ['Name'],
        },
      ],
    ],
    [
      'Contact',
      { LastName: 'X', Shoe__c: 9 },
      400,
      [
        {
          message: "No such column 'Shoe__c' on sobject of type Contact",
          errorCode: 'INVALID_FIELD',
        },
      ],
    ],
    [
      'Contact',
      { LastName: 'X', Tier__c: 'Platinum' },
      400,
      [
        {
          message: 'Tier: bad value for restricted picklist field: Platinum',
          errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          fields: ['Tier__c'],
        },
      ],
    ],
    [
      'Contact',
      { LastName: 'X', Name: 'Y' },
      400,
      [
        {
          message:
            'Unable to create/update fields: Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          fields: ['Name'],
        },
      ],
    ],
    [
      'Contact',
      { LastName: 'X', Email: 'nope' },
      400,
      [
        {
          message: 'Email: invalid email address: nope',
          errorCode: 'INVALID_EMAIL_ADDRESS',
          fields: ['Email'],
        },
      ],
    ],
    [
      'Contact',
      { LastName: 'X', AccountId: '003000000000000' },
      400,
      [
        {
          message: 'Account ID: id value of incorrect type: 003000000000000',
          errorCode: 'MALFORMED_ID',
          fields: ['AccountId'],
        },
      ],
    ],
    [
      'Widget__c',
      { Name: 'X' },
      404,
      [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }],
    ],
  ])('POST %s %j answers %i with the error array', async (sobject, body, status, errors) => {
    const response = await create(sobject, body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(errors);
  });

  it('answers unknown and malformed record ids with 404 NOT_FOUND', async () => {
    const unknown = await fetch(`${data}/sobjects/Contact/0035g0000009999AAA`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    const malformed = await fetch(`${data}/sobjects/Contact/hedy`, { headers: auth });
    expect(await malformed.json()).toEqual([
      {
        message: 'Provided external ID field does not exist or is not accessible: hedy',
        errorCode: 'NOT_FOUND',
      },
    ]);
  });

  it('describes Contact with its fields, including the custom Tier__c picklist', async () => {
    const response = await fetch(`${data}/sobjects/Contact/describe`, { headers: auth });
    expect(response.status).toBe(200);
    const describe = (await response.json()) as {
      name: string;
      keyPrefix: string;
      fields: {
        name: string;
        custom: boolean;
        type: string;
        restrictedPicklist: boolean;
        picklistValues: { value: string }[];
        nillable: boolean;
        createable: boolean;
      }[];
    };
    expect(describe).toMatchObject({ name: 'Contact', keyPrefix: '003' });
    const tier = describe.fields.find((field) => field.name === 'Tier__c');
    expect(tier).toMatchObject({ custom: true, type: 'picklist', restrictedPicklist: true });
    expect(tier?.picklistValues.map((value) => value.value)).toEqual(['Gold', 'Silver', 'Bronze']);
    expect(describe.fields.find((field) => field.name === 'LastName')).toMatchObject({
      nillable: false,
      createable: true,
    });
    expect(describe.fields.find((field) => field.name === 'Name')).toMatchObject({
      createable: false,
    });
  });
});
