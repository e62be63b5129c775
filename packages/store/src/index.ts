export { DEFAULT_PGLITE_SHARED_BUFFERS, openStore, redactUrl } from './open.js';
export type { Database, Schema, Store, StoreOptions } from './open.js';
export { lockDataDir, DataDirLockedError, LOCK_FILE } from './data-dir-lock.js';
export type { DataDirLock } from './data-dir-lock.js';
export { createTestDatabase, TEST_SERVER_URL } from './test-database.js';
export type { TestDatabase } from './test-database.js';
export {
  connectSessions,
  connections,
  environments,
  events,
  idempotencyKeys,
  integrations,
  providerQuotas,
  rateLimitBuckets,
  requestLog,
  schemaDrift,
  secretKeys,
  webhookDeliveries,
} from './schema.js';
export type { ConnectionSettings, Sealed, StoredError, StoredOAuthClient } from './schema.js';
export { flowSchedules, flows, runSteps, runs } from './schema-runs.js';
export type { StoredRunError } from './schema-runs.js';
export { sqlExecutor, transactionExecutor } from './sql-executor.js';
export type { SqlExecutor } from './sql-executor.js';
export { deadLetters, outgoingDeliveries, webhookEndpoints } from './schema-outgoing.js';
export type { StoredDeliveryError } from './schema-outgoing.js';
export { alerts, connectionHealth, connectionTransitions } from './schema-health.js';
export { recordChangeSeq, records, syncRuns, syncs } from './schema-sync.js';
export type { StoredSyncError, SyncResumeState } from './schema-sync.js';
export { mappingOverrides } from './schema-data.js';
