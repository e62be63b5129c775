/**
 * `bench/sync`: the HubSpot sandbox serves N generated contacts in pages of 100 (HubSpot's
 * maximum for the list endpoint); Joinery runs a full sync, then 1 % of the contacts change and it
 * runs an incremental sync (HubSpot search, 200 per page), on PGlite and on PostgreSQL, each store
 * in a child process of its own so its peak RSS is its own.
 *
 * Baseline, measured in the same run: reading every page straight from the sandbox with undici and
 * parsing it, without storing anything — the pace of the provider and HTTP alone. Prints a table on
 * stderr and one JSON object on stdout, and writes bench/results/sync.json. Never fails on the
 * figures; see bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@joinery/store';
import { Pool } from 'undici';
import { startChild } from './child-process.js';
import { describeRun, fmt, log, positiveFlag, runBenchmark } from './harness.js';
import { round } from './stats.js';

const HELP = `Usage: npm run bench:sync -- [options]

Full sync of N generated HubSpot contacts, then 1 % changed and an incremental sync, on PGlite
and on PostgreSQL (the machine's test server), each in a child process.

Options:
  --records <n>     contacts in the sandbox (default 1000000, at most 5000000)
  --stores <list>   pglite,postgres (default both)
  --help            this text

Output: a table on stderr, one JSON object on stdout, and bench/results/sync.json.`;

const TOKEN = 'pat-na1-5a4d0b1e-0000-4000-8000-000000000001';
const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

interface Settings {
  records: number;
  stores: ('pglite' | 'postgres')[];
}

interface StoreResult {
  store: 'pglite' | 'postgres';
  full: { seconds: number; seen: number; added: number; pages: number; recordsPerSecond: number };
  incremental: {
    kind: string;
    seconds: number;
    seen: number;
    updated: number;
    pages: number;
    recordsPerSecond: number;
  };
  /** Incremental time over full time (aim: at most 0.05). */
  incrementalToFull: number;
  /** Full sync speed over the baseline's (reading the pages without storing them). */
  fullToBaseline: number;
  rssAtStartMb: number;
  peakRssMb: number;
}

interface Report extends ReturnType<typeof describeRun> {
  settings: Settings;
  pageSize: { full: number; incremental: number };
  baseline: { seconds: number; records: number; pages: number; recordsPerSecond: number };
  stores: StoreResult[];
  aims: { recordsPerSecondOnPostgres: number; peakRssMb: number; incrementalToFull: number };
}

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '1000000' },
      stores: { type: 'string', default: 'pglite,postgres' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const records = positiveFlag('records', values.records, true);
  if (records > 5_000_000) throw new Error('--records is at most 5000000; see --help');
  const stores = values.stores.split(',').map((name) => name.trim());
  for (const name of stores)
    if (name !== 'pglite' && name !== 'postgres')
      throw new Error(`--stores: "${name}" is neither pglite nor postgres; see --help`);
  return { records, stores: stores as Settings['stores'] };
}

/** Generous: 2,000 records/s at worst for the full run of each store, plus start-up. */
function hardCapSeconds(settings: Settings): number {
  return Math.ceil(120 + (settings.records / 2_000) * (settings.stores.length + 1));
}

/** Every page of the generated contacts read straight from the sandbox, parsed, then dropped. */
async function readAllPages(
  sandboxUrl: string,
): Promise<{ seconds: number; records: number; pages: number }> {
  const origin = new URL(sandboxUrl).origin;
  const pool = new Pool(origin, { connections: 1 });
  const started = performance.now();
  let records = 0;
  let pages = 0;
  let after: string | undefined;
  try {
    for (;;) {
      const query = new URLSearchParams({ limit: '100', archived: 'false' });
      if (after !== undefined) query.set('after', after);
      const response = await pool.request({
        method: 'GET',
        path: `/hubspot/crm/v3/objects/contacts?${query.toString()}`,
        headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
      });
      const body = (await response.body.json()) as {
        results: unknown[];
        paging?: { next?: { after?: string } };
      };
      if (response.statusCode !== 200)
        throw new Error(`the sandbox answered ${response.statusCode}`);
      records += body.results.length;
      pages += 1;
      after = body.paging?.next?.after;
      if (after === undefined) break;
    }
  } finally {
    await pool.close();
  }
  return { seconds: (performance.now() - started) / 1000, records, pages };
}

function parseResult(message: unknown): Omit<StoreResult, 'incrementalToFull' | 'fullToBaseline'> {
  const m = message as StoreResult;
  if (typeof m?.full?.seconds !== 'number' || typeof m.peakRssMb !== 'number')
    throw new Error(`unexpected result ${JSON.stringify(message)}`);
  return {
    ...m,
    full: { ...m.full, recordsPerSecond: Math.round(m.full.seen / m.full.seconds) },
    incremental: {
      ...m.incremental,
      recordsPerSecond: Math.round(m.incremental.seen / m.incremental.seconds),
    },
  };
}

