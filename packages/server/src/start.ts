import { getRequestListener } from '@hono/node-server';
import { builtInConnectors } from '@joinery/connectors';
import {
  type IntegrationInput,
  CredentialCipher,
  DEFAULT_ENVIRONMENT,
  Engine,
  isJoineryError,
  loadConnectorsDir,
  withoutReconnectLink,
  recordConnectorFiles,
  type ConnectorDefinition,
  type EngineOptions,
  type RunExecutorOptions,
} from '@joinery/engine';
import { openStore, type Store } from '@joinery/store';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createServer, type Server } from 'node:http';
import { createApp } from './app.js';
import { createProxyListener, parseProxyUrl } from './proxy.js';
import { traceProxy } from './telemetry.js';
import { ConfigError, type JoineryConfig } from './config.js';
import { loadOrCreateKeyFile } from './encryption-key-file.js';
import { McpEndpoint, type McpEndpointOptions } from './mcp/http-endpoint.js';
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
  /** How often due syncs are looked for and started. Defaults to 5 s. */
  syncSchedulerIntervalMs?: number;
  /** Sync run tuning (batch size, page deadline, staleness); safe defaults. */
  syncs?: EngineOptions['syncs'];
  /**
   * Run execution in this process (async actions, flows, schedules): its tuning, or `false` to
   * serve the API only and leave execution to `joinery worker` processes. On by default.
   */
  worker?: false | RunExecutorOptions;
  /** `/mcp` tuning (session limits, how often connections are watched); safe defaults. */
  mcp?: Pick<McpEndpointOptions, 'maxSessions' | 'sessionIdleMs' | 'watchIntervalMs'>;
  /** Outgoing webhook delivery tuning (retry schedule, timeout, breaker); safe defaults. */
  outgoing?: EngineOptions['outgoing'];
  /** How often due outgoing webhooks are sent. Defaults to 1 s. */
  outgoingIntervalMs?: number;
  /** Health-check thresholds, detectors and alert rules (see `HealthOptions`); safe defaults. */
  health?: EngineOptions['health'];
}

export interface RunningJoinery {
  url: string;
  store: 'pglite' | 'postgres';
  /** The secret key generated on first start; null when one already existed or was configured. Shown once. */
  generatedSecretKey: string | null;
  engine: Engine;
  close(): Promise<void>;
}

/**
 * Redacts anything secret-shaped from structured logs, whatever the call site passes: credential
 * fields by path, and a logged error's reconnect link (a bearer link to the Connect page).
 */
