import { hubspotTimestamp, type CrmRecord, type HubSpotState } from './state.js';

/** Seeded data is dated from here, one hour apart, so sorting by date is deterministic. */
const SEED_EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
export const PORTAL_ID = 24_681_357;
/** Contact ids start here, company ids at {@link FIRST_COMPANY_ID}: both look like HubSpot's. */
export const FIRST_CONTACT_ID = 51;
export const FIRST_COMPANY_ID = 10_001;

const COMPANIES: [name: string, domain: string, industry: string, city: string][] = [
  ['Analytical Engines Ltd', 'analytical-engines.example', 'COMPUTER_SOFTWARE', 'London'],
  ['Compiler Works', 'compiler-works.example', 'COMPUTER_SOFTWARE', 'Arlington'],
  ['Orbital Mechanics', 'orbital.example', 'AVIATION_AEROSPACE', 'Houston'],
  ['Kernel Co', 'kernel.example', 'INFORMATION_TECHNOLOGY_AND_SERVICES', 'Helsinki'],
  ['Abstract Data', 'abstract-data.example', 'RESEARCH', 'Cambridge'],
];

const CONTACTS: [first: string, last: string, title: string, stage: string][] = [
  ['Ada', 'Lovelace', 'Analyst', 'customer'],
  ['Charles', 'Babbage', 'Founder', 'customer'],
  ['Grace', 'Hopper', 'Rear Admiral', 'opportunity'],
  ['Margaret', 'Hamilton', 'Director', 'salesqualifiedlead'],
  ['Katherine', 'Johnson', 'Mathematician', 'lead'],
  ['Linus', 'Torvalds', 'Maintainer', 'lead'],
  ['Barbara', 'Liskov', 'Professor', 'subscriber'],
  ['Alan', 'Turing', 'Researcher', 'subscriber'],
  ['Dorothy', 'Vaughan', 'Supervisor', 'lead'],
  ['Frances', 'Allen', 'Fellow', 'marketingqualifiedlead'],
  ['Edsger', 'Dijkstra', 'Professor', 'other'],
  ['Radia', 'Perlman', 'Engineer', 'evangelist'],
];

export interface HubSpotSeedOptions {
  extraContacts: number;
  extraCompanies: number;
}

/** The same account every time for the same options; every named contact works at a company. */
export function seedState(options: HubSpotSeedOptions): HubSpotState {
  const state: HubSpotState = {
    portalId: PORTAL_ID,
    records: { contacts: [], companies: [] },
    archived: { contacts: [], companies: [] },
    nextId: { contacts: FIRST_CONTACT_ID, companies: FIRST_COMPANY_ID },
    associations: [],
  };
  let tick = 0;
  const record = (
    type: 'contacts' | 'companies',
    properties: Record<string, string | null>,
  ): CrmRecord => {
    const id = String(state.nextId[type]++);
    const at = hubspotTimestamp(SEED_EPOCH + HOUR * tick++);
    const modified = type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
    const created: CrmRecord = {
      id,
      properties: { ...properties, createdate: at, [modified]: at, hs_object_id: id },
      createdAt: at,
      updatedAt: at,
    };
    state.records[type].push(created);
    return created;
  };

  const companies = COMPANIES.map(([name, domain, industry, city]) =>
    record('companies', {
      name,
      domain,
      industry,
      city,
      phone: null,
      numberofemployees: '42',
      lifecyclestage: 'customer',
    }),
  );
  for (let n = 1; n <= options.extraCompanies; n += 1)
    record('companies', { name: `Sandbox Company ${n}`, domain: `company-${n}.example` });

  CONTACTS.forEach(([first, last, title, stage], index) => {
    const company = companies[index % companies.length];
    const contact = record('contacts', {
      email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
      firstname: first,
      lastname: last,
      jobtitle: title,
      lifecyclestage: stage,
      company: company?.properties['name'] ?? null,
      phone: null,
    });
    if (company !== undefined)
      state.associations.push({ contactId: contact.id, companyId: company.id });
  });
  for (let n = 1; n <= options.extraContacts; n += 1)
    record('contacts', {
      email: `contact-${n}@example.com`,
      firstname: 'Sandbox',
      lastname: `Contact ${n}`,
      lifecyclestage: 'lead',
    });
  return state;
}

/** How many contacts and companies are seeded before the extra ones. */
export const NAMED_CONTACTS = CONTACTS.length;
export const NAMED_COMPANIES = COMPANIES.length;
