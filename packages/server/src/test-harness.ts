import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createTestDatabase } from '@joinery/store';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startJoinery, type RunningJoinery, type StartOptions } from './start.js';

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = ['pglite', 'postgres'];

export interface TestJoinery {
  url: string;
  secretKey: string;
  dataDir: string;
  databaseUrl: string | null;
  running: RunningJoinery;
  /** Every structured log line Joinery wrote. */
  logs: string[];
  /** Every response body this harness received, for "the secret appears nowhere" checks. */
  responses: string[];
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // Tests read deep into JSON answers; `any` keeps them short, and every read is asserted.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts a real Joinery on port 0 with a fresh data directory (and a fresh PostgreSQL database for `postgres`). */
export async function startTestJoinery(
  backend: Backend,
  options: StartOptions = {},
  /** Extra settings, e.g. `JOINERY_TOKEN_REFRESH_INTERVAL_MS`. */
  settings: Record<string, string> = {},
): Promise<TestJoinery> {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-test-'));
  const database = backend === 'postgres' ? await createTestDatabase() : null;
  const env: Record<string, string> = {
    JOINERY_PORT: '0',
    JOINERY_DATA_DIR: dataDir,
    JOINERY_LOG_LEVEL: 'debug',
    ...settings,
  };
  if (database) {
    env.JOINERY_DATABASE_URL = database.url;
    env.JOINERY_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
    env.JOINERY_SECRET_KEY = `jny_sk_${randomBytes(24).toString('base64url')}`;
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const running = await startJoinery(loadConfig(env), {
    ...options,
    logger: options.logger ?? pino({ level: 'debug' }, sink),
  });
  const secretKey = running.generatedSecretKey ?? env.JOINERY_SECRET_KEY;
  if (!secretKey) throw new Error('no secret key: neither generated nor configured');
  const responses: string[] = [];
  return {
    url: running.url,
    secretKey,
    dataDir,
    databaseUrl: database?.url ?? null,
    running,
    logs,
    responses,
    async api(method, path, body, headers = {}) {
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secretKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      responses.push(text);
      let parsed: unknown = text;
      try {
        parsed = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        // Not JSON (a relayed provider body); the text is the body.
      }
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}
