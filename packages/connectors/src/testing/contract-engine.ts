import { randomBytes } from 'node:crypto';
import {
  CredentialCipher,
  Engine,
  Secret,
  isJoineryError,
  type ConnectorDefinition,
  type JoineryError,
} from '@joinery/engine';
import { openStore, type Store } from '@joinery/store';
import { pino } from 'pino';

/**
 * An engine on an in-memory store for connector contract suites: the same connector data and
 * pipeline as production, pointed at a sandbox by default or at the live API when credentials
 * are in the environment.
 */
export interface ContractEngine {
  engine: Engine;
  scope: { environmentId: string };
  connect(
    integration: {
      key: string;
      connector: string;
      baseUrl?: string;
      allowPrivateNetwork?: boolean;
    },
    credentials: unknown,
  ): Promise<string>;
  run(connectionId: string, action: string, input: unknown): Promise<unknown>;
  /** Runs an action that must fail, returning the error. */
  fail(connectionId: string, action: string, input: unknown): Promise<JoineryError>;
  close(): Promise<void>;
}

export async function startContractEngine(
  connectors: readonly ConnectorDefinition[],
): Promise<ContractEngine> {
  const store: Store = await openStore({ kind: 'pglite', dataDir: null });
  const engine = new Engine({
    db: store.db,
    storeKind: store.kind,
    cipher: new CredentialCipher([new Secret(randomBytes(32))]),
    connectors,
    logger: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1:3003',
    retry: { baseDelayMs: 20 },
  });
  await engine.secretKeys.bootstrap(null);
  const scope = { environmentId: 'env_default' };
  return {
    engine,
    scope,
    async connect(integration, credentials) {
      const { key, ...body } = integration;
      await engine.integrations.put(scope.environmentId, key, body);
      const connection = await engine.connections.create(scope, {
        integration: key,
        tenant: 'contract',
        credentials,
      });
      return connection.id;
    },
    async run(connectionId, action, input) {
      return (await engine.runAction(scope, connectionId, action, input)).output;
    },
    async fail(connectionId, action, input) {
      try {
        await engine.runAction(scope, connectionId, action, input);
      } catch (error) {
        if (isJoineryError(error)) return error;
        throw error;
      }
      throw new Error(`${action} was expected to fail and succeeded`);
    },
    async close() {
      await engine.close();
      await store.close();
    },
  };
}
