import type { Alert, ConnectionHealth } from '@joinery/sdk';
import { parseCommand, type Command, type CommandSpec } from '../command.js';
import { EXIT_FAILURE, EXIT_OK } from '../io.js';
import { renderJson, renderTable, terminalSafe, truncate } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';

const spec = {
  name: 'status',
  summary:
    "One screen: every connection's state, the reason, and what to do; then the alerts firing.",
  usage: 'joinery status [--json] [--url URL]',
  description: [
    'Connections needing attention come first (needs_reauth, degraded, disabled), then the healthy',
    'ones. For a connection that needs re-authorisation, "what to do" is the reconnect link to send',
    'the tenant. Exits 1 when a connection needs re-authorisation or is degraded, so scripts and',
    'cron jobs can page on it; 0 otherwise.',
  ].join('\n'),
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery status', 'joinery status --json'],
} as const satisfies CommandSpec;

const ORDER: Record<string, number> = { needs_reauth: 0, degraded: 1, disabled: 2, healthy: 3 };
const REASON_WIDTH = 70;
const SUMMARY_WIDTH = 110;

export const statusCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    const client = remoteClient(io, values.url);
    const connections = await client.connectionHealth.list();
    const alerts = (await client.alerts.list({ status: 'firing', limit: 100 })).data;
    io.stdout.write(
      values.json ? renderJson({ connections, alerts }) : statusScreen(connections, alerts),
    );
    const troubled = connections.some((c) => c.state === 'needs_reauth' || c.state === 'degraded');
    return troubled ? EXIT_FAILURE : EXIT_OK;
  },
};

export function statusScreen(
  connections: readonly ConnectionHealth[],
  alerts: readonly Alert[],
  now = Date.now(),
): string {
  const counts = new Map<string, number>();
  for (const c of connections) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const tally = [...counts]
    .sort(([a], [b]) => (ORDER[a] ?? 9) - (ORDER[b] ?? 9))
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  let out = `${connections.length} connection${connections.length === 1 ? '' : 's'}${tally ? `: ${tally}` : ''}; ${alerts.length} alert${alerts.length === 1 ? '' : 's'} firing\n`;
  if (connections.length > 0) {
    const sorted = [...connections].sort(
      (a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || a.since.localeCompare(b.since),
    );
    out += `\n${renderTable(
      ['STATE', 'CONNECTION', 'INTEGRATION', 'TENANT', 'SINCE', 'REASON', 'WHAT TO DO'],
      sorted.map((c) => [
        c.state,
        c.connectionId,
        c.integration,
        c.tenant,
        ago(c.since, now),
        truncate(c.reason, REASON_WIDTH),
        // The reconnect link is the point of the line: never cut.
        c.action,
      ]),
    )}`;
  }
  if (alerts.length > 0) {
    out += `\nALERTS FIRING\n`;
    for (const alert of alerts)
      out += `${terminalSafe(`[${alert.severity}] ${alert.rule} ${alert.subject} (${ago(alert.firstFiredAt, now)}): ${truncate(alert.summary, SUMMARY_WIDTH)}`)}\n`;
  }
  return out;
}

/** `5s ago`, `12m ago`, `3h ago`, `2d ago`. */
function ago(iso: string, now: number): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (!Number.isFinite(ms)) return '-';
  if (ms < 60_000) return `${Math.round(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h ago`;
  return `${Math.round(ms / 86_400_000)}d ago`;
}
