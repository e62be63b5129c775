import { serve, type ServerType } from '@hono/node-server';
import { builtInConnectors } from '@joinery/connectors';
import {
  type IntegrationInput,
  CredentialCipher,
  DEFAULT_ENVIRONMENT,
  Engine,
  type ConnectorDefinition,
  type EngineOptions,
} from '@joinery/engine';
import { openStore, type Store } from '@joinery/store';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import type { JoineryConfig } from './config.js';
import { loadOrCreateKeyFile } from './encryption-key-file.js';
import { VERSION } from './version.js';

/** An integration to create (or replace) at start-up: its key and the body of `PUT /v1/integrations/{key}`. */
export type SeedIntegration = { key: string } & IntegrationInput;

export interface StartOptions {
  /** Integrations created (or replaced) at start-up, e.g. the demo's sandbox integration. */
  seedIntegrations?: SeedIntegration[];
  /** Defaults to the connectors shipped with Joinery. */
  connectors?: readonly ConnectorDefinition[];
  logger?: Logger;
  /** Token renewal and Connect session settings (deadlines, link lifetime); safe defaults. */
  oauth?: EngineOptions['oauth'];
  /** Retry and circuit-breaker tuning; the defaults are documented on the options. */
  resilience?: Pick<EngineOptions, 'retry' | 'breaker'>;
}

export interface RunningJoinery {
  url: string;
  store: 'pglite' | 'postgres';
  /** The secret key generated on first start; null when one already existed or was configured. Shown once. */
  generatedSecretKey: string | null;
  engine: Engine;
  close(): Promise<void>;
}

/** Redacts anything secret-shaped from structured logs, whatever the call site passes. */
export function createLogger(level: JoineryConfig['logLevel']): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          '*.authorization',
          '*.apiKey',
          '*.password',
          '*.token',
          '*.secret',
          '*.credentials',
          'headers.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    // Structured logs go to stderr, so a command's own output on stdout stays readable.
    pino.destination(2),
  );
}

async function openConfiguredStore(config: JoineryConfig): Promise<Store> {
  return config.databaseUrl
    ? openStore({ kind: 'postgres', url: config.databaseUrl })
    : openStore({ kind: 'pglite', dataDir: config.dataDir });
}

function cipherFor(config: JoineryConfig): CredentialCipher {
  return new CredentialCipher(config.encryptionKeys ?? loadOrCreateKeyFile(config.dataDir));
}

export async function startJoinery(
  config: JoineryConfig,
  options: StartOptions = {},
): Promise<RunningJoinery> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = await openConfiguredStore(config);
  let engine: Engine | null = null;
  let server: ServerType | null = null;
  try {
    // With JOINERY_PORT=0 the public URL's port is only known once listening.
    let publicUrl = config.publicUrl;
    engine = new Engine({
      db: store.db,
      storeKind: store.kind,
      cipher: cipherFor(config),
      connectors: options.connectors ?? builtInConnectors,
      logger,
      publicUrl: () => publicUrl,
      ...(options.oauth ? { oauth: options.oauth } : {}),
      ...options.resilience,
    });
    const { generated } = await engine.secretKeys.bootstrap(config.secretKey);
    for (const seed of options.seedIntegrations ?? []) {
      const { key, ...body } = seed;
      await engine.integrations.put(DEFAULT_ENVIRONMENT, key, body);
    }
    const app = createApp({ engine, store: store.kind, version: VERSION, logger });
    const listening = await new Promise<ServerType>((resolve, reject) => {
      const created = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
        resolve(created),
      );
      created.once('error', reject);
    });
    server = listening;
    const address = listening.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    if (new URL(publicUrl).port === '0') publicUrl = url;
    engine.startTokenRefresh(config.tokenRefreshIntervalMs);
    logger.info({ url, store: store.kind }, 'Joinery is listening');
    const running = engine;
    let closing: Promise<void> | null = null;
    return {
      url,
      store: store.kind,
      generatedSecretKey: generated?.reveal() ?? null,
      engine: running,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            listening.close(() => resolve());
            // Keep-alive sockets would hold close() open; idle ones can go now.
            (listening as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          });
          await running.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    server?.close();
    await engine?.close();
    await store.close();
    throw error;
  }
}

/** Revokes every secret key and returns a new one. The embedded store must not be in use by a running Joinery. */
export async function rotateSecretKey(config: JoineryConfig): Promise<string> {
  const store = await openConfiguredStore(config);
  try {
    const logger = createLogger('silent');
    const engine = new Engine({
      db: store.db,
      storeKind: store.kind,
      cipher: cipherFor(config),
      connectors: [],
      logger,
    });
    const key = await engine.secretKeys.rotate();
    await engine.close();
    return key.reveal();
  } finally {
    await store.close();
  }
}
