import type { Readable } from 'node:stream';
import type { Database } from '@joinery/store';
import type { Logger } from 'pino';
import { ActionRunner, type ActionResult } from './actions.js';
import { ConnectorRegistry, findAction } from './connector/registry.js';
import type { ConnectorDefinition } from './connector/types.js';
import type { CredentialCipher } from './credential-cipher.js';
import { Connections, type Scope } from './connections.js';
import { JoineryError } from './errors.js';
import { Integrations } from './integrations.js';
import { providerDetails } from './outbound/classify.js';
import { CallPipeline, type StreamedResponse } from './outbound/pipeline.js';
import { Transport, type TransportOptions } from './outbound/transport.js';
import { RequestLog, type LogEntry, type RequestLogOptions } from './request-log.js';
import { SecretKeys } from './secret-keys.js';

export interface EngineOptions {
  db: Database;
  cipher: CredentialCipher;
  connectors: readonly ConnectorDefinition[];
  logger: Logger;
  transport?: TransportOptions;
  requestLog?: RequestLogOptions;
}

export interface ProxyRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Record<string, string>;
  body: Readable | null;
  signal?: AbortSignal;
}

export interface LogQuery {
  connectionId?: string;
  since?: Date;
  limit?: number;
  cursor?: string;
}

/** Joinery's engine: everything but HTTP. The server, CLI and workers are thin layers over it. */
export class Engine {
  readonly connectors: ConnectorRegistry;
  readonly integrations: Integrations;
  readonly connections: Connections;
  readonly secretKeys: SecretKeys;
  readonly requestLog: RequestLog;
  readonly #transport: Transport;
  readonly #pipeline: CallPipeline;
  readonly #actions: ActionRunner;

  constructor(options: EngineOptions) {
    this.connectors = new ConnectorRegistry(options.connectors);
    this.integrations = new Integrations(options.db, this.connectors, options.cipher);
    this.connections = new Connections(
      options.db,
      this.connectors,
      this.integrations,
      options.cipher,
    );
    this.secretKeys = new SecretKeys(options.db);
    this.requestLog = new RequestLog(options.db, options.logger, options.requestLog);
    this.#transport = new Transport(options.transport);
    this.#pipeline = new CallPipeline(this.#transport, this.requestLog, (context, error) =>
      this.connections.recordOutcome(context, error),
    );
    this.connections.attach(this.#pipeline);
    this.#actions = new ActionRunner(this.#pipeline);
  }

  async runAction(
    scope: Scope,
    connectionId: string,
    actionName: string,
    input: unknown,
    signal?: AbortSignal,
  ): Promise<ActionResult> {
    const context = await this.connections.context(scope, connectionId);
    const action = findAction(context.connector, actionName);
    return this.#actions.run(context, action, input, signal);
  }

  /**
   * Relays the provider's final answer (2xx–4xx) as it is. A 5xx means the provider failed and
   * Joinery gives up: the caller gets Joinery's error with the provider's status in `details`.
   */
  async proxy(
    scope: Scope,
    connectionId: string,
    request: ProxyRequest,
  ): Promise<StreamedResponse> {
    const context = await this.connections.context(scope, connectionId);
    const response = await this.#pipeline.stream(context, request, {
      source: 'proxy',
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (response.status >= 500) {
      const text = await readSome(response.body, 4096);
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // Not JSON: the text itself is the provider's message.
      }
      throw new JoineryError(
        'provider_unavailable',
        `${context.connector.name} answered ${response.status}`,
        {
          connectionId,
          requestId: response.requestId,
          details: { ...providerDetails(context.connector, response.status, body) },
        },
      );
    }
    return response;
  }

  async logs(
    scope: Scope,
    query: LogQuery,
  ): Promise<{ entries: LogEntry[]; nextCursor: string | null }> {
    if (query.connectionId) await this.connections.get(scope, query.connectionId);
    let before: number | undefined;
    if (query.cursor !== undefined) {
      before = Number(query.cursor);
      if (!Number.isSafeInteger(before) || before < 0)
        throw new JoineryError('invalid_input', 'cursor is not one this API gave out', {
          path: 'cursor',
        });
    }
    const page = await this.requestLog.list({
      environmentId: scope.environmentId,
      limit: Math.min(Math.max(query.limit ?? 100, 1), 1000),
      ...(query.connectionId ? { connectionId: query.connectionId } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    const entries =
      scope.tenant === undefined
        ? page.entries
        : page.entries.filter((entry) => entry.tenant === scope.tenant);
    return { entries, nextCursor: page.nextCursor === null ? null : String(page.nextCursor) };
  }

  async close(): Promise<void> {
    await this.requestLog.close();
    await this.#transport.close();
  }
}

async function readSome(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}
