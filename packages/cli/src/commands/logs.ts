import {
  isJoineryError,
  type JoineryClient,
  type ListLogsParams,
  type LogEntry,
} from '@joinery/sdk';
import { parseCommand, UsageError, type Command, type CommandSpec } from '../command.js';
import { EXIT_OK, type CliIo } from '../io.js';
import { columnWidths, renderJson, tableRow, truncate } from '../output.js';
import { jsonOption, remoteClient, remoteEnvironment, urlOption } from '../remote.js';
import { pause, stopSignal } from '../stop-signal.js';
import { parseLimit, type LimitBounds } from './arguments.js';

/** `--limit`; the max is also the page size asked of the server. */
const LIMITS: LimitBounds = { max: 1000, fallback: 50 };
const POLL_INTERVAL_MS = 1000;
/** Entries fetched per poll at most; past that, a poll shows the newest and says so. */
const MAX_PER_POLL = 1000;
/**
 * How far before the newest entry seen each poll looks again. An entry is stamped when its
 * request starts but may be written when it ends, after later ones; ids already shown are skipped.
 */
const LOOKBACK_MS = 30_000;
/** Consecutive retryable failures `--follow` rides out before giving up. */
const MAX_FOLLOW_FAILURES = 10;
const URL_WIDTH = 60;

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const spec = {
  name: 'logs',
  summary: 'Show the request log: every call Joinery made to a provider.',
  usage:
    'joinery logs [--connection ID] [--since TIME] [--limit N] [--follow] [--json] [--url URL]',
  description: [
    'Shows the newest entries, oldest first. --follow then keeps polling every second for new',
    'ones until Ctrl-C. With --json: a JSON array, or with --follow one JSON object per line.',
  ].join('\n'),
  options: {
    connection: { type: 'string', value: 'ID', description: 'only the calls of this connection' },
    since: {
      type: 'string',
      value: 'TIME',
      description:
        'only entries from TIME on: ISO 8601 (2025-01-31T09:00:00Z) or a duration ago (90s, 15m, 2h, 7d)',
    },
    limit: {
      type: 'string',
      value: 'N',
      description: `show at most N entries (1 to ${LIMITS.max}; default ${LIMITS.fallback})`,
    },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new entries until Ctrl-C' },
    json: jsonOption,
    url: urlOption,
  },
  environment: remoteEnvironment,
  examples: [
    'joinery logs',
    'joinery logs --connection conn_123 --since 15m',
    'joinery logs --follow',
  ],
} as const satisfies CommandSpec;

export const logsCommand: Command = {
  spec,
  async run(argv, io) {
    const { values } = parseCommand(spec, argv);
    const limit = parseLimit(values.limit, spec.name, LIMITS);
    const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
    const client = remoteClient(io, values.url);
    const connection = values.connection;

    const first = await collect(client, { connection, since }, limit);
    const printer = new LogPrinter(io, values.json === true, values.follow === true);
    printer.print(first.entries);
    if (first.more && !values.json) {
      io.stderr.write(`(showing ${limit}; there are more: raise --limit or narrow --since)\n`);
    }
    if (!values.follow) {
      printer.finish();
      return EXIT_OK;
    }

    const stop = stopSignal(io);
    try {
      await follow(client, connection, since, first, printer, io, stop.signal);
    } finally {
      stop.dispose();
    }
    return EXIT_OK;
  },
};

async function follow(
  client: JoineryClient,
  connection: string | undefined,
  since: string | undefined,
  shown: { entries: LogEntry[]; more: boolean },
  printer: LogPrinter,
  io: CliIo,
  signal: AbortSignal,
): Promise<void> {
  const window = new SeenWindow(since);
  window.admit(shown.entries);
  if (shown.more) {
    // --limit left out some of the look-back window: they are old news, not new entries.
    window.admit(
      (await collect(client, { connection, since: window.since() }, MAX_PER_POLL)).entries,
    );
  }
  if (shown.entries.length === 0 && !printer.json) {
    io.stderr.write('Waiting for entries (Ctrl-C to stop)…\n');
  }
  let failures = 0;
  while (await pause(POLL_INTERVAL_MS, signal)) {
    try {
      const batch = await collect(
        client,
        { connection, since: window.since() },
        MAX_PER_POLL,
        signal,
      );
      failures = 0;
      const fresh = window.admit(batch.entries);
      printer.print(fresh);
      // A full page of nothing but new entries: some older new ones did not fit.
      if (batch.more && fresh.length === batch.entries.length) {
        io.stderr.write(
          `(over ${MAX_PER_POLL} new entries since the last poll; only the newest are shown. Narrow with --connection)\n`,
        );
      }
    } catch (error) {
      if (signal.aborted) return;
      if (isJoineryError(error) && error.retryable && ++failures < MAX_FOLLOW_FAILURES) {
        io.stderr.write(`(still following; last poll failed: ${error.code})\n`);
        continue;
      }
      throw error;
    }
  }
}