export function createLogger(level: JoineryConfig['logLevel']): Logger {
  return pino(
    {
      level,
      serializers: { err: serializeError },
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

/** Pino's error serializer, with a reconnect link taken out of the message and the stack. */
export function serializeError(error: Error): ReturnType<typeof pino.stdSerializers.err> {
  const out = pino.stdSerializers.err(error);
  const link = isJoineryError(error) ? error.reconnectUrl : undefined;
  if (link === undefined) return out;
  const { reconnectUrl: _dropped, ...rest } = out as typeof out & { reconnectUrl?: string };
  return {
    ...rest,
    message: withoutReconnectLink(out.message, link),
    stack: withoutReconnectLink(out.stack, link),
  };
}

async function openConfiguredStore(config: JoineryConfig): Promise<Store> {
  return config.databaseUrl
    ? openStore({ kind: 'postgres', url: config.databaseUrl })
    : openStore({
        kind: 'pglite',
        dataDir: config.dataDir,
        sharedBuffers: config.pgliteSharedBuffers,
      });
}

function cipherFor(config: JoineryConfig): CredentialCipher {
  return new CredentialCipher(config.encryptionKeys ?? loadOrCreateKeyFile(config.dataDir));
}

export async function startJoinery(
  config: JoineryConfig,
  options: StartOptions = {},
): Promise<RunningJoinery> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const userConnectors = await loadUserConnectors(config);
  const store = await openConfiguredStore(config);
  let engine: Engine | null = null;
  let server: Server | null = null;
  let mcp: McpEndpoint | null = null;
  try {
    // With JOINERY_PORT=0 the public URL's port is only known once listening.
    let publicUrl = config.publicUrl;
    engine = createEngine(config, options, store, logger, userConnectors, () => publicUrl);
    const { generated } = await engine.secretKeys.bootstrap(config.secretKey);
    // Before any request: runs are enqueued inside the transactions of the changes they belong to.
    await engine.jobs.start();
    for (const seed of options.seedIntegrations ?? []) {
      const { key, ...body } = seed;
      await engine.integrations.put(DEFAULT_ENVIRONMENT, key, body);
    }
    if (userConnectors)
      logger.info(
        { connectors: userConnectors.connectors.map((c) => c.id), dir: config.connectorsDir },
        'loaded connector files',
      );
    mcp = new McpEndpoint({
      engine,
      version: VERSION,
      logger,
      allowedHosts: () => mcpHosts(config.host, publicUrl),
      ...options.mcp,
    });
    const app = createApp({ engine, store: store.kind, version: VERSION, logger, mcp });
    const running = engine;
    const honoListener = getRequestListener(app.fetch);
    const handleProxy = traceProxy(running, createProxyListener(running, logger));
    // The proxy is served from Node's request and response directly (see proxy.ts); the rest by the app.
    const listening: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://joinery.local');
      const target = parseProxyUrl(url);
      if (target) void handleProxy(req, res, target, url);
      else void honoListener(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.port, config.host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    server = listening;
    const address = listening.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    if (new URL(publicUrl).port === '0') publicUrl = url;
    startBackground(engine, config, options);
    if (options.worker !== false) startRuns(engine, config, options.worker);
    logger.info({ url, store: store.kind }, 'Joinery is listening');
    const endpoint = mcp;
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
            // Open MCP streams are long-lived: ending them lets the server finish closing.
            void endpoint.close();
          });
          await endpoint.close();
          await running.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    server?.close();
    await mcp?.close();
    await engine?.close();
    await store.close();
    throw error;
  }
}

/** Your own connector files (`JOINERY_CONNECTORS_DIR`); a broken one stops start-up before anything is opened. */
async function loadUserConnectors(config: JoineryConfig) {
  const userConnectors = config.connectorsDir
    ? await loadConnectorsDir(config.connectorsDir).catch((error: unknown) => {
        throw new ConfigError(
          'JOINERY_CONNECTORS_DIR',
          error instanceof Error ? error.message : String(error),
        );
      })
    : null;
  // Which of them the builder scaffolded, for their scorecards (docs/scorecards.md).
  if (userConnectors) await recordConnectorFiles(userConnectors);
  return userConnectors;
}

function createEngine(
  config: JoineryConfig,
  options: StartOptions,
  store: Store,
  logger: Logger,
  userConnectors: Awaited<ReturnType<typeof loadUserConnectors>>,
  publicUrl: () => string,
): Engine {
  return new Engine({
    db: store.db,
    storeKind: store.kind,
    cipher: cipherFor(config),
    connectors: [
      ...(options.connectors ?? builtInConnectors),
      ...(userConnectors?.connectors ?? []),
    ],
    logger,
    publicUrl,
    runLeaseMs: config.runLeaseMs,
    ...(config.otlpTracesEndpoint
      ? { tracing: { endpoint: config.otlpTracesEndpoint, serviceName: config.otelServiceName } }
      : {}),
    ...(options.oauth ? { oauth: options.oauth } : {}),
    ...options.resilience,
    ...(options.syncs ? { syncs: options.syncs } : {}),
    ...(options.outgoing ? { outgoing: options.outgoing } : {}),
    health: {
      ...options.health,
      ...(config.alertSlackUrl ? { alertSlackUrl: config.alertSlackUrl } : {}),
    },
  });
}

export interface RunningWorker {
  store: 'pglite' | 'postgres';
  engine: Engine;
  workerId: string;
  close(): Promise<void>;
}

/**
 * The background work every process does, API or worker alike: token renewal, the sync
 * scheduler, health checks and outgoing webhooks. Callers start the job queue before it.
 */
function startBackground(engine: Engine, config: JoineryConfig, options: StartOptions): void {
  engine.startTokenRefresh(config.tokenRefreshIntervalMs);
  engine.syncs.startScheduler(options.syncSchedulerIntervalMs ?? 5_000);
  if (config.healthCheckIntervalMs > 0) engine.health.start(config.healthCheckIntervalMs);
  engine.outgoing.start(options.outgoingIntervalMs ?? 1_000);
}

/** Starts executing runs, pruning finished ones after the configured retention. */
function startRuns(engine: Engine, config: JoineryConfig, worker: RunExecutorOptions = {}) {
  return engine.startWorker({ retentionDays: config.runRetentionDays, ...worker });
}

/**
 * `joinery worker`: execution only, no HTTP — runs, outgoing webhook deliveries, due syncs,
 * health checks and token renewal. With PostgreSQL, any number of workers (and API processes)
 * share the work; a run never executes on two workers at once.
 */
export async function startWorker(
  config: JoineryConfig,
  options: StartOptions = {},
): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const userConnectors = await loadUserConnectors(config);
  const store = await openConfiguredStore(config);
  let engine: Engine | null = null;
  try {
    engine = createEngine(config, options, store, logger, userConnectors, () => config.publicUrl);
    // Before anything runs: events and deliveries enqueue the flows they trigger in their own
    // transactions.
    await engine.jobs.start();
    startBackground(engine, config, options);
    const executor = startRuns(engine, config, options.worker === false ? {} : options.worker);
    logger.info({ store: store.kind, workerId: executor.workerId }, 'Joinery worker is running');
    const running = engine;
    let closing: Promise<void> | null = null;
    return {
      store: store.kind,
      engine: running,
      workerId: executor.workerId,
      close() {
        closing ??= (async () => {
          await running.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await engine?.close();
    await store.close();
    throw error;
  }
}

/**
 * Host names `/mcp` answers to: loopback names, the address Joinery listens on, and the host of
 * its public URL. Anything else in `Host` or `Origin` is a DNS-rebinding attempt or a foreign page.
 */
function mcpHosts(bindHost: string, publicUrl: string): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (bindHost !== '0.0.0.0' && bindHost !== '::')
    hosts.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost.toLowerCase());
  try {
    hosts.add(new URL(publicUrl).hostname.toLowerCase());
  } catch {
    // The public URL was checked at start; nothing to add if it is not a URL.
  }
  return [...hosts];
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
