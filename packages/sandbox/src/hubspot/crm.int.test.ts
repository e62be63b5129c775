import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { HUBSPOT_DEMO_TOKEN } from './options.js';
import { FIRST_COMPANY_ID, FIRST_CONTACT_ID } from './seed.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${HUBSPOT_DEMO_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
beforeAll(async () => {
  sandbox = await startSandbox({ hubspot: { searchPerSecond: 1000 } });
  api = `${sandbox.url}/hubspot`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface CrmObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

const send = (method: string, path: string, body?: unknown) =>
  fetch(`${api}${path}`, {
    method,
    headers: json,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('HubSpot authentication', () => {
  it.each([
    ['no token', {}],
    ['an unknown token', { authorization: 'Bearer pat-na1-not-a-real-one' }],
  ])('answers %s with 401 INVALID_AUTHENTICATION and a correlation id', async (_name, headers) => {
    const response = await fetch(`${api}/crm/v3/objects/contacts`, { headers });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      status: 'error',
      message:
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      correlationId: response.headers.get('x-hubspot-correlation-id'),
      category: 'INVALID_AUTHENTICATION',
    });
  });
});

describe('HubSpot CRM objects', () => {
  it('creates a contact (201) that reads, lists and searches then see', async () => {
    const created = await send('POST', '/crm/v3/objects/contacts', {
      properties: {
        email: 'new.person@example.com',
        firstname: 'New',
        lastname: 'Person',
        lifecyclestage: 'lead',
      },
    });
    expect(created.status).toBe(201);
    const contact = (await created.json()) as CrmObject;
    expect(contact).toMatchObject({
      properties: {
        email: 'new.person@example.com',
        firstname: 'New',
        lastname: 'Person',
        lifecyclestage: 'lead',
        hs_object_id: contact.id,
      },
      archived: false,
    });
    expect(contact.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(contact.properties['createdate']).toBe(contact.createdAt);

    const read = await fetch(
      `${api}/crm/v3/objects/contacts/${contact.id}?properties=email,jobtitle`,
      { headers: auth },
    );
    expect(read.status).toBe(200);
    expect(((await read.json()) as CrmObject).properties).toEqual({
      email: 'new.person@example.com',
      jobtitle: null,
    });
    const byEmail = await fetch(
      `${api}/crm/v3/objects/contacts/NEW.PERSON@example.com?idProperty=email`,
      {
        headers: auth,
      },
    );
    expect(((await byEmail.json()) as CrmObject).id).toBe(contact.id);

    const found = await send('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ', value: 'new.person@example.com' }] },
      ],
    });
    expect(await found.json()).toMatchObject({ total: 1, results: [{ id: contact.id }] });
  });

  it('updates with PATCH, bumping lastmodifieddate, and the change is read back', async () => {
    const id = String(FIRST_CONTACT_ID);
    const patched = await send('PATCH', `/crm/v3/objects/contacts/${id}`, {
      properties: { jobtitle: 'Countess' },
    });
    expect(patched.status).toBe(200);
    const body = (await patched.json()) as CrmObject;
    expect(body.properties['jobtitle']).toBe('Countess');
    expect(body.updatedAt > body.createdAt).toBe(true);
    expect(body.properties['lastmodifieddate']).toBe(body.updatedAt);
    const read = (await (
      await fetch(`${api}/crm/v3/objects/contacts/${id}?properties=jobtitle`, { headers: auth })
    ).json()) as CrmObject;
    expect(read.properties['jobtitle']).toBe('Countess');
  });

  it('answers a duplicate email with 409 CONFLICT naming the existing contact, and creates nothing', async () => {
    const response = await send('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'ADA.LOVELACE@example.com' },
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      status: 'error',
      message: `Contact already exists. Existing ID: ${FIRST_CONTACT_ID}`,
      correlationId: response.headers.get('x-hubspot-correlation-id'),
      category: 'CONFLICT',
    });
    const search = await send('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada.lovelace@example.com' }] },
      ],
    });
    expect(((await search.json()) as { total: number }).total).toBe(1);
  });

  it('refuses bad property values together in one VALIDATION_ERROR, with the problems as JSON in the message', async () => {
    const response = await send('POST', '/crm/v3/objects/contacts', {
      properties: {
        email: 'not-an-email',
        favourite_colour: 'blue',
        lifecyclestage: 'hot',
        createdate: '2020-01-01',
      },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: string; category: string; message: string };
    expect(body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(body.message.startsWith('Property values were not valid: [')).toBe(true);
    const problems = JSON.parse(body.message.slice('Property values were not valid: '.length)) as {
      error: string;
      name: string;
      isValid: boolean;
    }[];
    expect(problems.map((p) => [p.name, p.error])).toEqual([
      ['email', 'INVALID_EMAIL'],
      ['favourite_colour', 'PROPERTY_DOESNT_EXIST'],
      ['lifecyclestage', 'INVALID_OPTION'],
      ['createdate', 'READ_ONLY_VALUE'],
    ]);
    expect(problems.every((p) => !p.isValid)).toBe(true);
  });

  it('answers unknown records with 404 OBJECT_NOT_FOUND and bad JSON with 400', async () => {
    const missing = await fetch(`${api}/crm/v3/objects/contacts/999999`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      message: 'resource not found',
    });
    const patch = await send('PATCH', '/crm/v3/objects/companies/1', { properties: { name: 'x' } });
    expect(patch.status).toBe(404);
    const badJson = await fetch(`${api}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: json,
      body: '{"properties":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ category: 'VALIDATION_ERROR' });
    const unknownType = await fetch(`${api}/crm/v3/objects/widgets`, { headers: auth });
    expect(unknownType.status).toBe(400);
    expect(((await unknownType.json()) as { message: string }).message).toBe(
      'Unable to infer object type from: widgets',
    );
  });

  it('associates a contact with a company by default (v4) and both sides read it back', async () => {
    const company = (await (
      await send('POST', '/crm/v3/objects/companies', {
        properties: { name: 'Newco', domain: 'newco.example' },
      })
    ).json()) as CrmObject;
    const contactId = String(FIRST_CONTACT_ID + 1);
    const associated = await send(
      'PUT',
      `/crm/v4/objects/contacts/${contactId}/associations/default/companies/${company.id}`,
    );
    expect(associated.status).toBe(200);
    expect(await associated.json()).toMatchObject({
      status: 'COMPLETE',
      results: [
        {
          from: { id: contactId },
          to: { id: company.id },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
        },
        {
          from: { id: company.id },
          to: { id: contactId },
          associationSpec: { associationTypeId: 280 },
        },
      ],
    });
    const listed = await fetch(
      `${api}/crm/v4/objects/contacts/${contactId}/associations/companies`,
      { headers: auth },
    );
    expect(
      ((await listed.json()) as { results: { toObjectId: number }[] }).results.map(
        (r) => r.toObjectId,
      ),
    ).toContain(Number(company.id));
    const fromCompany = (await (
      await fetch(`${api}/crm/v3/objects/companies/${company.id}?associations=contacts`, {
        headers: auth,
      })
    ).json()) as { associations: { contacts: { results: { id: string }[] } } };
    expect(fromCompany.associations.contacts.results).toEqual([
      { id: contactId, type: 'company_to_contact_unlabeled' },
    ]);

    const missing = await send(
      'PUT',
      `/crm/v4/objects/contacts/${contactId}/associations/default/companies/1`,
    );
    expect(missing.status).toBe(404);
  });

  it('searches with ORed filter groups, wildcard tokens, IN and a sort', async () => {
    const response = await send('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [
        {
          filters: [
            { propertyName: 'lifecyclestage', operator: 'IN', values: ['customer', 'evangelist'] },
          ],
        },
        {
          filters: [
            { propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'g*@example.com' },
            { propertyName: 'lifecyclestage', operator: 'EQ', value: 'opportunity' },
          ],
        },
      ],
      sorts: [{ propertyName: 'lastname', direction: 'DESCENDING' }],
      properties: ['lastname', 'lifecyclestage'],
    });
    expect(response.status).toBe(200);
    // Search answers carry no X-HubSpot-RateLimit-* headers.
    expect(response.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    const body = (await response.json()) as {
      total: number;
      results: CrmObject[];
      paging?: unknown;
    };
    expect(body.results.map((r) => r.properties['lastname'])).toEqual([
      'Perlman',
      'Lovelace',
      'Hopper',
      'Babbage',
    ]);
    expect(body.total).toBe(4);
    expect(body).not.toHaveProperty('paging');
    expect(body.results[0]?.properties).toEqual({
      lastname: 'Perlman',
      lifecyclestage: 'evangelist',
    });
  });

  it.each([
    [{ limit: 201 }, 'limit'],
    [{ after: '10000' }, 'after'],
    [
      { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'LIKE', value: 'x' }] }] },
      'filterGroups',
    ],
    [
      { filterGroups: [{ filters: [{ propertyName: 'shoe_size', operator: 'EQ', value: '9' }] }] },
      'filterGroups',
    ],
    [{ filterGroups: Array.from({ length: 6 }, () => ({ filters: [] })) }, 'filterGroups'],
  ])('refuses the search %j with 400 VALIDATION_ERROR and an error in %s', async (body, where) => {
    const response = await send('POST', '/crm/v3/objects/contacts/search', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      errors: [{ in: where }],
    });
  });

  it('reads companies with their default properties', async () => {
    const response = await fetch(`${api}/crm/v3/objects/companies/${FIRST_COMPANY_ID}`, {
      headers: auth,
    });
    expect(Object.keys(((await response.json()) as CrmObject).properties)).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
      'name',
    ]);
  });
});
