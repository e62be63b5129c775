import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Secret } from '@joinery/engine';
import { ConfigError, parseEncryptionKeys } from './config.js';

export const ENCRYPTION_KEY_FILE = 'encryption.key';

/**
 * Embedded mode without JOINERY_ENCRYPTION_KEY: a key generated once into the data directory,
 * readable by its owner only. Losing it makes stored credentials unreadable, so it is never rewritten.
 */
export function loadOrCreateKeyFile(dataDir: string): Secret<Buffer>[] {
  const path = join(dataDir, ENCRYPTION_KEY_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(path, 0o600);
  try {
    return parseEncryptionKeys(readFileSync(path, 'utf8').trim());
  } catch (error) {
    throw new ConfigError(
      path,
      `the generated encryption key file is damaged (${(error as Error).message})`,
    );
  }
}
