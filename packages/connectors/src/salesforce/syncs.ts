import type { SyncDefinition } from '@joinery/engine';
import { API_VERSION } from './actions.js';
import { selectFields } from './mappings.js';

/**
 * Salesforce Contacts by SOQL, stored as unified Contacts through the connector's `contacts` mapping (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
 * batches of up to 2,000 records, `nextRecordsUrl` until `done`. Incremental runs ask for
 * `LastModifiedDate >= <checkpoint>` (a SOQL dateTime literal, to the second) ordered by it.
 * `query` does not return deleted records, so a completed full run marks them deleted, and an
 * incremental run reads the Contacts deleted since the last succeeded run from the getDeleted
 * resource (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm):
 * one request, `start` to now, answering `deletedRecords: [{id, deletedDate}]`. Salesforce answers
 * for a window starting within the last 30 days, and only since `earliestDateAvailable` (deletions
 * older than that are purged): an older start fails the run, asking for a full run.
 * The SELECT list is what the connection's `contacts` mapping reads, its overrides included
 * (`Tier__c`), as for the unified contacts actions.
 */
export const salesforceContactsSync: SyncDefinition = {
  name: 'contacts',
  model: 'Contact',
  mapping: 'contacts',
  fieldNames: selectFields,
  description: 'Salesforce Contacts by SOQL, incremental on LastModifiedDate.',
  full: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/query`,
    query: { q: 'SELECT {{fields}} FROM Contact' },
  },
  incremental: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/query`,
    query: {
      q: 'SELECT {{fields}} FROM Contact WHERE LastModifiedDate >= {{cursor}} ORDER BY LastModifiedDate ASC',
    },
    cursorFormat: 'iso_seconds',
  },
  deletions: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/sobjects/Contact/deleted/`,
    query: { start: '{{cursor}}', end: '{{now}}' },
    cursorFormat: 'iso_seconds',
    pagination: { type: 'none' },
    recordsPath: 'deletedRecords',
    idPath: 'id',
    cursorPath: 'deletedDate',
    maxAgeSeconds: 30 * 86_400,
    earliestPath: 'earliestDateAvailable',
  },
  recordsPath: 'records',
  idPath: 'Id',
  cursorPath: 'LastModifiedDate',
  totalPath: 'totalSize',
  defaultFrequencySeconds: 3600,
};

export const salesforceSyncs: readonly SyncDefinition[] = [salesforceContactsSync];
