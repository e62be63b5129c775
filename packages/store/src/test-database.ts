import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL, used by the PostgreSQL-backed tests (override with JOINERY_TEST_DATABASE_URL). */
export const TEST_SERVER_URL =
  process.env.JOINERY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database on the test server so each suite starts from nothing. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `joinery_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_SERVER_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
