import type { Connection } from '@joinery/sdk';
import { parseCommand, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson, renderTable, truncate } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';

const spec = {
  name: 'connections',
  summary: 'List connections: id, integration, tenant, state, token expiry (OAuth) and last error.',
  usage: 'joinery connections [--tenant T] [--integration I] [--json] [--url URL]',
  options: {
    tenant: { type: 'string', value: 'T', description: "only this tenant's connections" },
    integration: {
      type: 'string',
      value: 'I',
      description: 'only connections of this integration',
    },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: ['joinery connections', 'joinery connections --tenant acme --json'],
} as const satisfies CommandSpec;

export const connectionsCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    const client = remoteClient(io, values.url);
    const connections = await client.connections.list({
      tenant: values.tenant,
      integration: values.integration,
    });
    io.stdout.write(values.json ? renderJson(connections) : connectionTable(connections));
    return EXIT_OK;
  },
};

export function connectionTable(connections: readonly Connection[]): string {
  if (connections.length === 0) return 'No connections.\n';
  // Only OAuth connections have an expiring token; the column appears when one is listed.
  const withExpiry = connections.some((c) => c.tokenExpiresAt !== null);
  return renderTable(
    [
      'ID',
      'INTEGRATION',
      'TENANT',
      'STATE',
      ...(withExpiry ? ['TOKEN EXPIRES'] : []),
      'LAST ERROR',
    ],
    connections.map((c) => [
      c.id,
      c.integration,
      c.tenant,
      c.state,
      ...(withExpiry ? [c.tokenExpiresAt ?? '-'] : []),
      c.lastError ? truncate(`${c.lastError.code}: ${c.lastError.message}`, 80) : '-',
    ]),
  );
}
