import { readFile, stat } from 'node:fs/promises';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { renderJson } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { readAll } from '../read-all.js';

/** An action's input is a request body, not a data set. */
const MAX_INPUT_BYTES = 10 * 1024 * 1024;

const spec = {
  name: 'call',
  summary: 'Run an action on a connection and print its output.',
  usage:
    'joinery call <connectionId> <action> [--input JSON | --input @file.json | --input @-] [--idempotency-key K] [--json] [--url URL]',
  description:
    'Prints the action\'s output as JSON. With --json, prints {"output", "requestId"} instead.',
  arguments: [
    ['connectionId', 'the connection to act on (see: joinery connections)'],
    ['action', 'the action name (see: joinery connectors <connector>)'],
  ],
  options: {
    input: {
      type: 'string',
      value: 'JSON',
      description:
        'the input: inline JSON, @file.json to read a file, or @- to read stdin (default {})',
    },
    'idempotency-key': {
      type: 'string',
      value: 'K',
      description: 'run at most once for this key; a repeat answers the first result',
    },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: [
    'joinery call conn_123 list_repositories',
    `joinery call conn_123 create_issue --input '{"owner":"acme","repo":"app","title":"Hi"}'`,
    'joinery call conn_123 create_issue --input @issue.json --idempotency-key issue-2025-01-31',
  ],
} as const satisfies CommandSpec;

export const callCommand: Command = {
  spec,
  async run(argv, io) {
    const { values, positionals } = parseCommand(spec, argv);
    const [connectionId, action] = positionals;
    if (connectionId === undefined || action === undefined) {
      throw new UsageError(
        'give the connection id and the action: joinery call <connectionId> <action> [--input JSON]',
        spec.name,
      );
    }
    const client = remoteClient(io, values.url);
    const input = await readInput(values.input, io);
    const result = await client.actions.run(connectionId, action, input, {
      idempotencyKey: values['idempotency-key'],
    });
    io.stdout.write(renderJson(values.json ? result : result.output));
    return EXIT_OK;
  },
};

async function readInput(flag: string | undefined, io: CliIo): Promise<unknown> {
  if (flag === undefined) return {};
  let text = flag;
  let origin = '--input';
  if (flag === '@-') {
    text = await readAll(io.stdin, MAX_INPUT_BYTES, 'the input on stdin', spec.name);
    origin = 'the input on stdin';
  } else if (flag.startsWith('@')) {
    const file = flag.slice(1);
    origin = `the file ${file}`;
    try {
      if ((await stat(file)).size > MAX_INPUT_BYTES) {
        throw new UsageError(
          `the input file ${file} is larger than ${MAX_INPUT_BYTES} bytes.`,
          spec.name,
        );
      }
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const reason =
        (error as { code?: unknown }).code === 'ENOENT' ? 'it does not exist' : String(error);
      throw new UsageError(`cannot read the input file ${file}: ${reason}.`, spec.name);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const tip =
      origin === '--input' ? ` In a shell, single-quote it: --input '{"key":"value"}'.` : '';
    throw new UsageError(`${origin} is not valid JSON (${reason}).${tip}`, spec.name);
  }
}
