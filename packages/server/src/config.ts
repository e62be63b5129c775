import { resolve } from 'node:path';
import { Secret } from '@joinery/engine';
import { DEFAULT_PGLITE_SHARED_BUFFERS } from '@joinery/store';

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
  /** How often each connection's health check runs (JOINERY_HEALTH_CHECK_INTERVAL_MS); 0 turns scheduled checks off. */
  healthCheckIntervalMs: number;
  /** A Slack-compatible incoming webhook for alert notices (JOINERY_ALERT_SLACK_URL), or null. */
  alertSlackUrl: Secret<string> | null;
  /**
   * How long a worker holds a run without renewing its lease (JOINERY_RUN_LEASE_MS, default 30 s):
   * a crashed worker's runs resume elsewhere this long after it died.
   */
  runLeaseMs: number;
  /**
   * Runs that ended more than this many days ago are deleted with their steps by the workers
   * (JOINERY_RUN_RETENTION_DAYS, default 30); 0 keeps them forever. A run a dead letter holds is kept.
   */
  runRetentionDays: number;
  /** The embedded store's page cache, as PostgreSQL writes sizes (JOINERY_PGLITE_SHARED_BUFFERS, default 16MB). */
  pgliteSharedBuffers: string;
  /**
   * Where OpenTelemetry spans go (OTLP/HTTP, JSON): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or
   * OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. Null (the default) = no tracing at all.
   */
  otlpTracesEndpoint: string | null;
  /** `service.name` on every span (OTEL_SERVICE_NAME, default `joinery`). */
  otelServiceName: string;
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
  // Well inside the 60 s minimum renewal margin of any token lasting 10 minutes or more.
  const tokenRefreshIntervalMs = parseMs(env.JOINERY_TOKEN_REFRESH_INTERVAL_MS, {
    name: 'JOINERY_TOKEN_REFRESH_INTERVAL_MS',
    fallback: 15_000,
    min: 100,
    max: 3_600_000,
  });
  const logLevel = (env.JOINERY_LOG_LEVEL?.trim() || 'info') as JoineryConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('JOINERY_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  const rawConnectorsDir = env.JOINERY_CONNECTORS_DIR?.trim();
  const healthCheckIntervalMs = parseMs(env.JOINERY_HEALTH_CHECK_INTERVAL_MS, {
    name: 'JOINERY_HEALTH_CHECK_INTERVAL_MS',
    fallback: 60_000,
    min: 100,
    max: 86_400_000,
    zero: 'no scheduled checks',
  });
  const alertSlackUrl = parseAlertUrl(env.JOINERY_ALERT_SLACK_URL);
  const runLeaseMs = parseMs(env.JOINERY_RUN_LEASE_MS, {
    name: 'JOINERY_RUN_LEASE_MS',
    fallback: 30_000,
    min: 300,
    max: 3_600_000,
  });
  const runRetentionDays = parseDays(env.JOINERY_RUN_RETENTION_DAYS, {
    name: 'JOINERY_RUN_RETENTION_DAYS',
    fallback: 30,
    min: 1,
    max: 36_500,
    zero: 'keeping runs forever',
  });
  const pgliteSharedBuffers = parseSharedBuffers(env.JOINERY_PGLITE_SHARED_BUFFERS);
  const otlpTracesEndpoint = parseOtlpEndpoint(env);
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
    healthCheckIntervalMs,
    alertSlackUrl,
    runLeaseMs,
    runRetentionDays,
    pgliteSharedBuffers,
    otlpTracesEndpoint,
    otelServiceName: env.OTEL_SERVICE_NAME?.trim() || 'joinery',
  };
}

/** The traces URL, per the OpenTelemetry convention: the per-signal variable wins and is used as is. */
function parseOtlpEndpoint(env: Record<string, string | undefined>): string | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const [setting, value] = traces
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces]
    : base
      ? ['OTEL_EXPORTER_OTLP_ENDPOINT', base]
      : [null, null];
  if (setting === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      setting,
      'is not an absolute URL; expected the http(s) URL of an OTLP/HTTP receiver, e.g. http://localhost:4318 (unset it to turn tracing off)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(
      setting,
      `must be an http(s) URL (OTLP over HTTP), not ${url.protocol}; unset it to turn tracing off`,
    );
  if (setting === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') return value;
  return `${value.replace(/\/+$/, '')}/v1/traces`;
}

/** The URL is a secret (anyone holding it can post to the channel): kept as one, never echoed. */
function parseAlertUrl(raw: string | undefined): Secret<string> | null {
  const value = raw?.trim();
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'JOINERY_ALERT_SLACK_URL',
      'is not an absolute URL; expected a Slack-compatible incoming webhook URL (https://hooks.slack.com/services/…)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError('JOINERY_ALERT_SLACK_URL', 'must be an http(s) URL');
  return new Secret(value);
}

interface WholeSetting {
  name: string;
  fallback: number;
  min: number;
  max: number;
  /** What 0 means, when 0 is allowed (e.g. "no scheduled checks"). */
  zero?: string;
}

/** Whole milliseconds within a setting's bounds; unset or blank gives its default. */
function parseMs(raw: string | undefined, setting: WholeSetting): number {
  return parseWhole(raw, setting, 'milliseconds');
}

/** Whole days within a setting's bounds; unset or blank gives its default. */
function parseDays(raw: string | undefined, setting: WholeSetting): number {
  return parseWhole(raw, setting, 'days');
}

function parseWhole(raw: string | undefined, setting: WholeSetting, unit: string): number {
  if (raw === undefined || raw.trim() === '') return setting.fallback;
  const value = Number(raw);
  const zeroAllowed = setting.zero !== undefined && value === 0;
  if (!Number.isInteger(value) || (!zeroAllowed && (value < setting.min || value > setting.max)))
    throw new ConfigError(
      setting.name,
      `"${raw}" is not valid; expected whole ${unit} from ${setting.min} to ${setting.max}${setting.zero === undefined ? '' : `, or 0 for ${setting.zero}`} (default ${setting.fallback})`,
    );
  return value;
}

/**
 * The embedded store's page cache (PostgreSQL's `shared_buffers`, e.g. `16MB`): it lives in
 * Joinery's own memory, so it is small by default; the operating system caches the data files too.
 */
function parseSharedBuffers(raw: string | undefined): string {
  const value = raw?.trim();
  if (!value) return DEFAULT_PGLITE_SHARED_BUFFERS;
  const match = /^(\d+)(kB|MB|GB)$/.exec(value);
  const unitKb: Record<string, number> = { kB: 1, MB: 1024, GB: 1024 * 1024 };
  const kb = match ? Number(match[1]) * (unitKb[match[2] ?? ''] ?? 0) : 0;
  // PGlite's memory is at most 2 GB, which the cache shares with every query.
  if (kb < 1024 || kb > 1024 * 1024)
    throw new ConfigError(
      'JOINERY_PGLITE_SHARED_BUFFERS',
      `"${value}" is not valid; expected a size from 1MB to 1GB written like 16MB, 256MB or 1GB (default ${DEFAULT_PGLITE_SHARED_BUFFERS})`,
    );
  return value;
}
