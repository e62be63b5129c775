/**
 * What Joinery's proxy costs: the same GET against the same loopback upstream, once direct and once
 * through `ANY /v1/proxy/{connectionId}/{path}`, in alternating rounds (direct, proxy, direct, …)
 * so machine noise hits both. Upstream, Joinery and this load generator are three processes.
 *
 * Prints a table on stderr and one JSON object on stdout, and writes the JSON to
 * bench/results/proxy-overhead.json. Never fails on the figures; see bench/README.md.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { readyOnPort, startChild } from './child-process.js';
import { summariseCpuProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
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
import { createConnection, joineryApi, startJoineryChild } from './joinery-api.js';
import { runPhase, type PhaseResult, type RequestSpec } from './load.js';
import { median, round } from './stats.js';
import { PAYLOAD_PATH, UPSTREAM_TOKEN } from './upstream-fixture.js';

/** The aim from the issue: proxied throughput at least half of direct, on a 2-core machine. */
const THROUGHPUT_AIM = 0.5;

const HELP = `Usage: npm run bench:proxy -- [options]

Measures requests/s and p50/p99 latency of GET ${PAYLOAD_PATH} against a loopback upstream,
direct (undici) versus through Joinery's proxy, in alternating rounds.

Options:
  --concurrency <n>      requests in flight (default 32)
  --requests <n>         measured requests per round and target, at most (default 10000)
  --seconds <s>          measured time per round and target, at most (default 15)
  --rounds <n>           rounds; each runs direct, then proxy (default 2)
  --warmup-requests <n>  warm-up before each measured phase, at most (default 500)
  --warmup-seconds <s>   warm-up time before each measured phase, at most (default 1)
  --profile              CPU-profile Joinery from ready to stop, summarise its hottest
                         functions, keep the .cpuprofile in bench/results/ (profiling slows
                         Joinery: read that run's ratio as indicative only)
  --help                 this text

Output: a table on stderr, one JSON object on stdout, and bench/results/proxy-overhead.json.`;

interface Settings {
  concurrency: number;
  requests: number;
  seconds: number;
  rounds: number;
  warmupRequests: number;
  warmupSeconds: number;
  profile: boolean;
}

type Target = 'direct' | 'proxy';

interface RoundResult extends PhaseResult {
  round: number;
  target: Target;
}

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      concurrency: { type: 'string', default: '32' },
      requests: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '15' },
      rounds: { type: 'string', default: '2' },
      'warmup-requests': { type: 'string', default: '500' },
      'warmup-seconds': { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  return {
    concurrency: positiveFlag('concurrency', values.concurrency, true),
    requests: positiveFlag('requests', values.requests, true),
    seconds: positiveFlag('seconds', values.seconds, false),
    rounds: positiveFlag('rounds', values.rounds, true),
    warmupRequests: positiveFlag('warmup-requests', values['warmup-requests'], true),
    warmupSeconds: positiveFlag('warmup-seconds', values['warmup-seconds'], false),
    profile: values.profile,
  };
}

/** Start-up budget plus every phase at its time limit: the run cannot take longer than this. */
function hardCapSeconds(s: Settings): number {
  return Math.max(120, Math.ceil(60 + s.rounds * 2 * (s.seconds + s.warmupSeconds)));
}

