import { describeConnector, type Engine } from '@joinery/engine';
import type { McpBackend, McpConnectorDescription } from './backend.js';

/** The toolset over the engine in this process, for one environment (the secret key's). */
export function engineBackend(engine: Engine, environmentId: string): McpBackend {
  return {
    async listConnections(tenant) {
      return (await engine.connections.list({ environmentId, tenant })).map((c) => ({
        id: c.id,
        integration: c.integration,
        connector: c.connector,
        tenant: c.tenant,
        state: c.state,
        createdAt: c.createdAt,
      }));
    },
    describeConnector(id) {
      return Promise.resolve(describedConnector(engine, id));
    },
    async runAction(call) {
      const { output, requestId } = await engine.runAction(
        { environmentId, tenant: call.tenant },
        call.connectionId,
        call.action,
        call.input,
        call.signal ? { signal: call.signal } : {},
      );
      return { output, requestId };
    },
    async reconnectUrl(tenant, connectionId) {
      return (await engine.connections.get({ environmentId, tenant }, connectionId)).reconnectUrl;
    },
  };
}

// Connectors are fixed for the life of an engine; their JSON Schemas are made once.
const described = new WeakMap<Engine, Map<string, McpConnectorDescription>>();

function describedConnector(engine: Engine, id: string): McpConnectorDescription {
  let byId = described.get(engine);
  if (!byId) {
    byId = new Map();
    described.set(engine, byId);
  }
  let connector = byId.get(id);
  if (!connector) {
    const definition = engine.connectors.get(id);
    const view = describeConnector(definition);
    connector = {
      id: view.id,
      name: view.name,
      description: view.description,
      // The unified actions (contacts.create, …) too, as GET /v1/connectors/{id} lists them.
      actions: [...view.actions, ...engine.unified.describe(definition)],
    };
    byId.set(id, connector);
  }
  return connector;
}
