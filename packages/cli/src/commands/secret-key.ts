import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK } from '../io.js';
import { renderJson } from '../output.js';
import { configMistake, dataDirOption, loadServerConfig } from '../server-settings.js';

const rotateSpec = {
  name: 'secret-key rotate',
  summary: 'Replace the API secret key and print the new one, once. The old key stops working.',
  usage: 'joinery secret-key rotate [--data-dir D] [--database-url URL] [--json]',
  description: [
    'Run it with the server stopped (on the embedded store, a running server holds the data',
    'directory). Every client then needs the new JOINERY_SECRET_KEY.',
  ].join('\n'),
  options: {
    'data-dir': dataDirOption,
    'database-url': {
      type: 'string',
      value: 'URL',
      description: 'PostgreSQL URL (JOINERY_DATABASE_URL)',
    },
    json: { type: 'boolean', description: 'print {"secretKey": "..."} instead of text' },
  },
  environment: [
    ['JOINERY_DATA_DIR', 'embedded database directory'],
    ['JOINERY_DATABASE_URL', 'PostgreSQL URL (unset = embedded PGlite)'],
  ],
  examples: ['joinery secret-key rotate', 'joinery secret-key rotate --data-dir /var/lib/joinery'],
} as const satisfies CommandSpec;

const groupSpec = {
  name: 'secret-key',
  summary: 'Replace the API secret key (server stopped) and print the new one, once.',
  usage: 'joinery secret-key rotate [options]',
  description: 'Subcommands:\n  rotate   ' + rotateSpec.summary,
  options: {},
  examples: ['joinery secret-key rotate'],
} as const satisfies CommandSpec;

const rotate: Command = {
  spec: rotateSpec,
  async run(argv, io) {
    const { values } = parseCommand(rotateSpec, argv);
    const { server, config } = await loadServerConfig(
      io.env,
      { JOINERY_DATA_DIR: values['data-dir'], JOINERY_DATABASE_URL: values['database-url'] },
      rotateSpec.name,
    );
    let key: string;
    try {
      key = await server.rotateSecretKey(config);
    } catch (error) {
      throw configMistake(error, server, rotateSpec.name) ?? error;
    }
    if (values.json) {
      io.stdout.write(renderJson({ secretKey: key }));
    } else {
      io.stdout.write(
        [
          'The secret key was replaced; the previous one no longer works.',
          'The new key will not be shown again: copy it now.',
          '',
          `  export JOINERY_SECRET_KEY=${key}`,
          '',
        ].join('\n'),
      );
    }
    return EXIT_OK;
  },
};

export const secretKeyCommand: Command = {
  spec: groupSpec,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'rotate') return rotate.run(rest, io);
    if (sub === undefined) {
      throw new UsageError(
        'which subcommand? The only one is: joinery secret-key rotate',
        groupSpec.name,
      );
    }
    if (!sub.startsWith('-')) {
      throw new UsageError(
        `unknown subcommand ${JSON.stringify(sub)}; the only one is: joinery secret-key rotate`,
        groupSpec.name,
      );
    }
    // `--help` answers the help; any other option is named as unknown.
    parseCommand(groupSpec, argv);
    throw new UsageError(
      'which subcommand? The only one is: joinery secret-key rotate',
      groupSpec.name,
    );
  },
};
