/**
 * How close to a provider's limit a burst gets through, and how many 429s it costs: a provider
 * enforcing a strict rolling limit (`rate-limited-upstream.ts`), and the same burst of calls
 * through Joinery (1 process on PGlite; several sharing one PostgreSQL database) and through the
 * usual client-side alternatives (p-retry, Bottleneck; from 1 and from several processes), one
 * variant after the other in the same run against the same provider.
 *
 * Prints a table on stderr and one JSON object on stdout, and writes the JSON to
 * bench/results/rate-limit.json. Never fails on the figures; see bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@joinery/store';
import { request } from 'undici';
import { readyOnPort, startChild, type StartedChild } from './child-process.js';
import {
  describeRun,
  fmt,
  log,
  pad,
  positiveFlag,
  resultsDir,
  runBenchmark,
  type RunContext,
} from './harness.js';
import {
  createConnection,
  joineryApi,
  readLogs,
  startJoineryChild,
  type JoineryApi,
  type JoineryReady,
  type LogRow,
} from './joinery-api.js';
import {
  parseClientResult,
  type CallTarget,
  type ClientPlan,
  type ClientResult,
  type Strategy,
} from './rate-limit-plan.js';
import { bursts, tightestSpan } from './rolling-window.js';
import { median, round } from './stats.js';
import {
  LIMITED_OWNER,
  LIMITED_PATH,
  LIMITED_REPO,
  UPSTREAM_TOKEN,
  type LimitedUpstreamArrival,
  type LimitedUpstreamStats,
} from './upstream-fixture.js';

/** The aim from the issue, for Joinery: completion within 1.10× of ideal, zero 429s. */
const RATIO_AIM = 1.1;

const VARIANTS = [
  'joinery-1',
  'joinery-n',
  'p-retry-1',
  'p-retry-n',
  'bottleneck-1',
  'bottleneck-n',
] as const;
type VariantId = (typeof VARIANTS)[number];

const HELP = `Usage: npm run bench:rate-limit -- [options]

Fires a burst of calls at a provider that allows --limit requests per rolling second (429 with
Retry-After: 1 beyond it), through Joinery and through p-retry and Bottleneck, and reports each
variant's completion time against the ideal (calls ÷ limit) and the 429s the provider sent.

Options:
  --calls <n>          calls in the burst, per variant (default 1000)
  --limit <n>          provider's limit per rolling second (default 50)
  --concurrency <n>    calls in flight at most, all processes together (default 200)
  --processes <n>      processes in the "-n" variants (default 3)
  --service-ms <ms>    provider's time to answer an accepted request (default 2)
  --variants <list>    comma-separated, from: ${VARIANTS.join(', ')}
                       (default: all)
  --help               this text

Ideal time: calls ÷ limit seconds (20 s with the defaults). Each variant stops starting calls
after max(60 s, 4 × ideal); calls not started count as failed. The whole run is hard-capped.

Output: a table on stderr, one JSON object on stdout, and bench/results/rate-limit.json.`;

interface Settings {
  calls: number;
  limit: number;
  windowMs: number;
  concurrency: number;
  processes: number;
  serviceMs: number;
  variants: VariantId[];
}

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string', default: '1000' },
      limit: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '200' },
      processes: { type: 'string', default: '3' },
      'service-ms': { type: 'string', default: '2' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const variants = values.variants.split(',').map((v) => v.trim());
  for (const variant of variants) {
    if (!VARIANTS.includes(variant as VariantId))
      throw new Error(`--variants: "${variant}" is not one of ${VARIANTS.join(', ')}`);
  }
  const settings: Settings = {
    calls: positiveFlag('calls', values.calls, true),
    limit: positiveFlag('limit', values.limit, true),
    windowMs: 1000,
    concurrency: positiveFlag('concurrency', values.concurrency, true),
    processes: positiveFlag('processes', values.processes, true),
    serviceMs: positiveFlag('service-ms', values['service-ms'], false),
    variants: variants as VariantId[],
  };
  if (settings.processes < 2) throw new Error('--processes must be at least 2; see --help');
  return settings;
}

