/**
 * `bench/conflicts`: how long comparing two connections' synced records takes
 * (`GET /v1/records/conflicts`, the engine's `readConflictPage`), page by page to the end, on
 * PGlite and on PostgreSQL. N Contacts per side are written straight into the `records` table:
 * 90 % of the emails on both sides, 10 % on one side only, 1 % of the shared ones with another
 * job title. Baseline, measured in the same run on the same store: one query reading both sides'
 * records once, in the same key order — what a single pass costs. Prints a table on stderr and
 * one JSON object on stdout, and writes bench/results/conflicts.json. Checks the findings' counts
 * against the data it wrote; never fails on the times. See bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { matchKeySql, readConflictPage, type ConflictCursor } from '@joinery/engine';
import { createTestDatabase, openStore, type Store } from '@joinery/store';
import { describeRun, fmt, pad, positiveFlag, runBenchmark } from './harness.js';
import { round } from './stats.js';

interface Settings {
  records: number;
  limits: number[];
  stores: ('pglite' | 'postgres')[];
}

const help = `conflicts: paging through the findings between two connections' synced records

  --records <n>     Contacts per side (default 100000, at most 1000000)
  --limits <list>   page sizes to time, records per page (default 500,5000)
  --stores <list>   pglite,postgres (default both)

Output: a table on stderr, one JSON object on stdout, and bench/results/conflicts.json.`;

const ENV = 'env_bench';
const A = 'conn_a';
const B = 'conn_b';

/** Both sides' records: a gets 1..N, b gets N/10+1..N+N/10; every 100th shared one differs. */
async function seed(store: Store, records: number): Promise<void> {
  const shift = Math.floor(records / 10);
  for (const [connection, from] of [
    [A, 1],
    [B, 1 + shift],
  ] as const) {
    await store.db.execute(sql`
      INSERT INTO records (sync_id, external_id, environment_id, connection_id, model, payload,
        payload_hash, last_seen_run, last_changed_run, change_seq, added_seq)
      SELECT ${`sync_${connection}`}, g::text, ${ENV}, ${connection}, 'Contact',
        jsonb_build_object('id', g::text, 'email', 'person' || g || '@example.com',
          'firstName', 'First' || g, 'lastName', 'Last' || g,
          'jobTitle', CASE WHEN ${connection} = ${B} AND g % 100 = 0 THEN 'Director' ELSE 'Engineer' END),
        'h', 'run', 'run', nextval('record_change_seq'), currval('record_change_seq')
      FROM generate_series(${from}::int, ${from + records - 1}::int) g`);
  }
  await store.db.execute(sql`ANALYZE records`);
}

function expected(records: number) {
  const shift = Math.floor(records / 10);
  let contradictions = 0;
  for (let g = 1 + shift; g <= records; g++) if (g % 100 === 0) contradictions++;
  return { missing_in_a: shift, missing_in_b: shift, contradiction: contradictions };
}

async function baseline(store: Store): Promise<number> {
  const key = matchKeySql('email');
  const started = performance.now();
  const result = await store.db.execute(sql`
    SELECT connection_id, external_id, payload, ${key} AS k FROM records
    WHERE environment_id = ${ENV} AND connection_id IN (${A}, ${B}) AND model = 'Contact'
      AND deleted_at IS NULL
    ORDER BY ${key}`);
  const rows = (result as { rows: unknown[] }).rows.length;
  const seconds = (performance.now() - started) / 1000;
  if (rows === 0) throw new Error('the baseline read no records');
  return seconds;
}

