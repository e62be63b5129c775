import type { DeadLetter, DeadLetterKind } from '@joinery/sdk';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson, terminalSafe, truncate, writePage } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { limitOption, parseLimit, requireId } from './arguments.js';

const KINDS: readonly DeadLetterKind[] = ['delivery', 'run'];
const ID = "the dead letter's id (dlq_…)";

const listSpec = {
  name: 'dead-letters',
  summary: 'List runs and webhook deliveries that exhausted their retries; replay them.',
  usage:
    'joinery dead-letters [--kind delivery|run] [--limit N] [--cursor C] [--json] [--url URL]\n' +
    '       joinery dead-letters show ID [--json]\n' +
    '       joinery dead-letters replay ID [--json]',
  description: [
    'A dead letter is kept until it is replayed; nothing is dropped. Newest first.',
    'Subcommands:',
    '  show ID     the letter in full: reason, last error, payload',
    '  replay ID   send the delivery again (same webhook-id) or rerun the run; safe to repeat',
  ].join('\n'),
  options: {
    kind: { type: 'string', value: 'KIND', description: 'only `delivery` or only `run` letters' },
    limit: limitOption,
    cursor: {
      type: 'string',
      value: 'C',
      description: 'continue after an earlier page (its "next cursor")',
    },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: [
    'joinery dead-letters',
    'joinery dead-letters --kind delivery --json',
    'joinery dead-letters replay dlq_123',
  ],
} as const satisfies CommandSpec;

const showSpec = {
  name: 'dead-letters show',
  summary: 'Show one dead letter in full.',
  usage: 'joinery dead-letters show ID [--json] [--url URL]',
  arguments: [['ID', 'the dead letter id (dlq_…)']],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery dead-letters show dlq_123'],
} as const satisfies CommandSpec;

const replaySpec = {
  name: 'dead-letters replay',
  summary:
    'Replay a dead letter. Safe to repeat: a repeat while queued or after success changes nothing.',
  usage: 'joinery dead-letters replay ID [--json] [--url URL]',
  arguments: [['ID', 'the dead letter id (dlq_…)']],
  options: { json: jsonOption, url: urlOption },
  environment: remoteEnvironment,
  examples: ['joinery dead-letters replay dlq_123'],
} as const satisfies CommandSpec;

const show: Command = {
  spec: showSpec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(showSpec, argv);
    const id = requireId(positionals, showSpec.name, ID);
    const letter = await remoteClient(io, values.url).deadLetters.get(id);
    io.stdout.write(values.json ? renderJson(letter) : describe(letter));
    return EXIT_OK;
  },
};

const replay: Command = {
  spec: replaySpec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(replaySpec, argv);
    const id = requireId(positionals, replaySpec.name, ID);
    const result = await remoteClient(io, values.url).deadLetters.replay(id);
    if (values.json) {
      io.stdout.write(renderJson(result));
    } else {
      io.stdout.write(
        `${result.replayed ? 'Replayed' : 'Nothing to do'}: ${terminalSafe(result.message)}\n` +
          `Status now: ${result.status}. Replays so far: ${result.deadLetter.replayCount}.\n`,
      );
    }
    return EXIT_OK;
  },
};

export const deadLettersCommand: Command = {
  spec: listSpec,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'show') return show.run(rest, io);
    if (sub === 'replay') return replay.run(rest, io);
    if (sub === 'list') return list(rest, io);
    if (sub !== undefined && !sub.startsWith('-')) {
      throw new UsageError(
        `unknown subcommand ${JSON.stringify(sub)}; use joinery dead-letters [show ID | replay ID]`,
        listSpec.name,
      );
    }
    return list(argv, io);
  },
};

async function list(argv: readonly string[], io: Parameters<Command['run']>[1]): Promise<number> {
  const { values } = parseCommand(listSpec, argv);
  const kind = values.kind;
  if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(
      `--kind takes delivery or run, not ${JSON.stringify(kind)}.`,
      listSpec.name,
    );
  }
  const page = await remoteClient(io, values.url).deadLetters.list({
    limit: parseLimit(values.limit, listSpec.name),
    ...(kind === undefined ? {} : { kind: kind as DeadLetterKind }),
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
  });
  writePage(io, page, {
    json: values.json,
    empty: 'No dead letters.\n',
    header: ['ID', 'KIND', 'REF', 'CREATED', 'REPLAYS', 'RESOLVED', 'REASON'],
    row: (letter) => [
      letter.id,
      letter.kind,
      letter.refId,
      letter.createdAt,
      String(letter.replayCount),
      letter.resolvedAt ?? '-',
      truncate(letter.reason, 80),
    ],
    more: 'joinery dead-letters',
  });
  return EXIT_OK;
}

function describe(letter: DeadLetter): string {
  return [
    `Dead letter ${letter.id} (${letter.kind} ${letter.refId})`,
    `  created:     ${letter.createdAt}`,
    `  reason:      ${terminalSafe(letter.reason)}`,
    `  last error:  ${letter.lastError ? terminalSafe(JSON.stringify(letter.lastError)) : '-'}`,
    `  replays:     ${letter.replayCount}${letter.lastReplayedAt ? ` (last ${letter.lastReplayedAt})` : ''}`,
    `  resolved:    ${letter.resolvedAt ?? 'no'}`,
    `  payload:     ${truncate(terminalSafe(JSON.stringify(letter.payload)), 2000)}`,
    '',
    letter.resolvedAt ? '' : `Replay it with: joinery dead-letters replay ${letter.id}\n`,
  ].join('\n');
}
