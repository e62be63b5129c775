import type { WebhookEndpoint } from '@joinery/sdk';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson, renderTable, terminalSafe, truncate, writePage } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { limitOption, parseLimit, requireId } from './arguments.js';

const ENDPOINT_ID = 'the endpoint id (whe_…)';

const listSpec = {
  name: 'webhook-endpoints',
  summary: 'Manage where Joinery sends its events (Standard Webhooks): add, list, remove.',
  usage:
    'joinery webhook-endpoints [--json] [--url URL]\n' +
    '       joinery webhook-endpoints add TARGET_URL [--events TYPES] [--allow-private-network] [--json]\n' +
    '       joinery webhook-endpoints remove ID\n' +
    '       joinery webhook-endpoints deliveries ID [--limit N] [--json]',
  description: [
    'Without a subcommand: lists the endpoints (never their secrets).',
    'Subcommands:',
    '  add TARGET_URL   add an endpoint; prints its signing secret once',
    '  remove ID        stop sending there; deliveries still waiting become dead letters',
    '  deliveries ID    its recent deliveries: status, attempts, last error',
  ].join('\n'),
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: [
    'joinery webhook-endpoints add https://app.example.com/joinery --events "connection.*,run.failed"',
    'joinery webhook-endpoints',
    'joinery webhook-endpoints deliveries whe_123',
  ],
} as const satisfies CommandSpec;

const addSpec = {
  name: 'webhook-endpoints add',
  summary: 'Add an endpoint for outgoing webhooks and print its signing secret, once.',
  usage:
    'joinery webhook-endpoints add TARGET_URL [--events TYPES] [--allow-private-network] [--json] [--url URL]',
  arguments: [['TARGET_URL', 'where Joinery POSTs the events (http or https)']],
  options: {
    events: {
      type: 'string',
      value: 'TYPES',
      description:
        'comma-separated event types or prefixes (connection.created, connection.*); default: every event',
    },
    'allow-private-network': {
      type: 'boolean',
      description: 'allow a private or loopback destination (a receiver on this machine)',
    },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: ['joinery webhook-endpoints add http://127.0.0.1:4000/hooks --allow-private-network'],
} as const satisfies CommandSpec;

const removeSpec = {
  name: 'webhook-endpoints remove',
  summary: 'Remove an endpoint: nothing more is sent there.',
  usage: 'joinery webhook-endpoints remove ID [--url URL]',
  arguments: [['ID', 'the endpoint id (whe_…)']],
  options: { url: urlOption },
  environment: remoteEnvironment,
} as const satisfies CommandSpec;

const deliveriesSpec = {
  name: 'webhook-endpoints deliveries',
  summary: "An endpoint's recent deliveries, newest first.",
  usage: 'joinery webhook-endpoints deliveries ID [--limit N] [--json] [--url URL]',
  arguments: [['ID', 'the endpoint id (whe_…)']],
  options: {
    limit: limitOption,
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
} as const satisfies CommandSpec;

const add: Command = {
  spec: addSpec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(addSpec, argv);
    const target = requireId(positionals, addSpec.name, 'the URL to send events to');
    const events = values.events
      ?.split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '');
    const created = await remoteClient(io, values.url).webhookEndpoints.create({
      url: target,
      ...(events === undefined ? {} : { events }),
      ...(values['allow-private-network'] ? { allowPrivateNetwork: true } : {}),
    });
    if (values.json) {
      io.stdout.write(renderJson(created));
      return EXIT_OK;
    }
    io.stdout.write(
      [
        `Added webhook endpoint ${created.id} → ${terminalSafe(created.url)}`,
        `Events: ${created.events.length === 0 ? 'all' : created.events.join(', ')}`,
        '',
        'Signing secret (shown only now; verify deliveries with it, e.g. new Webhook(secret) from',
        'the standardwebhooks package):',
        '',
        `  ${created.secret}`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
};

const remove: Command = {
  spec: removeSpec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(removeSpec, argv);
    const id = requireId(positionals, removeSpec.name, ENDPOINT_ID);
    await remoteClient(io, values.url).webhookEndpoints.delete(id);
    io.stdout.write(`Removed webhook endpoint ${id}.\n`);
    return EXIT_OK;
  },
};

const deliveries: Command = {
  spec: deliveriesSpec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(deliveriesSpec, argv);
    const id = requireId(positionals, deliveriesSpec.name, ENDPOINT_ID);
    const page = await remoteClient(io, values.url).webhookEndpoints.deliveries(id, {
      limit: parseLimit(values.limit, deliveriesSpec.name),
    });
    writePage(io, page, {
      json: values.json,
      empty: 'No deliveries.\n',
      header: ['WEBHOOK-ID', 'TYPE', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST ERROR'],
      row: (d) => [
        d.id,
        d.type,
        d.status,
        String(d.attempts),
        d.nextAttemptAt ?? '-',
        d.lastError ? truncate(d.lastError.message, 80) : '-',
      ],
    });
    return EXIT_OK;
  },
};

export const webhookEndpointsCommand: Command = {
  spec: listSpec,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'add') return add.run(rest, io);
    if (sub === 'remove') return remove.run(rest, io);
    if (sub === 'deliveries') return deliveries.run(rest, io);
    const listArgs = sub === 'list' ? rest : argv;
    if (sub !== undefined && sub !== 'list' && !sub.startsWith('-')) {
      throw new UsageError(
        `unknown subcommand ${JSON.stringify(sub)}; use add, remove or deliveries`,
        listSpec.name,
      );
    }
    const { values } = parseCommand(listSpec, listArgs);
    const endpoints = await remoteClient(io, values.url).webhookEndpoints.list();
    io.stdout.write(values.json ? renderJson(endpoints) : endpointTable(endpoints));
    return EXIT_OK;
  },
};

function endpointTable(endpoints: readonly WebhookEndpoint[]): string {
  if (endpoints.length === 0) {
    return 'No webhook endpoints. Add one with: joinery webhook-endpoints add <url>\n';
  }
  return renderTable(
    ['ID', 'URL', 'EVENTS', 'STATE', 'BREAKER'],
    endpoints.map((e) => [
      e.id,
      truncate(e.url, 60),
      e.events.length === 0 ? 'all' : e.events.join(','),
      e.enabled ? 'enabled' : `disabled: ${e.disabledReason ?? '-'}`,
      e.breaker.state === 'open'
        ? `open until ${e.breaker.openUntil ?? '?'}`
        : `closed (${e.breaker.consecutiveFailures} failures)`,
    ]),
  );
}
