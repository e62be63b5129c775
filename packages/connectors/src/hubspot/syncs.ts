import type { SyncDefinition } from '@joinery/engine';
import { propertyNames } from './mappings.js';

/**
 * HubSpot contacts, stored as unified Contacts through the connector's `contacts` mapping.
 * Full: the list endpoint (https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/get-crm-v3-objects-contacts),
 * 100 per page (its maximum), `paging.next.after` until absent; archived contacts are not listed,
 * so a completed full run marks them deleted.
 * Incremental: the search endpoint (https://developers.hubspot.com/docs/guides/api/crm/search),
 * `lastmodifieddate` at or after the checkpoint (epoch milliseconds), sorted ascending, 200 per
 * page (its maximum). Search stops paging after 10,000 results, so a longer run starts a new search
 * from the newest `lastmodifieddate` it read. Search does not return archived contacts.
 * Deletions: after the changed contacts, an incremental run pages the archived list (the list
 * endpoint with `archived=true`, 100 per page), whose contacts carry `archivedAt`. HubSpot cannot
 * filter it by date, so each incremental run reads the whole list — one request per 100 contacts
 * archived and not yet purged (HubSpot keeps them restorable for 90 days) — and marks those
 * archived since the last succeeded run. That costs with the number of archived contacts, not
 * with the number of contacts.
 * Both ask for the properties the connection's `contacts` mapping reads, its overrides included
 * (`{{fields}}`), as the unified contacts actions do.
 */
export const hubspotContactsSync: SyncDefinition = {
  name: 'contacts',
  model: 'Contact',
  mapping: 'contacts',
  fieldNames: propertyNames,
  description:
    'HubSpot contacts: full via the list endpoint, incremental via search on lastmodifieddate.',
  full: {
    method: 'GET',
    path: '/crm/v3/objects/contacts',
    query: { limit: 100, archived: false, properties: '{{fields}}' },
  },
  incremental: {
    method: 'POST',
    path: '/crm/v3/objects/contacts/search',
    json: {
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '{{cursor}}' }] },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      properties: '{{fields}}',
      limit: 200,
    },
    cursorFormat: 'epoch_ms',
    maxResultsPerQuery: 10_000,
  },
  deletions: {
    method: 'GET',
    path: '/crm/v3/objects/contacts',
    // Only the id is needed; the list answers the id with any property.
    query: { limit: 100, archived: true, properties: 'hs_object_id' },
    cursorFormat: 'iso',
    recordsPath: 'results',
    idPath: 'id',
    cursorPath: 'archivedAt',
  },
  recordsPath: 'results',
  idPath: 'id',
  cursorPath: 'properties.lastmodifieddate',
  totalPath: 'total',
  defaultFrequencySeconds: 3600,
};

export const hubspotSyncs: readonly SyncDefinition[] = [hubspotContactsSync];