const idealSeconds = (s: Settings) => (s.calls / s.limit) * (s.windowMs / 1000);
/** No call starts later than this after a variant's start. */
const budgetSeconds = (s: Settings) => Math.max(60, 4 * idealSeconds(s));
/** A call started at the budget's end may still retry (p-retry: 1+2+4+8+16 s) or wait queued. */
const resultTimeoutSeconds = (s: Settings) => budgetSeconds(s) + 120;

function hardCapSeconds(s: Settings): number {
  // Start-up (PGlite initdb, PostgreSQL, children), then every variant at its limit plus a pause.
  return Math.ceil(120 + s.variants.length * (resultTimeoutSeconds(s) + 30));
}

interface VariantShape {
  label: string;
  via: 'joinery' | 'direct';
  strategy: Strategy;
  /** Joinery processes (joinery-*) or independent client processes (direct). */
  processes: number;
}

function shape(id: VariantId, s: Settings): VariantShape {
  switch (id) {
    case 'joinery-1':
      return {
        label: 'Joinery, 1 process (PGlite)',
        via: 'joinery',
        strategy: 'plain',
        processes: 1,
      };
    case 'joinery-n':
      return {
        label: `Joinery, ${s.processes} processes (PostgreSQL)`,
        via: 'joinery',
        strategy: 'plain',
        processes: s.processes,
      };
    case 'p-retry-1':
      return { label: 'p-retry, 1 process', via: 'direct', strategy: 'p-retry', processes: 1 };
    case 'p-retry-n':
      return {
        label: `p-retry, ${s.processes} processes`,
        via: 'direct',
        strategy: 'p-retry',
        processes: s.processes,
      };
    case 'bottleneck-1':
      return {
        label: 'Bottleneck, 1 process',
        via: 'direct',
        strategy: 'bottleneck',
        processes: 1,
      };
    case 'bottleneck-n':
      return {
        label: `Bottleneck, ${s.processes} processes`,
        via: 'direct',
        strategy: 'bottleneck',
        processes: s.processes,
      };
  }
}

/** What Joinery's request log says about a variant's calls: every attempt and what followed it. */
interface JoineryLogSummary {
  /** Exchanges with the provider for the burst's calls (first tries and Joinery's retries). */
  attempts: number;
  byStatus: Record<string, number>;
  retries: number;
  maxAttempt: number;
  /** Decisions logged after an exchange, by kind, with one example each. */
  decisions: Record<string, { count: number; example: string }>;
}

interface VariantResult {
  id: VariantId;
  label: string;
  strategy: Strategy;
  joineryProcesses: number;
  clientProcesses: number;
  calls: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  /** From the first call's start to the last call's end, over all client processes. */
  completionSeconds: number;
  idealSeconds: number;
  ratioToIdeal: number;
  /** What the provider counted during the variant. */
  provider: {
    arrivals: number;
    served: number;
    rejected429: number;
    /**
     * The shortest time in which limit + 1 requests arrived: below the window, the sender put more
     * into some window than the limit allows.
     */
    tightestSpanMs: number | null;
    /** When the first 429s were sent, in seconds from the burst's start. */
    first429sAtSeconds: number[];
    /**
     * Arrivals grouped at quiet gaps of 150 ms or more: a sender that schedules a window's worth
     * of requests at one instant shows one group per window; `spreadMs` is how long a group took
     * to arrive. Times in seconds from the start; the list holds the first 12 groups.
     */
    arrivalGroups: {
      count: number;
      medianSpreadMs: number;
      maxSpreadMs: number;
      list: { atSeconds: number; spreadMs: number; arrivals: number; rejected: number }[];
    };
  };
  /** Requests the clients sent (their own retries included; not Joinery's). */
  clientRequests: number;
  clientReceived429: number;
  joineryLog: JoineryLogSummary | null;
  aim: { ratioAtMost: number; zero429s: true; met: boolean } | null;
}