async function pageThrough(store: Store, limit: number) {
  const counts: Record<string, number> = {};
  let cursor: ConflictCursor | null = null;
  let pages = 0;
  const started = performance.now();
  do {
    const page = await readConflictPage(store.db, {
      environmentId: ENV,
      model: 'Contact',
      a: A,
      b: B,
      matchOn: 'email',
      limit,
      cursor,
    });
    for (const finding of page.findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
    cursor = page.next;
    pages += 1;
  } while (cursor !== null);
  return { seconds: (performance.now() - started) / 1000, pages, counts };
}

async function measure(settings: Settings, onCleanup: (cleanup: () => Promise<void>) => void) {
  const stores = [];
  for (const kind of settings.stores) {
    let store: Store;
    if (kind === 'postgres') {
      const database = await createTestDatabase();
      onCleanup(() => database.drop());
      store = await openStore({ kind: 'postgres', url: database.url });
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'joinery-bench-conflicts-'));
      onCleanup(() => rm(dir, { recursive: true, force: true }));
      store = await openStore({ kind: 'pglite', dataDir: dir });
    }
    try {
      process.stderr.write(`${kind}: writing ${settings.records} records per side…\n`);
      await seed(store, settings.records);
      const baselineSeconds = await baseline(store);
      const runs = [];
      for (const limit of settings.limits) {
        process.stderr.write(`${kind}: paging with limit ${limit}…\n`);
        const run = await pageThrough(store, limit);
        const want = expected(settings.records);
        // Exactly these kinds and counts: a finding of any other kind is as wrong as a missing one.
        const sorted = (counts: Record<string, number>) =>
          JSON.stringify(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
        const right = sorted(run.counts) === sorted(want);
        if (!right)
          throw new Error(
            `${kind}, limit ${limit}: findings ${JSON.stringify(run.counts)}, expected ${JSON.stringify(want)}`,
          );
        runs.push({
          limit,
          seconds: round(run.seconds, 2),
          pages: run.pages,
          findings: run.counts,
          toBaseline: round(run.seconds / baselineSeconds, 2),
        });
      }
      stores.push({ store: kind, baselineSeconds: round(baselineSeconds, 2), runs });
    } finally {
      await store.close();
    }
  }
  return { ...describeRun('conflicts'), settings, stores };
}

type Report = Awaited<ReturnType<typeof measure>>;

await runBenchmark<Settings, Report>({
  name: 'conflicts',
  help,
  parseSettings(argv) {
    const settings: Settings = {
      records: 100_000,
      limits: [500, 5000],
      stores: ['pglite', 'postgres'],
    };
    for (let i = 0; i < argv.length; i += 1) {
      const flag = argv[i];
      const value = argv[i + 1] ?? '';
      if (flag === '--help' || flag === '-h') return null;
      if (flag === '--records')
        settings.records = Math.min(positiveFlag('records', value, true), 1_000_000);
      else if (flag === '--limits')
        settings.limits = value
          .split(',')
          .map((part) => Math.min(positiveFlag('limits', part, true), 5000));
      else if (flag === '--stores') {
        const stores = value.split(',');
        if (!stores.every((s) => s === 'pglite' || s === 'postgres'))
          throw new Error(`--stores "${value}": expected pglite, postgres or both`);
        settings.stores = stores;
      } else throw new Error(`unknown flag ${flag ?? ''}; see --help`);
      i += 1;
    }
    return settings;
  },
  hardCapSeconds: (settings) => 120 + (settings.records / 1000) * settings.limits.length * 6,
  measure: (settings, context) => measure(settings, (cleanup) => context.onCleanup(cleanup)),
  table(report) {
    const lines = [
      `conflicts: ${report.settings.records} Contacts per side (10 % on one side only, 1 % of shared ones contradicting), load ${report.loadAverageAtStart.join(' ')}`,
      `${'store'.padEnd(10)}${pad('limit', 7)}${pad('pages', 8)}${pad('seconds', 10)}${pad('× one pass', 12)}`,
    ];
    for (const store of report.stores) {
      lines.push(
        `${store.store.padEnd(10)}${pad('—', 7)}${pad('1', 8)}${pad(fmt(store.baselineSeconds, 2), 10)}${pad('1.00', 12)}  (baseline: one query, key order)`,
      );
      for (const run of store.runs)
        lines.push(
          `${store.store.padEnd(10)}${pad(run.limit, 7)}${pad(run.pages, 8)}${pad(fmt(run.seconds, 2), 10)}${pad(fmt(run.toBaseline, 2), 12)}`,
        );
    }
    return lines.join('\n');
  },
});
