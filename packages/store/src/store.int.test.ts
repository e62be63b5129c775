import { eq, sql } from 'drizzle-orm';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './data-dir-lock.js';
import { DEFAULT_PGLITE_SHARED_BUFFERS, openStore, type Store } from './open.js';
import { connections, environments, integrations } from './schema.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

// The same suite runs on both back ends: one schema, one set of migrations, the same queries.
const backends: {
  name: string;
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
}[] = [
  {
    name: 'pglite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'joinery-store-'));
      const store = await openStore({ kind: 'pglite', dataDir: dir });
      return {
        store,
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database: TestDatabase = await createTestDatabase();
      const store = await openStore({ kind: 'postgres', url: database.url });
      return { store, cleanup: () => database.drop() };
    },
  },
];

describe.each(backends)('store on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('migrates and round-trips rows, including JSON columns', async () => {
    expect(store.kind).toBe(backend.name);
    await store.db.insert(environments).values({ id: 'env_1', name: 'default' });
    await store.db.insert(integrations).values({
      environmentId: 'env_1',
      key: 'github',
      connector: 'github',
      allowPrivateNetwork: true,
    });
    await store.db.insert(connections).values({
      id: 'conn_1',
      environmentId: 'env_1',
      integrationKey: 'github',
      tenant: 'acme',
      authType: 'api_key',
      credentials: { keyId: 'k1', data: 'AAAA' },
      metadata: { plan: 'pro' },
    });
    const [row] = await store.db.select().from(connections).where(eq(connections.id, 'conn_1'));
    expect(row?.credentials).toEqual({ keyId: 'k1', data: 'AAAA' });
    expect(row?.metadata).toEqual({ plan: 'pro' });
    expect(row?.state).toBe('healthy');
    expect(row?.createdAt).toBeInstanceOf(Date);
  });

  it('enforces the integration key per environment', async () => {
    await expect(
      store.db
        .insert(integrations)
        .values({ environmentId: 'env_1', key: 'github', connector: 'github' }),
    ).rejects.toThrow();
  });

  it('runs migrations again without harm', async () => {
    const again = await backend.open();
    await again.store.close();
    await again.cleanup();
  });
});

describe('pglite data directory', () => {
  it('persists across reopen and refuses a second holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-store-'));
    try {
      const first = await openStore({ kind: 'pglite', dataDir: dir });
      await first.db.insert(environments).values({ id: 'env_p', name: 'persisted' });
      await expect(openStore({ kind: 'pglite', dataDir: dir })).rejects.toThrow(DataDirLockedError);
      await first.close();
      const second = await openStore({ kind: 'pglite', dataDir: dir });
      const rows = await second.db.select().from(environments);
      expect(rows.map((r) => r.name)).toEqual(['persisted']);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a small page cache, sized by sharedBuffers, and the data directory's own settings", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-store-'));
    const settings = async (store: Store) => {
      const result = await store.db.execute(
        sql`SELECT current_setting('shared_buffers') AS buffers, current_setting('TimeZone') AS zone`,
      );
      return (result as { rows: { buffers: string; zone: string }[] }).rows[0];
    };
    try {
      const first = await openStore({ kind: 'pglite', dataDir: dir });
      expect(await settings(first)).toEqual({
        buffers: DEFAULT_PGLITE_SHARED_BUFFERS,
        zone: 'UTC',
      });
      await first.close();
      const second = await openStore({ kind: 'pglite', dataDir: dir, sharedBuffers: '8MB' });
      expect(await settings(second)).toEqual({ buffers: '8MB', zone: 'UTC' });
      await second.close();
      await expect(
        openStore({ kind: 'pglite', dataDir: dir, sharedBuffers: "8MB'; drop" }),
      ).rejects.toThrow('is not a size like 16MB');
      // A refused open leaves the directory free for the next.
      const third = await openStore({ kind: 'pglite', dataDir: dir });
      await third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a new data directory in a child process, and says so when that fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-store-'));
    try {
      // A file where the database directory belongs: creating it must fail, clearly.
      writeFileSync(join(dir, 'pglite'), 'not a directory');
      await expect(openStore({ kind: 'pglite', dataDir: dir })).rejects.toThrow(
        /creating the embedded database in .*pglite failed \(exit code 1\): .+ Remove .*pglite \(it holds no data yet\)/s,
      );
      rmSync(join(dir, 'pglite'));
      const store = await openStore({ kind: 'pglite', dataDir: dir });
      expect(readFileSync(join(dir, 'pglite', 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
      await store.db.insert(environments).values({ id: 'env_c', name: 'created' });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the directory and the holder in the refusal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-lock-'));
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(
        new RegExp(`${dir}.*in use by Joinery process ${process.pid}`),
      );
    } finally {
      lock.release();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a dead process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-lock-'));
    try {
      const stale = JSON.parse(
        JSON.stringify({ pid: 2 ** 22 + 12345, hostname: 'x', startedAt: 'then' }),
      ) as {
        hostname: string;
      };
      // Same host as ours, so liveness can be checked.
      stale.hostname = (JSON.parse(readFileSyncSafe(dir)) as { hostname: string }).hostname;
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
      lock.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Reads the host name a lock would record, by taking and releasing a real lock. */
function readFileSyncSafe(dir: string): string {
  const lock = lockDataDir(dir);
  const text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  lock.release();
  return text;
}