/** Up to `max` entries, walking pages. */
async function collect(
  client: JoineryClient,
  params: ListLogsParams,
  max: number,
  signal?: AbortSignal,
): Promise<{ entries: LogEntry[]; more: boolean }> {
  const entries: LogEntry[] = [];
  const pages = client.logs.iterate(
    { ...params, limit: Math.min(max, LIMITS.max) },
    signal ? { signal } : {},
  );
  for await (const entry of pages) {
    if (entries.length === max) return { entries, more: true };
    entries.push(entry);
  }
  return { entries, more: false };
}

/** Which entries `--follow` has printed, within the look-back window, and where to look next. */
class SeenWindow {
  readonly #seen = new Map<string, number>();
  #newest: number | undefined;

  constructor(readonly initialSince: string | undefined) {}

  /** The look-back start, never before the user's own --since. */
  since(): string | undefined {
    if (this.#newest === undefined) return this.initialSince;
    const lookBack = this.#newest - LOOKBACK_MS;
    const floor = this.initialSince === undefined ? lookBack : Date.parse(this.initialSince);
    return new Date(Math.max(lookBack, floor)).toISOString();
  }

  /** The entries not printed before, oldest first. */
  admit(entries: readonly LogEntry[]): LogEntry[] {
    const fresh = entries.filter((entry) => !this.#seen.has(entry.id));
    for (const entry of fresh) {
      const at = Date.parse(entry.at);
      this.#seen.set(entry.id, at);
      if (!Number.isNaN(at) && (this.#newest === undefined || at > this.#newest)) this.#newest = at;
    }
    if (this.#newest !== undefined) {
      const horizon = this.#newest - LOOKBACK_MS;
      for (const [id, at] of this.#seen) if (at < horizon) this.#seen.delete(id);
    }
    return sortOldestFirst(fresh);
  }
}

function sortOldestFirst(entries: readonly LogEntry[]): LogEntry[] {
  return [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

const HEADER = ['TIME', 'CONNECTION', 'SOURCE', 'METHOD', 'URL', 'STATUS', 'DURATION', 'ERROR'];
/** Widths that fit typical values, so a followed table stays aligned as rows arrive. */
const MIN_WIDTHS = [24, 10, 12, 6, 20, 6, 8, 5];

/** Prints batches of entries; a table keeps the column widths of its first batch. */
class LogPrinter {
  #widths: number[] | undefined;
  #printed = 0;

  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
    private readonly streaming: boolean,
  ) {}

  print(entries: readonly LogEntry[]): void {
    const sorted = sortOldestFirst(entries);
    this.#printed += sorted.length;
    if (this.json) {
      if (!this.streaming) this.io.stdout.write(renderJson(sorted));
      else for (const entry of sorted) this.io.stdout.write(`${JSON.stringify(entry)}\n`);
      return;
    }
    if (sorted.length === 0) return;
    const rows = sorted.map(logRow);
    if (this.#widths === undefined) {
      this.#widths = columnWidths(HEADER, rows).map((width, i) =>
        Math.max(width, MIN_WIDTHS[i] ?? 0),
      );
      this.io.stdout.write(`${tableRow(HEADER, this.#widths)}\n`);
    }
    for (const row of rows) this.io.stdout.write(`${tableRow(row, this.#widths)}\n`);
  }

  finish(): void {
    if (!this.json && this.#printed === 0) this.io.stdout.write('No log entries.\n');
  }
}

function logRow(entry: LogEntry): string[] {
  return [
    entry.at,
    entry.connectionId ?? '-',
    entry.source,
    entry.method,
    truncate(entry.url, URL_WIDTH),
    entry.status === null ? '-' : String(entry.status),
    `${entry.durationMs} ms`,
    entry.errorCode ?? '-',
  ];
}

/** An ISO 8601 time, or a duration before `now` (`15m`), as ISO 8601. */
export function parseSince(value: string, now: number): string {
  const duration = /^(\d+)(ms|s|m|h|d|w)$/.exec(value);
  if (duration) {
    const [, amount, unit] = duration;
    return new Date(now - Number(amount) * (DURATION_UNITS[unit ?? ''] ?? 0)).toISOString();
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(
      `--since takes an ISO 8601 time (2025-01-31T09:00:00Z) or a duration ago (90s, 15m, 2h, 7d), not ${JSON.stringify(value)}.`,
      spec.name,
    );
  }
  return new Date(at).toISOString();
}
