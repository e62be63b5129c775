import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from './test-database.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const FK_MIGRATION = '0012_health_connection_fk';

/** A copy of the migrations folder that stops just before `tag`, as an older Joinery shipped it. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-migrations-'));
  cpSync(migrations, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  if (cut < 0) throw new Error(`no migration ${tag} in the journal`);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

interface Backend {
  name: string;
  open(): Promise<{
    run(statement: string): Promise<{ rows: Record<string, unknown>[] }>;
    migrate(folder: string): Promise<void>;
    close(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'pglite',
    async open() {
      const client = new PGlite();
      await client.waitReady;
      const db = drizzlePglite({ client });
      return {
        run: async (statement) => ({
          rows: (await client.query<Record<string, unknown>>(statement)).rows,
        }),
        migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
        close: () => client.close(),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await createTestDatabase();
      const pool = new pg.Pool({ connectionString: database.url, max: 2 });
      const db = drizzlePg({ client: pool });
      return {
        run: async (statement) => ({ rows: (await pool.query(statement)).rows }),
        migrate: (folder) => migratePg(db, { migrationsFolder: folder }),
        close: async () => {
          await pool.end();
          await database.drop();
        },
      };
    },
  },
];

describe.each(backends)('connection_health foreign key on $name', (backend) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('upgrades a database holding orphan health rows, then cascades deletes', async () => {
    const store = await backend.open();
    cleanups.push(() => store.close());
    const older = migrationsBefore(FK_MIGRATION);
    cleanups.push(() => rmSync(older, { recursive: true, force: true }));
    await store.migrate(older);
    await store.run(`INSERT INTO environments (id, name) VALUES ('env_1', 'default')`);
    await store.run(
      `INSERT INTO integrations (environment_id, key, connector) VALUES ('env_1', 'github', 'github')`,
    );
    await store.run(
      `INSERT INTO connections (id, environment_id, integration_key, tenant, auth_type, credentials)
       VALUES ('conn_kept', 'env_1', 'github', 'acme', 'api_key', '{"keyId":"k","data":"AA"}')`,
    );
    // The row of a connection deleted while nothing tied the two tables together.
    for (const id of ['conn_kept', 'conn_gone'])
      await store.run(
        `INSERT INTO connection_health (connection_id, environment_id, state, reason, since, next_check_at)
         VALUES ('${id}', 'env_1', 'healthy', 'first seen', now(), now())`,
      );

    await store.migrate(migrations);
    const ids = async () =>
      (
        await store.run(`SELECT connection_id FROM connection_health ORDER BY connection_id`)
      ).rows.map((r) => r.connection_id);
    expect(await ids()).toEqual(['conn_kept']);

    await store.run(`DELETE FROM connections WHERE id = 'conn_kept'`);
    expect(await ids()).toEqual([]);
    // A health row for a connection that does not exist is refused.
    await expect(
      store.run(
        `INSERT INTO connection_health (connection_id, environment_id, state, reason, since, next_check_at)
         VALUES ('conn_none', 'env_1', 'healthy', 'x', now(), now())`,
      ),
    ).rejects.toThrow(/foreign key/);
  });
});