await runBenchmark<Settings, Report>({
  name: 'sync',
  help: HELP,
  parseSettings,
  hardCapSeconds,
  async measure(settings, { track, onCleanup }) {
    const run = describeRun('sync');
    const childEnv = { BENCH_CHILD_MAX_SECONDS: String(hardCapSeconds(settings) + 30) };
    const sandbox = track(
      await startChild({
        name: 'sandbox',
        script: script('./sandbox-process.js'),
        args: ['ghp_bench_sync', 'bench'],
        env: childEnv,
        readyTimeoutMs: 15_000,
        parseReady(message) {
          const url = (message as { url?: unknown }).url;
          if (typeof url !== 'string') throw new Error('expected {"url": string}');
          return { url };
        },
      }),
    );
    const sandboxUrl = sandbox.ready.url;
    const put = await fetch(`${sandboxUrl}/hubspot/_sandbox/generated-contacts`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ count: settings.records, unthrottled: true }),
    });
    if (put.status !== 200) throw new Error(`the sandbox refused the dataset (${put.status})`);
    log(`baseline: reading ${settings.records.toLocaleString('en-US')} contacts without Joinery…`);
    const baselineRun = await readAllPages(sandboxUrl);
    const baseline = {
      ...baselineRun,
      seconds: round(baselineRun.seconds, 2),
      recordsPerSecond: Math.round(baselineRun.records / baselineRun.seconds),
    };
    log(`baseline: ${baseline.recordsPerSecond.toLocaleString('en-US')} records/s`);

    const stores: StoreResult[] = [];
    for (const store of settings.stores) {
      const dataDir = await mkdtemp(join(tmpdir(), 'joinery-bench-sync-'));
      onCleanup(() => rm(dataDir, { recursive: true, force: true }));
      const env: Record<string, string> = { ...childEnv };
      if (store === 'postgres') {
        const database = await createTestDatabase();
        onCleanup(() => database.drop());
        env.BENCH_JOINERY_DATABASE_URL = database.url;
      }
      // PGlite's data directory is new: the measured process starts as on a machine's first start
      // (Joinery creates the directory in a short-lived process of its own, not counted here).
      log(`${store}: full sync, then 1 % changed and an incremental sync…`);
      const child = track(
        await startChild({
          name: store,
          script: script('./sync-child.js'),
          args: [store, sandboxUrl, String(settings.records), dataDir],
          env,
          readyTimeoutMs: 60_000,
          parseReady: (message) => message,
        }),
      );
      const result = parseResult(
        await child.result((message) => message, hardCapSeconds(settings) * 1000),
      );
      await child.stop();
      stores.push({
        ...result,
        full: { ...result.full, seconds: round(result.full.seconds, 2) },
        incremental: { ...result.incremental, seconds: round(result.incremental.seconds, 3) },
        incrementalToFull: round(result.incremental.seconds / result.full.seconds, 4),
        fullToBaseline: round(result.full.recordsPerSecond / baseline.recordsPerSecond, 3),
        rssAtStartMb: Math.round(result.rssAtStartMb),
        peakRssMb: Math.round(result.peakRssMb),
      });
      log(`${store}: done`);
    }
    return {
      ...run,
      settings,
      pageSize: { full: 100, incremental: 200 },
      baseline,
      stores,
      aims: { recordsPerSecondOnPostgres: 20_000, peakRssMb: 512, incrementalToFull: 0.05 },
    };
  },
  table(report) {
    const lines = [
      '',
      `sync bench: ${report.settings.records.toLocaleString('en-US')} contacts, pages of ${report.pageSize.full} (full) / ${report.pageSize.incremental} (incremental)`,
      `baseline (pages read and parsed, nothing stored): ${report.baseline.recordsPerSecond.toLocaleString('en-US')} records/s over ${report.baseline.seconds} s`,
      '',
      'store     full s   full rec/s  ×baseline  incr s   incr seen  incr/full  RSS start  RSS peak',
    ];
    for (const s of report.stores)
      lines.push(
        [
          s.store.padEnd(8),
          fmt(s.full.seconds, 1).padStart(7),
          s.full.recordsPerSecond.toLocaleString('en-US').padStart(12),
          fmt(s.fullToBaseline, 2).padStart(10),
          fmt(s.incremental.seconds, 2).padStart(7),
          s.incremental.seen.toLocaleString('en-US').padStart(11),
          fmt(s.incrementalToFull, 4).padStart(10),
          `${s.rssAtStartMb} MB`.padStart(10),
          `${s.peakRssMb} MB`.padStart(9),
        ].join(' '),
      );
    lines.push(
      '',
      'aims: ≥ 20,000 records/s on PostgreSQL, peak RSS < 512 MB, incremental ≤ 5 % of full time',
      '',
    );
    return lines.join('\n');
  },
});
