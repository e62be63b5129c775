import type { SyncDefinition } from '@joinery/engine';
import { API_VERSION } from './actions.js';

// The fields the `contacts` mapping reads, but `LeadSource`: the sandbox's Contact has no such
// field, so a query naming it would fail there (and `leadSource` is null in synced Contacts).
const FIELDS =
  'Id, FirstName, LastName, Email, Phone, Title, Account.Name, CreatedDate, LastModifiedDate';

/**
 * Salesforce Contacts by SOQL, stored as unified Contacts through the connector's `contacts` mapping (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
 * batches of up to 2,000 records, `nextRecordsUrl` until `done`. Incremental runs ask for
 * `LastModifiedDate >= <checkpoint>` (a SOQL dateTime literal, to the second) ordered by it.
 * `query` does not return deleted records, so a completed full run marks them deleted.
 */
export const salesforceContactsSync: SyncDefinition = {
  name: 'contacts',
  model: 'Contact',
  mapping: 'contacts',
  description: 'Salesforce Contacts by SOQL, incremental on LastModifiedDate.',
  full: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/query`,
    query: { q: `SELECT ${FIELDS} FROM Contact` },
  },
  incremental: {
    method: 'GET',
    path: `/services/data/${API_VERSION}/query`,
    query: {
      q: `SELECT ${FIELDS} FROM Contact WHERE LastModifiedDate >= {{cursor}} ORDER BY LastModifiedDate ASC`,
    },
    cursorFormat: 'iso_seconds',
  },
  recordsPath: 'records',
  idPath: 'Id',
  cursorPath: 'LastModifiedDate',
  totalPath: 'totalSize',
  defaultFrequencySeconds: 3600,
};

export const salesforceSyncs: readonly SyncDefinition[] = [salesforceContactsSync];
