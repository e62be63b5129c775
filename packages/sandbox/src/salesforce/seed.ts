import { makeId } from './ids.js';
import { ACCOUNT, CONTACT, type SObjectDefinition } from './schema.js';
import {
  fullName,
  ORG_ID,
  sfTimestamp,
  type FieldValue,
  type SalesforceState,
  type SfRecord,
} from './state.js';

const SEED_EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
export const ADMIN_USER_ID = makeId('005', 1);
export const ADMIN_USERNAME = 'admin@joinery-sandbox.example';

const ACCOUNTS: [name: string, industry: string, city: string, tier: string][] = [
  ['Analytical Engines Ltd', 'Technology', 'London', 'Gold'],
  ['Orbital Mechanics', 'Government', 'Houston', 'Silver'],
  ['Kernel Co', 'Technology', 'Helsinki', 'Bronze'],
  ['Abstract Data', 'Education', 'Cambridge', 'Gold'],
];

const CONTACTS: [first: string, last: string, title: string][] = [
  ['Ada', 'Lovelace', 'Analyst'],
  ['Charles', 'Babbage', 'Founder'],
  ['Katherine', 'Johnson', 'Mathematician'],
  ['Dorothy', 'Vaughan', 'Supervisor'],
  ['Linus', 'Torvalds', 'Maintainer'],
  ['Ken', 'Thompson', 'Engineer'],
  ['Barbara', 'Liskov', 'Professor'],
  ['Alan', 'Turing', 'Researcher'],
  ['Grace', 'Hopper', 'Rear Admiral'],
  ['Margaret', 'Hamilton', 'Director'],
  ['Frances', 'Allen', 'Fellow'],
  ['Radia', 'Perlman', 'Engineer'],
];
/** Named contacts' lead sources, in turn: picklist values, and one left empty. */
const LEAD_SOURCES: (string | null)[] = ['Web', 'Phone Inquiry', 'Partner Referral', null];
export const NAMED_CONTACTS = CONTACTS.length;
export const NAMED_ACCOUNTS = ACCOUNTS.length;

export interface SalesforceSeedOptions {
  extraContacts: number;
  extraAccounts: number;
}

/** A record with every field of its sObject: the given ones, the audit fields, and `null`s. */
export function newRecord(
  state: SalesforceState,
  sobject: SObjectDefinition,
  given: Record<string, FieldValue>,
  now: number,
): SfRecord {
  const id = makeId(sobject.keyPrefix, state.nextNumber[sobject.name]++);
  const at = sfTimestamp(now);
  const fields: Record<string, FieldValue> = {};
  for (const definition of sobject.fields) fields[definition.name] = given[definition.name] ?? null;
  Object.assign(fields, {
    Id: id,
    IsDeleted: false,
    OwnerId: given['OwnerId'] ?? state.userId,
    CreatedDate: at,
    LastModifiedDate: at,
    SystemModstamp: at,
  });
  if (sobject === CONTACT) fields['Name'] = fullName(fields);
  const record = { id, fields };
  state.records[sobject.name].push(record);
  return record;
}

/** The same org every time for the same options; each named contact belongs to an account. */
export function seedState(options: SalesforceSeedOptions): SalesforceState {
  const state: SalesforceState = {
    orgId: ORG_ID,
    userId: ADMIN_USER_ID,
    username: ADMIN_USERNAME,
    records: { Contact: [], Account: [] },
    deleted: { Contact: [], Account: [] },
    nextNumber: { Contact: 1, Account: 1 },
  };
  let tick = 0;
  const at = () => SEED_EPOCH + HOUR * tick++;
  const accounts = ACCOUNTS.map(([Name, Industry, BillingCity, Tier__c]) =>
    newRecord(
      state,
      ACCOUNT,
      { Name, Industry, BillingCity, Tier__c, NumberOfEmployees: 42 },
      at(),
    ),
  );
  for (let n = 1; n <= options.extraAccounts; n += 1)
    newRecord(state, ACCOUNT, { Name: `Sandbox Account ${n}` }, at());
  CONTACTS.forEach(([FirstName, LastName, Title], index) => {
    newRecord(
      state,
      CONTACT,
      {
        FirstName,
        LastName,
        Title,
        Email: `${FirstName.toLowerCase()}.${LastName.toLowerCase()}@example.com`,
        AccountId: accounts[index % accounts.length]?.id ?? null,
        LeadSource: LEAD_SOURCES[index % LEAD_SOURCES.length] ?? null,
        Tier__c: index % 3 === 0 ? 'Gold' : null,
      },
      at(),
    );
  });
  for (let n = 1; n <= options.extraContacts; n += 1)
    newRecord(
      state,
      CONTACT,
      { FirstName: 'Sandbox', LastName: `Contact ${n}`, Email: `contact-${n}@example.com` },
      at(),
    );
  return state;
}
