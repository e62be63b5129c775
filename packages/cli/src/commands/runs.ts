import type { Run, RunStatus } from '@joinery/sdk';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson, renderTable, terminalSafe, truncate, writePage } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { limitOption, parseLimit, requireId } from './arguments.js';

const STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
];

const RUN_ID = 'the run id (run_…)';

const listSpec = {
  name: 'runs',
  summary:
    'List runs (async actions and flows); `joinery runs show ID` for the step timeline, `joinery runs cancel ID` to stop one.',
  usage:
    'joinery runs [--status S] [--flow ID] [--connection ID] [--limit N] [--cursor C] [--json] [--url URL]\n' +
    '       joinery runs show ID [--json]\n' +
    '       joinery runs cancel ID [--json]',
  description: [
    'Newest first. A run is queued, running, waiting (a wait step), succeeded, failed (an error',
    'retrying cannot fix), cancelled, or dead (retries exhausted, or a write whose effect is',
    'unknown: see `joinery dead-letters`).',
    'Subcommands:',
    '  show ID     the run with its step-by-step timeline',
    '  cancel ID   cancel a queued, waiting or running run (a running one before its next step)',
  ].join('\n'),
  options: {
    status: {
      type: 'string',
      value: 'S',
      description: `only runs in this state (${STATUSES.join(', ')})`,
    },
    flow: { type: 'string', value: 'ID', description: "only this flow's runs" },
    connection: {
      type: 'string',
      value: 'ID',
      description: "only this connection's async actions",
    },
    limit: limitOption,
    cursor: { type: 'string', value: 'C', description: 'continue after an earlier page' },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: [
    'joinery runs --status dead',
    'joinery runs show run_123',
    'joinery runs cancel run_123',
  ],
} as const satisfies CommandSpec;

const showSpec = {
  name: 'runs show',
  summary: 'Show one run with its step-by-step timeline.',
  usage: 'joinery runs show ID [--json] [--url URL]',
  arguments: [['ID', 'the run id (run_…)']],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery runs show run_123'],
} as const satisfies CommandSpec;

const cancelSpec = {
  name: 'runs cancel',
  summary: 'Cancel a run. Safe to repeat: cancelling a cancelled run changes nothing.',
  usage: 'joinery runs cancel ID [--json] [--url URL]',
  description: [
    'A queued run (also one waiting to retry) or a waiting one is cancelled at once. A running',
    'run is stopped by its worker before it starts another step: the step in flight completes',
    'and is recorded (`joinery runs show ID` shows when it ended). A run that already ended',
    '(succeeded, failed or dead) cannot be cancelled. The app is sent `run.cancelled`.',
  ].join('\n'),
  arguments: [['ID', 'the run id (run_…)']],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery runs cancel run_123'],
} as const satisfies CommandSpec;

export const runsCommand: Command = {
  spec: listSpec,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'show') {
      const { values, positionals } = parseCommand(showSpec, rest);
      const run = await remoteClient(io, values.url).runs.get(
        requireId(positionals, showSpec.name, RUN_ID),
      );
      io.stdout.write(values.json ? renderJson(run) : describeRun(run));
      return EXIT_OK;
    }
    if (sub === 'cancel') {
      const { values, positionals } = parseCommand(cancelSpec, rest);
      const run = await remoteClient(io, values.url).runs.cancel(
        requireId(positionals, cancelSpec.name, RUN_ID),
      );
      io.stdout.write(
        values.json
          ? renderJson(run)
          : run.status === 'cancelled'
            ? `Run ${run.id} is cancelled.\n`
            : `Run ${run.id} is ${run.status}: its worker stops it before its next step (the step in flight completes). Check with: joinery runs show ${run.id}\n`,
      );
      return EXIT_OK;
    }
    if (sub !== undefined && !sub.startsWith('-'))
      throw new UsageError(
        `unknown subcommand ${JSON.stringify(sub)}; use joinery runs [show ID | cancel ID]`,
        listSpec.name,
      );
    const { values } = parseCommand(listSpec, argv);
    const status = values.status;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new UsageError(
        `--status takes one of ${STATUSES.join(', ')}, not ${JSON.stringify(status)}.`,
        listSpec.name,
      );
    const page = await remoteClient(io, values.url).runs.list({
      limit: parseLimit(values.limit, listSpec.name),
      ...(status === undefined ? {} : { status: status as RunStatus }),
      ...(values.flow === undefined ? {} : { flow: values.flow }),
      ...(values.connection === undefined ? {} : { connection: values.connection }),
      ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
    });
    writePage(io, page, {
      json: values.json,
      empty: 'No runs.\n',
      header: ['ID', 'KIND', 'WHAT', 'STATUS', 'ATTEMPTS', 'CREATED', 'ERROR'],
      row: (run) => [
        run.id,
        run.kind,
        run.kind === 'action' ? (run.action ?? '-') : (run.flowId ?? '-'),
        run.status,
        `${run.attempts}/${run.maxAttempts}`,
        run.createdAt,
        run.error ? truncate(`${run.error.code}: ${run.error.message}`, 70) : '-',
      ],
      more: 'joinery runs',
    });
    return EXIT_OK;
  },
};

function describeRun(run: Run): string {
  const lines = [
    `Run ${run.id}: ${run.status} (${run.kind === 'action' ? `action ${run.action ?? ''} on ${run.connectionId ?? ''}` : `flow ${run.flowId ?? ''}`})`,
    `  trigger:  ${terminalSafe(JSON.stringify(run.trigger))}`,
    `  attempts: ${run.attempts} of ${run.maxAttempts}`,
    `  created:  ${run.createdAt}   finished: ${run.finishedAt ?? '-'}`,
  ];
  if (run.cancelRequestedAt !== null && run.cancelRequestedAt !== undefined)
    lines.push(
      `  cancel:   asked for at ${run.cancelRequestedAt}${run.status === 'running' ? '; it stops before its next step' : ''}`,
    );
  if (run.error)
    lines.push(`  error:    ${terminalSafe(`${run.error.code}: ${run.error.message}`)}`);
  const steps = run.steps ?? [];
  if (steps.length > 0) {
    lines.push('', 'Steps:');
    lines.push(
      renderTable(
        ['STEP', 'TYPE', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'],
        steps.map((step) => [
          step.key,
          step.type,
          step.status,
          String(step.attempts),
          step.durationMs === null ? '-' : `${step.durationMs} ms`,
          step.error && typeof step.error === 'object'
            ? truncate(terminalSafe(JSON.stringify(step.error)), 70)
            : '-',
        ]),
      ).trimEnd(),
    );
  }
  if (run.status === 'succeeded')
    lines.push('', `Output: ${truncate(terminalSafe(JSON.stringify(run.output)), 2000)}`);
  return `${lines.join('\n')}\n`;
}