function summariseLog(rows: LogRow[]): JoineryLogSummary {
  const calls = rows.filter((row) => row.source === 'action');
  const byStatus: Record<string, number> = {};
  const decisions: Record<string, { count: number; example: string }> = {};
  let maxAttempt = 0;
  let retries = 0;
  for (const row of calls) {
    const status = row.status === null ? `no answer (${row.errorCode ?? '?'})` : String(row.status);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const attempt = row.attempt ?? 1;
    maxAttempt = Math.max(maxAttempt, attempt);
    if (attempt > 1) retries += 1;
    if (row.decision) {
      // "rate_limited: retry 2 in 1050 ms, provider asked to wait 1000 ms" → "rate_limited: retry"
      const kind = row.decision.replace(/\d+/g, 'N').replace(/ in N ms.*$/, '');
      decisions[kind] ??= { count: 0, example: row.decision };
      decisions[kind].count += 1;
    }
  }
  return { attempts: calls.length, byStatus, retries, maxAttempt, decisions };
}

async function resetProvider(url: string): Promise<void> {
  const response = await request(`${url}/_stats`, { method: 'POST' });
  await response.body.dump();
}

async function providerStats(
  url: string,
): Promise<LimitedUpstreamStats & { arrivalLog: LimitedUpstreamArrival[] }> {
  const response = await request(`${url}/_stats?arrivals=1`);
  return (await response.body.json()) as LimitedUpstreamStats & {
    arrivalLog: LimitedUpstreamArrival[];
  };
}

async function putLimitedIntegration(api: JoineryApi, providerUrl: string, s: Settings) {
  const answer = await api('PUT', '/v1/integrations/limited', {
    connector: 'github',
    baseUrl: providerUrl,
    allowPrivateNetwork: true,
    rateLimits: [
      {
        name: 'per_second',
        requests: s.limit,
        perSeconds: s.windowMs / 1000,
        scope: 'integration',
      },
    ],
  });
  if (answer.status !== 201 && answer.status !== 200)
    throw new Error(`PUT /v1/integrations/limited answered ${answer.status}: ${answer.text}`);
}

function groupArrivals(arrivals: LimitedUpstreamArrival[], startedAt: number) {
  const groups = bursts(arrivals, 150);
  const spreads = groups.map((g) => g.spreadMs);
  return {
    count: groups.length,
    medianSpreadMs: round(median(spreads), 1),
    maxSpreadMs: round(Math.max(0, ...spreads), 1),
    // The first groups show how the burst started; every arrival is in rate-limit-arrivals.json.
    list: groups.slice(0, 12).map((g) => ({
      atSeconds: round((g.start - startedAt) / 1000, 3),
      spreadMs: round(g.spreadMs, 1),
      arrivals: g.arrivals,
      rejected: g.rejected,
    })),
  };
}

const nullableRound = (value: number | null) => (value === null ? null : round(value, 1));

/** Splits `total` into `parts` whole shares that differ by at most one. */
const split = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

type Report = Awaited<ReturnType<typeof measure>>;

