import type { RunningWorker } from '@joinery/server';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_FAILURE, EXIT_OK } from '../io.js';
import { dataDirOption, loadServerConfig } from '../server-settings.js';
import { stopSignal, whenAborted } from '../stop-signal.js';

const spec = {
  name: 'worker',
  summary: 'Run execution only (runs, schedules, outgoing webhooks, syncs, health checks), no API.',
  usage: 'joinery worker [--database-url URL] [--data-dir D] [--concurrency N]',
  description: [
    'With PostgreSQL, start as many workers as you like beside any number of `joinery start`',
    'processes: they share the queued work, a run never executes on two workers at once, and a',
    "dead worker's runs are picked up by the others once its lease (30 s) expires. On the",
    'embedded store a worker is only useful while no `joinery start` holds the data directory.',
    'Runs until Ctrl-C (SIGINT) or SIGTERM; runs in flight then resume on another worker.',
  ].join('\n'),
  options: {
    'database-url': {
      type: 'string',
      value: 'URL',
      description:
        'PostgreSQL shared with the API processes (JOINERY_DATABASE_URL; prefer the variable when the URL holds a password)',
    },
    'data-dir': dataDirOption,
    concurrency: {
      type: 'string',
      value: 'N',
      description: 'runs executed at once by this worker (default 16)',
    },
  },
  environment: [
    ['JOINERY_DATABASE_URL', 'PostgreSQL URL (unset = embedded PGlite)'],
    ['JOINERY_PGLITE_SHARED_BUFFERS', "the embedded store's page cache (default 16MB)"],
    ['JOINERY_ENCRYPTION_KEY', 'credential encryption key, the same as the API processes use'],
    ['JOINERY_DATA_DIR', 'embedded database directory'],
  ],
  examples: ['JOINERY_DATABASE_URL=postgres://… JOINERY_ENCRYPTION_KEY=… joinery worker'],
} as const satisfies CommandSpec;

export const workerCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    let concurrency: number | undefined;
    if (values.concurrency !== undefined) {
      concurrency = Number(values.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
        throw new UsageError('--concurrency takes a whole number from 1 to 1000.', spec.name);
    }
    const { server, config } = await loadServerConfig(
      io.env,
      { JOINERY_DATA_DIR: values['data-dir'], JOINERY_DATABASE_URL: values['database-url'] },
      spec.name,
    );
    const stop = stopSignal(io);
    let worker: RunningWorker | null = null;
    let failure: { error: unknown } | undefined;
    try {
      worker = await server.startWorker(config, {
        worker: concurrency === undefined ? {} : { concurrency },
      });
      io.stdout.write(
        `Joinery worker ${worker.workerId} is running (store: ${worker.store}). Press Ctrl-C to stop.\n`,
      );
      await whenAborted(stop.signal);
      io.stdout.write('\nStopping the worker…\n');
    } catch (error) {
      failure = { error };
    }
    stop.dispose();
    let closed = true;
    try {
      await worker?.close();
    } catch (error) {
      closed = false;
      io.stderr.write(
        `error: stopping the worker failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    if (failure) throw failure.error;
    if (!closed) return EXIT_FAILURE;
    io.stdout.write('Stopped.\n');
    return EXIT_OK;
  },
};
