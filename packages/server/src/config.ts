import { resolve } from 'node:path';
import { Secret } from '@joinery/engine';

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface JoineryConfig {
  port: number;
  host: string;
  /** Embedded store and generated key files. Always set; unused for the store with PostgreSQL. */
  dataDir: string;
  /** PostgreSQL URL; null means embedded PGlite in `dataDir`. */
  databaseUrl: string | null;
  publicUrl: string;
  /** The API secret key, when set explicitly (JOINERY_SECRET_KEY). */
  secretKey: Secret<string> | null;
  /** Credential encryption keys, newest first (JOINERY_ENCRYPTION_KEY); null = generated key file (embedded only). */
  encryptionKeys: Secret<Buffer>[] | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** How often OAuth tokens falling due are renewed in the background (JOINERY_TOKEN_REFRESH_INTERVAL_MS). */
  tokenRefreshIntervalMs: number;
  /** Your own connector files, loaded at start next to the built-in ones (JOINERY_CONNECTORS_DIR); null for none. */
  connectorsDir: string | null;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3003;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      'JOINERY_PORT',
      `"${raw}" is not a port number; expected an integer from 0 to 65535 (0 picks a free port)`,
    );
  }
  return port;
}

/** Parses base64 keys of 32 bytes, comma-separated, newest first. */
export function parseEncryptionKeys(raw: string): Secret<Buffer>[] {
  const keys = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (keys.length === 0)
    throw new ConfigError(
      'JOINERY_ENCRYPTION_KEY',
      'is empty; expected base64 of 32 random bytes (e.g. `openssl rand -base64 32`)',
    );
  return keys.map((key, index) => {
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== 32 || !/^[A-Za-z0-9+/=_-]+$/.test(key)) {
      throw new ConfigError(
        'JOINERY_ENCRYPTION_KEY',
        `key ${index + 1} is not base64 of 32 bytes (it decodes to ${bytes.length}); generate one with \`openssl rand -base64 32\``,
      );
    }
    return new Secret(bytes);
  });
}

/** The one place settings are read. A wrong value stops start-up with the setting's name and what is expected. */
export function loadConfig(env: Record<string, string | undefined>): JoineryConfig {
  const port = parsePort(env.JOINERY_PORT);
  const host = env.JOINERY_HOST?.trim() || '127.0.0.1';
  const dataDir = resolve(env.JOINERY_DATA_DIR?.trim() || './.joinery');
  const databaseUrl = env.JOINERY_DATABASE_URL?.trim() || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'JOINERY_DATABASE_URL',
      'expected a postgres:// or postgresql:// URL (unset it to use the embedded store)',
    );
  }
  const publicUrl = (
    env.JOINERY_PUBLIC_URL?.trim() || `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  ).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError('JOINERY_PUBLIC_URL', `"${publicUrl}" is not an absolute URL`);
  }
  const rawSecret = env.JOINERY_SECRET_KEY?.trim();
  if (
    rawSecret !== undefined &&
    rawSecret !== '' &&
    (!rawSecret.startsWith('jny_sk_') || rawSecret.length < 32)
  ) {
    throw new ConfigError(
      'JOINERY_SECRET_KEY',
      'expected a key that starts with "jny_sk_" and has at least 32 characters (run `joinery secret-key rotate` to make one)',
    );
  }
  const rawEncryption = env.JOINERY_ENCRYPTION_KEY?.trim();
  const encryptionKeys = rawEncryption ? parseEncryptionKeys(rawEncryption) : null;
  if (databaseUrl !== null && encryptionKeys === null) {
    throw new ConfigError(
      'JOINERY_ENCRYPTION_KEY',
      'is required with JOINERY_DATABASE_URL: every process sharing the database must use the same key. Generate one with `openssl rand -base64 32`',
    );
  }
  const tokenRefreshIntervalMs = parseInterval(env.JOINERY_TOKEN_REFRESH_INTERVAL_MS);
  const logLevel = (env.JOINERY_LOG_LEVEL?.trim() || 'info') as JoineryConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('JOINERY_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  const rawConnectorsDir = env.JOINERY_CONNECTORS_DIR?.trim();
  return {
    port,
    host,
    dataDir,
    databaseUrl,
    publicUrl,
    secretKey: rawSecret ? new Secret(rawSecret) : null,
    encryptionKeys,
    logLevel,
    tokenRefreshIntervalMs,
    connectorsDir: rawConnectorsDir ? resolve(rawConnectorsDir) : null,
  };
}

/** Defaults to 15 s: well inside the 60 s minimum renewal margin of any token lasting 10 minutes or more. */
function parseInterval(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 15_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 3_600_000) {
    throw new ConfigError(
      'JOINERY_TOKEN_REFRESH_INTERVAL_MS',
      `"${raw}" is not valid; expected whole milliseconds from 100 to 3600000 (default 15000)`,
    );
  }
  return value;
}
