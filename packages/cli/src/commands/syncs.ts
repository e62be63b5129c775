import { isJoineryError, type Sync, type SyncRun } from '@joinery/sdk';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { renderJson, renderTable, terminalSafe, truncate } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { pause, stopSignal } from '../stop-signal.js';

const POLL_INTERVAL_MS = 1000;
const BAR_WIDTH = 24;
/** Consecutive retryable failures `--follow` rides out before giving up. */
const MAX_FOLLOW_FAILURES = 10;

const spec = {
  name: 'syncs',
  summary: 'List syncs and the progress of their runs (records, pages, rate); run one now.',
  usage:
    'joinery syncs [--connection ID] [--follow] [--json] [--url URL]\n       joinery syncs --run ID [--full] [--url URL]',
  description: [
    'Lists every sync with its latest run, how often it runs (EVERY) and how often its scheduled',
    'run is full (FULL RUN: the full frequency, and from when the next is due; - for none).',
    'A running run shows a progress bar when stdout is a',
    'terminal (a plain line otherwise): records stored so far, of how many when the provider says,',
    'pages and records per second. --follow keeps refreshing every second until Ctrl-C.',
    '--run ID starts a run now (resuming an interrupted one); add --full for a full run, which',
    'also marks deleted the records the provider no longer has.',
  ].join('\n'),
  options: {
    connection: { type: 'string', value: 'ID', description: 'only the syncs of this connection' },
    follow: { type: 'boolean', short: 'f', description: 'refresh every second until Ctrl-C' },
    run: { type: 'string', value: 'ID', description: 'start a run of this sync now' },
    full: { type: 'boolean', description: 'with --run: a full run (deletion detection)' },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: ['joinery syncs', 'joinery syncs --follow', 'joinery syncs --run sync_123 --full'],
} as const satisfies CommandSpec;

export const syncsCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    const client = remoteClient(io, values.url);
    if (values.full && values.run === undefined)
      throw new UsageError('--full goes with --run ID', 'syncs');
    if (values.run !== undefined) {
      const run = await client.syncs.run(values.run, values.full ? { full: true } : {});
      io.stdout.write(
        values.json
          ? renderJson(run)
          : `Started ${run.kind} run ${run.id} of ${values.run}${run.attempts > 1 ? ` (resumed, attempt ${run.attempts})` : ''}. Follow it with: joinery syncs --follow\n`,
      );
      return EXIT_OK;
    }
    const params = values.connection === undefined ? {} : { connection: values.connection };
    const tty = isTty(io);
    const first = await client.syncs.list(params);
    if (values.json && !values.follow) {
      io.stdout.write(renderJson(first));
      return EXIT_OK;
    }
    let shown = render(first, tty, values.json === true);
    io.stdout.write(shown);
    if (!values.follow) return EXIT_OK;
    let runningBefore = runningCount(first);

    const stop = stopSignal(io);
    let failures = 0;
    try {
      while (await pause(POLL_INTERVAL_MS, stop.signal)) {
        let syncs: Sync[];
        try {
          syncs = await client.syncs.list(params, { signal: stop.signal });
          failures = 0;
        } catch (error) {
          if (stop.signal.aborted) break;
          if (isJoineryError(error) && error.retryable && ++failures < MAX_FOLLOW_FAILURES) {
            io.stderr.write(`(still following; last poll failed: ${error.code})\n`);
            continue;
          }
          throw error;
        }
        const next = render(syncs, tty, values.json === true);
        if (tty) {
          // Redraw in place: up as many lines as were drawn, then clear to the end of the screen.
          const lines = shown.split('\n').length - 1;
          io.stdout.write(`\u001b[${lines}A\u001b[J${next}`);
          shown = next;
        } else if (values.json) {
          io.stdout.write(next);
        } else {
          // Not a terminal: a plain progress line per running sync, and the table when one ends.
          const lines = progressLines(syncs);
          if (lines !== '') io.stdout.write(lines);
          const runningNow = runningCount(syncs);
          if (runningNow < runningBefore) io.stdout.write(next);
          runningBefore = runningNow;
        }
      }
    } finally {
      stop.dispose();
    }
    return EXIT_OK;
  },
};

