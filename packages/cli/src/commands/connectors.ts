import type { Connector, ConnectorSummary } from '@joinery/sdk';
import type { Command, CommandSpec } from '../command.js';
import { renderTable, terminalSafe, truncate } from '../output.js';
import { jsonOption, remoteEnvironment, urlOption } from '../remote.js';
import { listOrShowCommand } from './list-or-show.js';

const spec = {
  name: 'connectors',
  summary: 'List the connectors Joinery knows, or show one with its actions.',
  usage: 'joinery connectors [id] [--json] [--url URL]',
  arguments: [['id', 'a connector id (e.g. github): show its details and actions']],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery connectors', 'joinery connectors github', 'joinery connectors github --json'],
} as const satisfies CommandSpec;

export const connectorsCommand: Command = listOrShowCommand(spec, {
  list: (client) => client.connectors.list(),
  renderList: connectorTable,
  show: (client, id) => client.connectors.get(id),
  renderItem: connectorDetails,
});

function connectorTable(connectors: ConnectorSummary[]): string {
  if (connectors.length === 0) return 'No connectors.\n';
  return renderTable(
    ['ID', 'NAME', 'AUTH', 'ACTIONS', 'DESCRIPTION'],
    connectors.map((c) => [
      c.id,
      c.name,
      c.authTypes.join(','),
      String(c.actions.length),
      truncate(c.description, 70),
    ]),
  );
}

function connectorDetails(c: Connector): string {
  const facts: [string, string][] = [
    ['base URL', c.baseUrl],
    ['auth', c.authTypes.join(', ')],
    ['docs', c.docsUrl],
    ['health check', c.healthCheck ? `${c.healthCheck.method} ${c.healthCheck.path}` : 'none'],
    ['pagination', c.pagination.type],
  ];
  const lines = [`${c.id} - ${c.name}`, `  ${c.description}`, ''];
  for (const [label, value] of facts) lines.push(`  ${`${label}:`.padEnd(14)}${value}`);
  lines.push('');
  const text = lines.map((line) => terminalSafe(line)).join('\n') + '\n';
  if (c.actions.length === 0) return `${text}No actions.\n`;
  return (
    text +
    renderTable(
      ['ACTION', 'METHOD', 'PATH', 'DESCRIPTION'],
      c.actions.map((a) => [a.name, a.method ?? '-', a.path ?? '-', truncate(a.description, 70)]),
    ) +
    `\nRun one with: joinery call <connection id> <action> --input '{...}'\n`
  );
}