/** One request each way before measuring: both must answer 200 with the same bytes, or the comparison is void. */
async function checkSameAnswer(pools: Record<Target, Pool>, specs: Record<Target, RequestSpec>) {
  const answers = await Promise.all(
    (['direct', 'proxy'] as const).map(async (target) => {
      const response = await pools[target].request({ method: 'GET', ...specs[target] });
      return { target, status: response.statusCode, body: await response.body.text() };
    }),
  );
  for (const answer of answers) {
    if (answer.status !== 200)
      throw new Error(`${answer.target} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  if (answers[0]!.body !== answers[1]!.body)
    throw new Error('the proxy relayed a different body than the upstream sent');
  return Buffer.byteLength(answers[0]!.body);
}

function summarise(results: RoundResult[], target: Target) {
  const mine = results.filter((r) => r.target === target);
  return {
    requestsPerSecond: round(median(mine.map((r) => r.requestsPerSecond)), 1),
    p50Ms: round(median(mine.map((r) => r.latencyMs.p50))),
    p99Ms: round(median(mine.map((r) => r.latencyMs.p99))),
  };
}

type ProfileReport = ProfileSummary & { file: string };

async function readProfile(file: string): Promise<ProfileReport> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  return { file, ...summariseCpuProfile(profile) };
}

function table(report: Report): string {
  const { settings: s } = report;
  const lines = [
    '',
    `proxy-overhead: GET ${PAYLOAD_PATH} (${report.bodyBytes} B), concurrency ${s.concurrency}, ` +
      `${s.rounds} rounds, each ≤ ${s.requests.toLocaleString('en-US')} requests or ${s.seconds} s per target`,
    `node ${report.node}, ${report.cpus} CPUs, load average at start ${report.loadAverageAtStart.join(' ')}`,
    '',
    `${'round'.padEnd(7)}${'target'.padEnd(8)}${pad('req/s', 11)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('non-2xx', 9)}${pad('errors', 8)}`,
  ];
  for (const r of report.rounds) {
    lines.push(
      `${String(r.round).padEnd(7)}${r.target.padEnd(8)}${pad(fmt(r.requestsPerSecond, 1), 11)}` +
        `${pad(fmt(r.latencyMs.p50, 3), 9)}${pad(fmt(r.latencyMs.p99, 3), 9)}${pad(r.non2xx, 9)}${pad(r.errors, 8)}`,
    );
  }
  for (const target of ['direct', 'proxy'] as const) {
    const m = report.median[target];
    lines.push(
      `${'median'.padEnd(7)}${target.padEnd(8)}${pad(fmt(m.requestsPerSecond, 1), 11)}` +
        `${pad(fmt(m.p50Ms, 3), 9)}${pad(fmt(m.p99Ms, 3), 9)}`,
    );
  }
  const { ratios, aim } = report;
  lines.push(
    '',
    `throughput proxy/direct  ${fmt(ratios.throughput)}×   aim ≥ ${THROUGHPUT_AIM}×: ${aim.met ? 'met' : 'NOT met'}`,
    `p50 proxy − direct       ${ratios.p50.proxyMinusDirectMs >= 0 ? '+' : ''}${fmt(ratios.p50.proxyMinusDirectMs, 3)} ms (${fmt(ratios.p50.proxyOverDirect)}×)`,
    `p99 proxy − direct       ${ratios.p99.proxyMinusDirectMs >= 0 ? '+' : ''}${fmt(ratios.p99.proxyMinusDirectMs, 3)} ms (${fmt(ratios.p99.proxyOverDirect)}×)`,
  );
  if (!report.problems.clean) {
    lines.push(
      '',
      `!!! ${report.problems.non2xx} non-2xx responses and ${report.problems.errors} errors during the run:`,
      `!!! the figures above are NOT a fair comparison. First problem: ${report.problems.firstProblem}`,
    );
  }
  if (report.connectionState !== 'healthy')
    lines.push(`!!! the bench connection was "${report.connectionState}", not healthy`);
  if (report.profile) {
    lines.push(
      '',
      `Joinery CPU profile (${report.profile.busyMs} ms busy of ${report.profile.wallMs} ms; ` +
        'profiling slows Joinery, so this run’s ratio is indicative only):',
      ...report.profile.topFunctions.map((f) => `${pad(fmt(f.percent, 1), 6)}%  ${f.name}`),
      '',
      'by area:',
      ...report.profile.byArea.map((a) => `${pad(fmt(a.percent, 1), 6)}%  ${a.name}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

type Report = Awaited<ReturnType<typeof measure>>;

async function measure(settings: Settings, { track, onCleanup }: RunContext) {
  const run = describeRun('proxy-overhead');
  const dataDir = await mkdtemp(join(tmpdir(), 'joinery-bench-'));
  onCleanup(() => rm(dataDir, { recursive: true, force: true }));
  const childEnv = { BENCH_CHILD_MAX_SECONDS: String(hardCapSeconds(settings) + 30) };
  const profilePath = settings.profile
    ? join(resultsDir, `joinery-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`)
    : null;
  if (profilePath) await mkdir(resultsDir, { recursive: true });

  const upstream = track(
    await startChild({
      name: 'upstream',
      script: script('./upstream.js'),
      env: childEnv,
      readyTimeoutMs: 10_000,
      parseReady: readyOnPort,
    }),
  );
  log(`upstream on ${upstream.ready.url}`);
  const started = Date.now();
  const joinery = track(
    await startJoineryChild({
      upstreamUrl: upstream.ready.url,
      dataDir,
      env: profilePath ? { ...childEnv, BENCH_CPU_PROFILE: profilePath } : childEnv,
    }),
  );
  const joineryReadyMs = Date.now() - started;
  log(`Joinery ${joinery.ready.version} on ${joinery.ready.url} (ready in ${joineryReadyMs} ms)`);
  const connection = await createConnection(
    joineryApi(joinery.ready),
    'upstream',
    'bench',
    UPSTREAM_TOKEN,
  );
  log(`connection ${connection.id} is ${connection.state}`);

  const poolOptions = {
    connections: settings.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  };
  const pools: Record<Target, Pool> = {
    direct: new Pool(upstream.ready.url, poolOptions),
    proxy: new Pool(joinery.ready.url, poolOptions),
  };
  const specs: Record<Target, RequestSpec> = {
    direct: {
      path: PAYLOAD_PATH,
      headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, accept: 'application/json' },
    },
    proxy: {
      path: `/v1/proxy/${encodeURIComponent(connection.id)}${PAYLOAD_PATH}`,
      headers: { authorization: `Bearer ${joinery.ready.key}`, accept: 'application/json' },
    },
  };
  try {
    const bodyBytes = await checkSameAnswer(pools, specs);
    const rounds: RoundResult[] = [];
    for (let n = 1; n <= settings.rounds; n += 1) {
      for (const target of ['direct', 'proxy'] as const) {
        // Warm-up per phase: reopens idle sockets and lets the JIT settle after the other target ran.
        await runPhase(pools[target], specs[target], {
          concurrency: settings.concurrency,
          requests: settings.warmupRequests,
          seconds: settings.warmupSeconds,
        });
        const result = await runPhase(pools[target], specs[target], settings);
        rounds.push({ round: n, target, ...result });
        log(
          `round ${n} ${target.padEnd(6)} ${result.responses} responses in ${result.seconds} s: ` +
            `${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms` +
            (result.non2xx || result.errors
              ? `, ${result.non2xx} non-2xx, ${result.errors} errors (${result.firstProblem})`
              : ''),
        );
      }
    }

    const direct = summarise(rounds, 'direct');
    const proxy = summarise(rounds, 'proxy');
    const throughput = round(proxy.requestsPerSecond / direct.requestsPerSecond);
    const non2xx = rounds.reduce((sum, r) => sum + r.non2xx, 0);
    const errors = rounds.reduce((sum, r) => sum + r.errors, 0);

    let profile: ProfileReport | null = null;
    if (profilePath) {
      // Joinery writes its profile as it stops.
      await joinery.stop();
      profile = await readProfile(profilePath);
    }

    return {
      ...run,
      joinery: { version: joinery.ready.version, store: 'pglite', readyMs: joineryReadyMs },
      settings,
      request: { method: 'GET', upstreamPath: PAYLOAD_PATH, proxyPath: specs.proxy.path },
      bodyBytes,
      connectionState: connection.state,
      rounds,
      median: { direct, proxy },
      ratios: {
        throughput,
        p50: {
          proxyMinusDirectMs: round(proxy.p50Ms - direct.p50Ms),
          proxyOverDirect: round(proxy.p50Ms / direct.p50Ms),
        },
        p99: {
          proxyMinusDirectMs: round(proxy.p99Ms - direct.p99Ms),
          proxyOverDirect: round(proxy.p99Ms / direct.p99Ms),
        },
      },
      aim: { throughputRatioAtLeast: THROUGHPUT_AIM, met: throughput >= THROUGHPUT_AIM },
      problems: {
        clean: non2xx === 0 && errors === 0,
        non2xx,
        errors,
        firstProblem: rounds.find((r) => r.firstProblem)?.firstProblem ?? null,
      },
      profile,
    };
  } finally {
    await Promise.all([pools.direct.destroy(), pools.proxy.destroy()]);
  }
}

await runBenchmark({
  name: 'proxy-overhead',
  help: HELP,
  parseSettings,
  hardCapSeconds,
  measure,
  table,
});