function isTty(io: CliIo): boolean {
  return (io.stdout as { isTTY?: boolean }).isTTY === true;
}

function render(syncs: readonly Sync[], tty: boolean, json: boolean): string {
  if (json) return `${JSON.stringify(syncs)}\n`;
  if (syncs.length === 0)
    return 'No syncs. Create one with POST /v1/syncs {"connection", "sync", "frequency", "fullFrequency"}.\n';
  const table = renderTable(
    [
      'ID',
      'CONNECTION',
      'SYNC',
      'MODEL',
      'EVERY',
      'FULL RUN',
      'LAST RUN',
      'RECORDS',
      'CHANGES',
      'NEXT RUN',
    ],
    syncs.map((sync) => {
      const run = sync.latestRun;
      return [
        sync.id,
        sync.connectionId,
        sync.name,
        sync.model,
        every(sync.frequencySeconds),
        fullRun(sync),
        run ? runLabel(run) : 'never run',
        run ? run.records.seen.toLocaleString('en-US') : '-',
        run ? `+${run.records.added} ~${run.records.updated} -${run.records.deleted}` : '-',
        sync.state === 'running' ? 'now' : (sync.nextRunAt ?? '-'),
      ];
    }),
  );
  const running = syncs.filter((sync) => sync.latestRun?.status === 'running');
  const failed = syncs.filter(
    (sync) =>
      sync.latestRun &&
      (sync.latestRun.status === 'failed' || sync.latestRun.status === 'interrupted'),
  );
  const extra = [
    ...running.map((sync) => `${sync.id}  ${progress(sync.latestRun as SyncRun, tty)}\n`),
    ...failed.map((sync) => {
      const run = sync.latestRun as SyncRun;
      const why = run.error
        ? truncate(`${run.error.code}: ${run.error.message}`, 120)
        : 'no error recorded';
      return `${sync.id}  ${run.status}: ${terminalSafe(why)} — resumes from its last stored page on the next run\n`;
    }),
  ];
  return extra.length === 0 ? table : `${table}\n${extra.join('')}`;
}

/** `1d, due 2026-01-02T00:00:00.000Z`, or `-` when scheduled runs are never full. */
function fullRun(sync: Sync): string {
  if (sync.fullFrequencySeconds === null) return '-';
  return `${every(sync.fullFrequencySeconds)}, due ${sync.fullRunDueAt ?? '-'}`;
}

function runLabel(run: SyncRun): string {
  return `${run.kind} ${run.status}${run.attempts > 1 ? ` (attempt ${run.attempts})` : ''}`;
}

/** `[##########..............]  42%  42,000 of 100,000 records · 420 pages · 8,100/s`. */
export function progress(run: SyncRun, tty: boolean): string {
  const seen = run.records.seen;
  const total = run.records.total;
  const rate =
    run.recordsPerSecond === null ? '' : ` · ${run.recordsPerSecond.toLocaleString('en-US')}/s`;
  const counts = `${seen.toLocaleString('en-US')}${total !== null ? ` of ${total.toLocaleString('en-US')}` : ''} records · ${run.pages.toLocaleString('en-US')} pages${rate}`;
  if (!tty || total === null || total === 0) return `${run.kind} run ${run.id}: ${counts}`;
  const share = Math.min(seen / total, 1);
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${counts}`;
}

function progressLines(syncs: readonly Sync[]): string {
  return syncs
    .filter((sync) => sync.latestRun?.status === 'running')
    .map(
      (sync) =>
        `${new Date().toISOString()}  ${sync.id}  ${progress(sync.latestRun as SyncRun, false)}\n`,
    )
    .join('');
}

/** How many of the syncs have a run under way (fewer than before: one ended). */
function runningCount(syncs: readonly Sync[]): number {
  return syncs.filter((sync) => sync.latestRun?.status === 'running').length;
}

function every(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