async function measure(settings: Settings, { track, onCleanup }: RunContext) {
  const run = describeRun('rate-limit');
  const ideal = idealSeconds(settings);
  const childEnv = { BENCH_CHILD_MAX_SECONDS: String(hardCapSeconds(settings) + 30) };
  const provider = track(
    await startChild({
      name: 'provider',
      script: script('./rate-limited-upstream.js'),
      args: [
        '--limit',
        String(settings.limit),
        '--window-ms',
        String(settings.windowMs),
        '--service-ms',
        String(settings.serviceMs),
      ],
      env: childEnv,
      readyTimeoutMs: 10_000,
      parseReady: readyOnPort,
    }),
  );
  const providerUrl = provider.ready.url;
  log(
    `provider on ${providerUrl}: ${settings.limit} per rolling ${settings.windowMs} ms, ` +
      `ideal ${ideal} s for ${settings.calls} calls`,
  );

  /** Starts the Joinery processes of a variant, with the `limited` integration and one connection. */
  async function startJoineries(count: number) {
    const root = await mkdtemp(join(tmpdir(), 'joinery-bench-rate-'));
    onCleanup(() => rm(root, { recursive: true, force: true }));
    const started: StartedChild<JoineryReady>[] = [];
    if (count === 1) {
      started.push(
        track(await startJoineryChild({ upstreamUrl: providerUrl, dataDir: root, env: childEnv })),
      );
    } else {
      const database = await createTestDatabase();
      onCleanup(() => database.drop());
      const postgres = {
        databaseUrl: database.url,
        encryptionKey: randomBytes(32).toString('base64'),
        secretKey: `jny_sk_${randomBytes(24).toString('base64url')}`,
      };
      const start = (i: number) =>
        startJoineryChild({
          name: `joinery-${i}`,
          upstreamUrl: providerUrl,
          dataDir: join(root, String(i)),
          env: childEnv,
          postgres,
        }).then(track);
      // The first process migrates the fresh database; the others start once it has.
      started.push(await start(0));
      started.push(
        ...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)))),
      );
    }
    const first = started[0]!;
    const api = joineryApi(first.ready);
    // Before any call, so no process has the integration cached without its limit.
    await putLimitedIntegration(api, providerUrl, settings);
    const connection = await createConnection(api, 'limited', 'bench', UPSTREAM_TOKEN);
    if (connection.state !== 'healthy')
      throw new Error(`the bench connection is "${connection.state}", not healthy`);
    const path = `/v1/connections/${encodeURIComponent(connection.id)}/actions/get_repository`;
    const body = { input: { owner: LIMITED_OWNER, repo: LIMITED_REPO } };
    // One call through each process: loads its connection context and warms the route.
    for (const child of started) {
      const answer = await joineryApi(child.ready)('POST', path, body);
      if (answer.status !== 200)
        throw new Error(`${child.name}: get_repository answered ${answer.status}: ${answer.text}`);
    }
    log(
      `${count} Joinery process(es) ${first.ready.version} on ${first.ready.store}, connection ${connection.id}`,
    );
    return { started, api, connectionId: connection.id, path, body: JSON.stringify(body) };
  }

  async function runVariant(id: VariantId): Promise<VariantResult> {
    const v = shape(id, settings);
    let joineries: Awaited<ReturnType<typeof startJoineries>> | null = null;
    let targets: CallTarget[];
    if (v.via === 'joinery') {
      joineries = await startJoineries(v.processes);
      targets = joineries.started.map((child) => ({
        origin: child.ready.url,
        path: joineries!.path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${child.ready.key}`,
          'content-type': 'application/json',
        },
        body: joineries!.body,
      }));
    } else {
      targets = [
        {
          origin: providerUrl,
          path: LIMITED_PATH,
          method: 'GET',
          headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, accept: 'application/json' },
          body: null,
        },
      ];
    }
    // Joinery is one service for all its callers: one client process spreads the burst over its
    // processes. The client-side libraries run inside each caller: one client process each.
    const clientCount = v.via === 'joinery' ? 1 : v.processes;
    const calls = split(settings.calls, clientCount);
    const concurrency = split(settings.concurrency, clientCount);
    const clients: StartedChild<object>[] = [];
    try {
      for (let i = 0; i < clientCount; i += 1) {
        const plan: ClientPlan = {
          strategy: v.strategy,
          targets,
          calls: calls[i]!,
          concurrency: Math.max(1, concurrency[i]!),
          limit: settings.limit,
          windowMs: settings.windowMs,
          expect: `"full_name":"${LIMITED_OWNER}/${LIMITED_REPO}"`,
          budgetMs: budgetSeconds(settings) * 1000,
          // Joinery's own deadline for a call is 60 s.
          requestTimeoutMs: 65_000,
        };
        clients.push(
          track(
            await startChild({
              name: `${id}-client-${i}`,
              script: script('./rate-limit-client.js'),
              args: [JSON.stringify(plan)],
              env: childEnv,
              readyTimeoutMs: 15_000,
              parseReady: () => ({}),
            }),
          ),
        );
      }
      // An empty window and zeroed counters; the warm-up calls above have left the window by now.
      await sleep(settings.windowMs + 200);
      await resetProvider(providerUrl);
      for (const client of clients) client.send('go');
      const results: ClientResult[] = await Promise.all(
        clients.map((client) =>
          client.result(parseClientResult, resultTimeoutSeconds(settings) * 1000),
        ),
      );
      const stats = await providerStats(providerUrl);
      const startedAt = Math.min(...results.map((r) => r.startedAt));
      arrivalLogs[id] = stats.arrivalLog.map((a) => [
        round((a.at - startedAt) / 1000, 4),
        a.status,
      ]);
      const finishedAt = Math.max(...results.map((r) => r.finishedAt));
      const completionSeconds = (finishedAt - startedAt) / 1000;
      const failures: Record<string, number> = {};
      for (const r of results)
        for (const [reason, count] of Object.entries(r.failures))
          failures[reason] = (failures[reason] ?? 0) + count;
      const ok = results.reduce((sum, r) => sum + r.ok, 0);
      const ratioToIdeal = round(completionSeconds / ideal);
      let joineryLog: JoineryLogSummary | null = null;
      if (joineries) {
        // Other processes flush their request log every 100 ms.
        await sleep(500);
        const rows = await readLogs(joineries.api, joineries.connectionId);
        // Leave out the health check and the warm-up calls made before the burst.
        joineryLog = summariseLog(rows.filter((row) => Date.parse(row.at) >= startedAt - 50));
      }
      const result: VariantResult = {
        id,
        label: v.label,
        strategy: v.strategy,
        joineryProcesses: v.via === 'joinery' ? v.processes : 0,
        clientProcesses: clientCount,
        calls: settings.calls,
        ok,
        failed: settings.calls - ok,
        failures,
        completionSeconds: round(completionSeconds, 2),
        idealSeconds: ideal,
        ratioToIdeal,
        provider: {
          arrivals: stats.arrivals,
          served: stats.served,
          rejected429: stats.rejected,
          tightestSpanMs: nullableRound(
            tightestSpan(
              stats.arrivalLog.map((a) => a.at),
              settings.limit,
            ),
          ),
          first429sAtSeconds: stats.arrivalLog
            .filter((a) => a.status === 429)
            .slice(0, 20)
            .map((a) => round((a.at - startedAt) / 1000, 3)),
          arrivalGroups: groupArrivals(stats.arrivalLog, startedAt),
        },
        clientRequests: results.reduce((sum, r) => sum + r.requests, 0),
        clientReceived429: results.reduce((sum, r) => sum + r.received429, 0),
        joineryLog,
        aim:
          v.via === 'joinery'
            ? {
                ratioAtMost: RATIO_AIM,
                zero429s: true,
                met: ratioToIdeal <= RATIO_AIM && stats.rejected === 0 && ok === settings.calls,
              }
            : null,
      };
      log(
        `${id}: ${ok}/${settings.calls} ok in ${result.completionSeconds} s (${ratioToIdeal}× ideal), ` +
          `${stats.rejected} × 429 at the provider`,
      );
      return result;
    } finally {
      // Stopped now, so they do not compete for the CPU with the next variant.
      for (const client of clients) await client.stop();
      for (const child of joineries?.started ?? []) await child.stop();
    }
  }

  /** Every arrival at the provider per variant, [seconds from the start, status], for a closer look. */
  const arrivalLogs: Partial<Record<VariantId, [number, number][]>> = {};
  const variants: VariantResult[] = [];
  for (const id of settings.variants) variants.push(await runVariant(id));
  await mkdir(resultsDir, { recursive: true });
  const arrivalsFile = join(resultsDir, 'rate-limit-arrivals.json');
  await writeFile(arrivalsFile, `${JSON.stringify(arrivalLogs)}\n`);

  const joinery = variants.filter((v) => v.aim !== null);
  return {
    ...run,
    settings,
    provider: {
      limit: settings.limit,
      windowMs: settings.windowMs,
      counting:
        'rolling window, counted on arrival; 429s do not count; GET /user is neither limited nor counted',
      retryAfterSeconds: 1,
      serviceMs: settings.serviceMs,
    },
    joineryCall: 'POST /v1/connections/{id}/actions/get_repository → GET /repos/bench/limited',
    idealSeconds: ideal,
    variants,
    arrivalsFile,
    aim: {
      ratioAtMost: RATIO_AIM,
      zero429s: true,
      joineryVariants: joinery.length,
      met: joinery.length > 0 && joinery.every((v) => v.aim?.met === true),
    },
  };
}

function table(report: Report): string {
  const s = report.settings;
  const lines = [
    '',
    `rate-limit: ${s.calls.toLocaleString('en-US')} calls per variant, provider allows ${s.limit} per rolling ` +
      `${s.windowMs / 1000} s (429 + Retry-After: 1 beyond), ≤ ${s.concurrency} in flight; ideal ${fmt(report.idealSeconds, 1)} s`,
    `node ${report.node}, ${report.cpus} CPUs, load average at start ${report.loadAverageAtStart.join(' ')}`,
    '',
    `${'variant'.padEnd(34)}${pad('time s', 8)}${pad('× ideal', 9)}${pad('429s', 7)}${pad('failed', 8)}` +
      `${pad('requests', 10)}${pad('tightest', 10)}  aim`,
  ];
  for (const v of report.variants) {
    const aim = v.aim ? (v.aim.met ? 'met' : 'NOT met') : '';
    lines.push(
      `${v.label.padEnd(34)}${pad(fmt(v.completionSeconds, 1), 8)}${pad(fmt(v.ratioToIdeal), 9)}` +
        `${pad(v.provider.rejected429, 7)}${pad(v.failed, 8)}${pad(v.provider.arrivals, 10)}` +
        `${pad(v.provider.tightestSpanMs === null ? '-' : `${fmt(v.provider.tightestSpanMs, 0)} ms`, 10)}  ${aim}`,
    );
  }
  lines.push(
    '',
    '429s: answered by the provider; requests: arrivals at the provider (first tries and retries);',
    `tightest: shortest time in which ${s.limit + 1} requests arrived (under ${s.windowMs} ms = over the limit).`,
    `aim for Joinery: ≤ ${RATIO_AIM}× ideal, 0 × 429, no failed call: ${report.aim.met ? 'met' : 'NOT met'}`,
  );
  for (const v of report.variants) {
    if (Object.keys(v.failures).length > 0)
      lines.push(
        `  ${v.id} failures: ${Object.entries(v.failures)
          .map(([reason, count]) => `${count} × ${reason}`)
          .join(', ')}`,
      );
    if (v.joineryLog && Object.keys(v.joineryLog.decisions).length > 0)
      lines.push(
        `  ${v.id} Joinery log: ${v.joineryLog.attempts} attempts, ${v.joineryLog.retries} retries; ` +
          Object.values(v.joineryLog.decisions)
            .map((d) => `${d.count} × "${d.example}"`)
            .join('; '),
      );
  }
  return `${lines.join('\n')}\n`;
}

await runBenchmark({
  name: 'rate-limit',
  help: HELP,
  parseSettings,
  hardCapSeconds,
  measure,
  table,
});
