import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The one database type shared code is written against: the same queries run on PGlite and PostgreSQL. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Database;
  close(): Promise<void>;
}

export type StoreOptions =
  | {
      kind: 'pglite';
      /** `null` runs PGlite in memory (tests, throwaway demos). */
      dataDir: string | null;
      /** PostgreSQL's `shared_buffers` (e.g. `16MB`); defaults to DEFAULT_PGLITE_SHARED_BUFFERS. */
      sharedBuffers?: string;
    }
  | { kind: 'postgres'; url: string; poolSize?: number };

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

// Any fixed number shared by every Joinery process: migrations run under it one process at a time.
const MIGRATION_LOCK_ID = 0x6a6f696e; // "join"

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.kind === 'pglite')
    return openPglite(options.dataDir, options.sharedBuffers ?? DEFAULT_PGLITE_SHARED_BUFFERS);
  return openPostgres(options.url, options.poolSize ?? 10);
}

/**
 * The embedded store's page cache. PGlite keeps it in Joinery's own memory (PostgreSQL's default
 * is 128MB); the operating system caches the data files as well, so a small cache costs little
 * speed: a 1,000,000-record sync (`npm run bench:sync`) runs at the same pace with 16MB, and the
 * process peaks about 130 MB lower.
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS = '16MB';

// A start parameter, not `postgresqlconf`, which would replace the data directory's
// postgresql.conf (time zone, date style…) rather than add to it.
const pgliteStartParams = (sharedBuffers: string) => [
  ...PGlite.defaultStartParams,
  '-c',
  `shared_buffers=${sharedBuffers}`,
];

/** How long creating a data directory may take (it takes seconds). */
const CREATE_TIMEOUT_MS = 300_000;

/**
 * Creates a PGlite data directory in a short-lived child process. Creating one (initdb) runs a
 * second PostgreSQL and initdb in PGlite's WebAssembly memory, which grows to about 800 MB and is
 * never given back: in this process, a first start would hold that for its lifetime (about 700 MB
 * instead of the 260 MB of any later start). This process then opens the directory as a later
 * start does.
 */
async function createPgliteDataDir(path: string, sharedBuffers: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `
    const { PGlite } = require(process.argv[1]);
    const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=' + process.argv[3]];
    (async () => {
      const db = new PGlite(process.argv[2], { startParams });
      await db.waitReady;
      await db.close();
    })().catch((error) => {
      process.stderr.write(String((error && error.stack) || error));
      process.exit(1);
    });`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, entry, path, sharedBuffers], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CREATE_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`could not start a process to create the embedded database in ${path}`, {
          cause: error,
        }),
      );
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `creating the embedded database in ${path} failed (${signal ?? `exit code ${code}`}): ${stderr.trim() || 'no output'}. Remove ${path} (it holds no data yet) and start again; if it fails again, check free disk space and memory (creating it takes about 800 MB for a few seconds).`,
          ),
        );
    });
  });
}

async function openPglite(dataDir: string | null, sharedBuffers: string): Promise<Store> {
  const lock = dataDir === null ? null : lockDataDir(dataDir);
  try {
    if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers))
      throw new Error(`sharedBuffers "${sharedBuffers}" is not a size like 16MB`);
    const path = dataDir === null ? undefined : join(dataDir, 'pglite');
    if (path !== undefined && !existsSync(join(path, 'PG_VERSION')))
      await createPgliteDataDir(path, sharedBuffers);
    const client = new PGlite(path, { startParams: pgliteStartParams(sharedBuffers) });
    await client.waitReady;
    const db = drizzlePglite({ client, schema });
    await migratePglite(db, { migrationsFolder });
    return {
      kind: 'pglite',
      db: db as unknown as Database,
      async close() {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openPostgres(url: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL pool: ${error.message}`);
  });
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      try {
        await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new Error(
      `cannot open the PostgreSQL store (${redactUrl(url)}): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const db = drizzlePg({ client: pool, schema });
  return {
    kind: 'postgres',
    db: db as unknown as Database,
    close: () => pool.end(),
  };
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}
