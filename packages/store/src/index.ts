export { openStore, redactUrl } from './open.js';
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
