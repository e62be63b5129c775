/**
 * Thousands of action calls through Joinery against the GitHub sandbox while the sandbox breaks a
 * seeded fifth of them (5xx, resets, bodies cut mid-way, malformed and empty 200s, latency, 429s),
 * then a check of every answer against what the sandbox really holds: no malformed answer may come
 * back as data, and no write with an `Idempotency-Key` may create its issue twice. The same calls
 * without faults, in the same run, give the ideal time.
 *
 * Prints a table on stderr and one JSON object on stdout, and writes the JSON to
 * bench/results/fault-soak.json. Never fails on the figures; see bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { RecordedRequest } from '@joinery/sandbox';
import { Pool, request } from 'undici';
import { startChild } from './child-process.js';
import { planCalls, type CallKind, type PlannedCall } from './fault-plan.js';
import {
  describeRun,
  fmt,
  fractionFlag,
  log,
  pad,
  positiveFlag,
  runBenchmark,
  type RunContext,
} from './harness.js';
import {
  createConnection,
  joineryApi,
  readLogs,
  startJoineryChild,
  type LogRow,
} from './joinery-api.js';
import { runCalls } from './load.js';
import { round } from './stats.js';

const OWNER = 'mona';
/** Read, never written during the run: every read's answer must equal what it holds. */
const READ_REPO = 'hello-world';
/** Where the writes go, so that they do not change what the reads return. */
const WRITE_REPO = 'spoon-knife';
const LIST_LIMIT = 5;
/** Faults after which the provider has acted on the request but the caller has no usable answer. */
const LOST_ANSWER = new Set(['reset_mid_body', 'malformed', 'empty']);
/** Longest a caller waits between its own retries of a keyed write. */
const MAX_CLIENT_WAIT_MS = 5_000;
/** Joinery's own deadline for a call is 60 s. */
const CALL_TIMEOUT_MS = 65_000;

const HELP = `Usage: npm run bench:fault-soak -- [options]

Runs the same seeded mix of GitHub action calls through Joinery twice against the sandbox: without
faults (the ideal time) and with a seeded share of calls broken by the sandbox's fault schedule,
alternating in rounds. Checks every answer against the sandbox's state and counts the issues each write created.

Options:
  --calls <n>           calls per phase (default 3000)
  --fault-rate <0..1>   share of calls that get a fault (default 0.2)
  --seed <n>            PRNG seed of the call mix and the fault schedule (default 42)
  --concurrency <n>     calls in flight (default 16)
  --connections <n>     connections (tenants) the calls are spread over (default 4)
  --client-retries <n>  retries of a keyed write by the caller, same key (default 3)
  --rounds <n>          the phases alternate in this many rounds, each a slice of the plan,
                        so that machine noise hits both (default 3)
  --warmup <n>          calls before the first round, not measured (default 200)
  --help                this text

Output: a table on stderr, one JSON object on stdout, and bench/results/fault-soak.json.`;

interface Settings {
  calls: number;
  faultRate: number;
  seed: number;
  concurrency: number;
  connections: number;
  clientRetries: number;
  rounds: number;
  warmup: number;
}

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string', default: '3000' },
      'fault-rate': { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '42' },
      concurrency: { type: 'string', default: '16' },
      connections: { type: 'string', default: '4' },
      'client-retries': { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '200' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const clientRetries = Number(values['client-retries']);
  if (!Number.isInteger(clientRetries) || clientRetries < 0 || clientRetries > 10)
    throw new Error(`--client-retries "${values['client-retries']}" is not 0 to 10; see --help`);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`--warmup "${values.warmup}" is not a whole number ≥ 0; see --help`);
  return {
    calls: positiveFlag('calls', values.calls, true),
    faultRate: fractionFlag('fault-rate', values['fault-rate']),
    seed: positiveFlag('seed', values.seed, true),
    concurrency: positiveFlag('concurrency', values.concurrency, true),
    connections: positiveFlag('connections', values.connections, true),
    clientRetries,
    rounds: positiveFlag('rounds', values.rounds, true),
    warmup,
  };
}

/** No call of a round's phase starts later than this after it began. */
const chunkBudgetSeconds = (s: Settings) =>
  Math.max(60, Math.ceil(s.calls / Math.min(s.rounds, s.calls) / 10));

function hardCapSeconds(s: Settings): number {
  // Start-up and warm-up, every round's two phases at their budget plus the slowest call, checks.
  return 240 + 2 * Math.min(s.rounds, s.calls) * (chunkBudgetSeconds(s) + 90);
}

type Phase = 'warmup' | 'ideal' | 'faults';

interface Attempt {
  status: number;
  /** Joinery's error code; null for a 200. */
  code: string | null;
  message: string | null;
  requestId: string | null;
  replayed: boolean;
}

interface CallRecord {
  index: number;
  kind: CallKind;
  fault: string | null;
  connectionId: string;
  title: string | null;
  attempts: Attempt[];
  /** The output of a 200; undefined otherwise. */
  output: unknown;
  /** The last attempt's error code; null when data came back. */
  errorCode: string | null;
}

const requestPath = (kind: CallKind) =>
  kind === 'get_repository'
    ? `/repos/${OWNER}/${READ_REPO}`
    : kind === 'list_issues'
      ? `/repos/${OWNER}/${READ_REPO}/issues`
      : `/repos/${OWNER}/${WRITE_REPO}/issues`;

const actionName = (kind: CallKind) =>
  kind === 'create_issue_keyed' ? 'create_issue' : (kind as string);

/** The outcome of one logical write, from the caller's answer and the issues the sandbox holds. */
type WriteOutcome =
  | 'created once, data returned'
  | 'not created, error returned'
  | 'created once, error returned'
  | 'created more than once'
  | 'data returned, nothing created';

interface WriteTally {
  writes: number;
  outcomes: Partial<Record<WriteOutcome, number>>;
  /** Logical writes whose issue exists more than once. */
  duplicated: number;
  /** Issues beyond the first, summed over duplicated writes. */
  extraIssues: number;
  /** Call indexes of the duplicated writes (the first 50). */
  duplicatedIndexes: number[];
}

interface PhaseReport {
  phase: Phase;
  /** Summed over the rounds. */
  seconds: number;
  roundSeconds: number[];
  calls: number;
  started: number;
  data: number;
  typedErrors: number;
  /** Typed errors by Joinery's code, per call kind. */
  errorsByCode: Record<string, Record<string, number>>;
  /** Answers that were neither data nor Joinery's error envelope (should be 0). */
  untyped: number;
  /** Caller retries of keyed writes (same key). */
  clientRetries: number;
  /** Answers replayed from the idempotency store. */
  replayed: number;
  verification: Verification;
}

interface Verification {
  /** Answers returned as data that do not match the sandbox's state: the aim is 0. */
  malformedAsData: number;
  malformedExamples: { index: number; kind: CallKind; fault: string | null; why: string }[];
  /** Successful answers checked against the sandbox, by kind. */
  checked: Record<string, number>;
  keyedWrites: WriteTally;
  unkeyedWrites: WriteTally;
  /** Issues in the write repository that no logical write of the phase asked for. */
  strayIssues: number;
}

function tally(): WriteTally {
  return { writes: 0, outcomes: {}, duplicated: 0, extraIssues: 0, duplicatedIndexes: [] };
}

type Report = Awaited<ReturnType<typeof measure>>;

async function measure(settings: Settings, { track, onCleanup }: RunContext) {
  const run = describeRun('fault-soak');
  const childEnv = { BENCH_CHILD_MAX_SECONDS: String(hardCapSeconds(settings) + 30) };
  const runId = randomBytes(4).toString('hex');
  const token = `ghp_bench_${randomBytes(12).toString('hex')}`;

  const sandbox = track(
    await startChild({
      name: 'sandbox',
      script: script('./sandbox-process.js'),
      args: [token, OWNER],
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
  log(`sandbox on ${sandboxUrl}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'joinery-bench-soak-'));
  onCleanup(() => rm(dataDir, { recursive: true, force: true }));
  const joinery = track(
    await startJoineryChild({ upstreamUrl: `${sandboxUrl}/github`, dataDir, env: childEnv }),
  );
  const api = joineryApi(joinery.ready);
  const connections: string[] = [];
  for (let i = 1; i <= settings.connections; i += 1) {
    const connection = await createConnection(api, 'upstream', `soak-${i}`, token);
    if (connection.state !== 'healthy')
      throw new Error(`connection ${connection.id} is "${connection.state}", not healthy`);
    connections.push(connection.id);
  }
  log(
    `Joinery ${joinery.ready.version} on ${joinery.ready.url} (${joinery.ready.store}), ` +
      `${connections.length} connections`,
  );

  const pool = new Pool(joinery.ready.url, {
    connections: settings.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  onCleanup(() => pool.destroy());
  const direct = new Pool(sandboxUrl, { connections: 16, pipelining: 1 });
  onCleanup(() => direct.destroy());

  /** The sandbox, without Joinery in between: the truth the answers are checked against. */
  async function sandboxGet(path: string): Promise<unknown> {
    const response = await direct.request({
      method: 'GET',
      path: `/github${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      },
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`sandbox GET ${path} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  }

  async function control(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    const response = await request(`${sandboxUrl}/_sandbox${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300)
      throw new Error(
        `sandbox ${method} /_sandbox${path} answered ${response.statusCode}: ${text}`,
      );
    return JSON.parse(text) as unknown;
  }

  async function callAction(
    connectionId: string,
    action: string,
    input: unknown,
    headers: Record<string, string>,
  ): Promise<{ attempt: Attempt; output: unknown }> {
    try {
      const response = await pool.request({
        method: 'POST',
        path: `/v1/connections/${encodeURIComponent(connectionId)}/actions/${action}`,
        headers: {
          authorization: `Bearer ${joinery.ready.key}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({ input }),
        headersTimeout: CALL_TIMEOUT_MS,
        bodyTimeout: CALL_TIMEOUT_MS,
      });
      const text = await response.body.text();
      const replayed = response.headers['idempotent-replayed'] === 'true';
      let json: { output?: unknown; error?: Record<string, unknown> } | undefined;
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        json = undefined;
      }
      if (response.statusCode === 200 && json && 'output' in json) {
        return {
          attempt: { status: 200, code: null, message: null, requestId: null, replayed },
          output: json.output,
        };
      }
      const error = json?.error;
      return {
        attempt: {
          status: response.statusCode,
          code: typeof error?.code === 'string' ? error.code : 'untyped',
          message:
            typeof error?.message === 'string' ? error.message.slice(0, 300) : text.slice(0, 300),
          requestId: typeof error?.requestId === 'string' ? error.requestId : null,
          replayed,
        },
        output: error && typeof error.retryable === 'boolean' ? error : undefined,
      };
    } catch (error) {
      return {
        attempt: {
          status: 0,
          code: 'untyped',
          message: `${(error as Error).name}: ${(error as Error).message}`,
          requestId: null,
          replayed: false,
        },
        output: undefined,
      };
    }
  }

  async function runCall(call: PlannedCall, phase: Phase): Promise<CallRecord> {
    const connectionId = connections[call.index % connections.length]!;
    const write = call.kind === 'create_issue' || call.kind === 'create_issue_keyed';
    const title = write ? `soak ${runId} ${phase} w${call.index}` : null;
    const input =
      call.kind === 'get_repository'
        ? { owner: OWNER, repo: READ_REPO }
        : call.kind === 'list_issues'
          ? { owner: OWNER, repo: READ_REPO, limit: LIST_LIMIT }
          : { owner: OWNER, repo: WRITE_REPO, title, body: `Logical write ${call.index}.` };
    const headers: Record<string, string> =
      call.kind === 'create_issue_keyed'
        ? { 'idempotency-key': `soak-${runId}-${phase}-${call.index}` }
        : {};
    const fault = phase === 'faults' ? call.fault : null;
    if (fault) {
      // The next request to this method and path gets the fault: usually this call's first try,
      // sometimes a concurrent call to the same path (the same kind of request).
      await control('POST', '/faults', {
        provider: 'github',
        method: write ? 'POST' : 'GET',
        path: requestPath(call.kind),
        fault: fault.fault,
        times: 1,
      });
    }
    const record: CallRecord = {
      index: call.index,
      kind: call.kind,
      fault: fault?.name ?? null,
      connectionId,
      title,
      attempts: [],
      output: undefined,
      errorCode: null,
    };
    const maxAttempts = call.kind === 'create_issue_keyed' ? 1 + settings.clientRetries : 1;
    for (let n = 1; n <= maxAttempts; n += 1) {
      const { attempt, output } = await callAction(
        connectionId,
        actionName(call.kind),
        input,
        headers,
      );
      record.attempts.push(attempt);
      if (attempt.status === 200) {
        record.output = output;
        record.errorCode = null;
        break;
      }
      record.errorCode = attempt.code;
      const error = output as { retryable?: boolean; retryAfterMs?: number } | undefined;
      if (n === maxAttempts || error?.retryable !== true) break;
      // What a careful caller does with a key: wait as asked (or back off), retry the same request.
      await sleep(Math.min(error.retryAfterMs ?? 250 * 2 ** (n - 1), MAX_CLIENT_WAIT_MS));
    }
    return record;
  }

  interface PhaseRun {
    records: CallRecord[];
    seconds: number;
    roundSeconds: number[];
    started: number;
    /** When each round's part of the phase ran (epoch ms), to tell its requests and log rows apart. */
    windows: { from: number; to: number }[];
  }
  const emptyRun = (): PhaseRun => ({
    records: [],
    seconds: 0,
    roundSeconds: [],
    started: 0,
    windows: [],
  });
  const within = (run: PhaseRun, at: number) =>
    run.windows.some((window) => at >= window.from && at <= window.to);

  /** Runs `calls` (a slice of the plan) as `phase`, adding to `run`. */
  async function runPart(phase: Phase, calls: PlannedCall[], run: PhaseRun, label: string) {
    const from = Date.now();
    const count = await runCalls(
      calls.length,
      settings.concurrency,
      async (i) => {
        run.records.push(await runCall(calls[i]!, phase));
      },
      from + chunkBudgetSeconds(settings) * 1000,
    );
    const to = Date.now();
    const seconds = (to - from) / 1000;
    run.seconds += seconds;
    run.roundSeconds.push(round(seconds, 2));
    run.started += count;
    run.windows.push({ from, to });
    log(`${label}: ${count} of ${calls.length} calls in ${round(seconds, 2)} s`);
  }

  async function verify(records: CallRecord[], phase: Phase): Promise<Verification> {
    const malformedExamples: Verification['malformedExamples'] = [];
    let malformedAsData = 0;
    const bad = (record: CallRecord, why: string) => {
      malformedAsData += 1;
      if (malformedExamples.length < 10)
        malformedExamples.push({
          index: record.index,
          kind: record.kind,
          fault: record.fault,
          why,
        });
    };
    const checked: Record<string, number> = {};
    const repository = await sandboxGet(`/repos/${OWNER}/${READ_REPO}`);
    const firstIssues = await sandboxGet(
      `/repos/${OWNER}/${READ_REPO}/issues?per_page=${LIST_LIMIT}`,
    );
    const issues = new Map<string, { number: number }[]>();
    for (let page = 1; page <= 1000; page += 1) {
      const items = (await sandboxGet(
        `/repos/${OWNER}/${WRITE_REPO}/issues?state=all&per_page=100&page=${page}`,
      )) as { number: number; title: string }[];
      for (const item of items) issues.set(item.title, [...(issues.get(item.title) ?? []), item]);
      if (items.length < 100) break;
    }
    const keyed = tally();
    const unkeyed = tally();
    const titles = new Set<string>();
    const writesToCheck: { record: CallRecord; number: number }[] = [];
    for (const record of records) {
      const data = record.errorCode === null && record.attempts.length > 0;
      if (record.kind === 'get_repository' || record.kind === 'list_issues') {
        if (!data) continue;
        checked[record.kind] = (checked[record.kind] ?? 0) + 1;
        const truth = record.kind === 'get_repository' ? repository : firstIssues;
        if (!isDeepStrictEqual(record.output, truth))
          bad(record, 'differs from what the sandbox holds');
        continue;
      }
      const title = record.title!;
      titles.add(title);
      const created = issues.get(title)?.length ?? 0;
      const t = record.kind === 'create_issue_keyed' ? keyed : unkeyed;
      t.writes += 1;
      const outcome: WriteOutcome =
        created > 1
          ? 'created more than once'
          : data
            ? created === 1
              ? 'created once, data returned'
              : 'data returned, nothing created'
            : created === 1
              ? 'created once, error returned'
              : 'not created, error returned';
      t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
      if (created > 1) {
        t.duplicated += 1;
        t.extraIssues += created - 1;
        if (t.duplicatedIndexes.length < 50) t.duplicatedIndexes.push(record.index);
      }
      if (!data) continue;
      const output = record.output as { number?: unknown; title?: unknown } | undefined;
      if (created === 0) bad(record, 'an issue came back as data but the sandbox has none');
      else if (typeof output?.number !== 'number' || output.title !== title)
        bad(record, `the issue returned is not the one written (title ${String(output?.title)})`);
      else writesToCheck.push({ record, number: output.number });
    }
    // Every issue returned as data must be the sandbox's issue, field for field.
    await runCalls(writesToCheck.length, 16, async (i) => {
      const { record, number } = writesToCheck[i]!;
      const truth = await sandboxGet(`/repos/${OWNER}/${WRITE_REPO}/issues/${number}`);
      checked[record.kind] = (checked[record.kind] ?? 0) + 1;
      if (!isDeepStrictEqual(record.output, truth))
        bad(record, `differs from the sandbox's issue #${number}`);
    });
    let strayIssues = 0;
    for (const [title, found] of issues)
      if (title.startsWith(`soak ${runId} ${phase} `) && !titles.has(title))
        strayIssues += found.length;
    return {
      malformedAsData,
      malformedExamples,
      checked,
      keyedWrites: keyed,
      unkeyedWrites: unkeyed,
      strayIssues,
    };
  }

  function phaseReport(phase: Phase, run: PhaseRun, verification: Verification): PhaseReport {
    const errorsByCode: Record<string, Record<string, number>> = {};
    let data = 0;
    let untyped = 0;
    let clientRetries = 0;
    let replayed = 0;
    for (const record of run.records) {
      clientRetries += Math.max(0, record.attempts.length - 1);
      replayed += record.attempts.filter((a) => a.replayed).length;
      if (record.errorCode === null) {
        data += 1;
        continue;
      }
      if (record.errorCode === 'untyped') untyped += 1;
      const byKind = (errorsByCode[record.errorCode] ??= {});
      byKind[record.kind] = (byKind[record.kind] ?? 0) + 1;
    }
    return {
      phase,
      seconds: round(run.seconds, 2),
      roundSeconds: run.roundSeconds,
      calls: run.records.length,
      started: run.started,
      data,
      typedErrors: run.records.length - data - untyped,
      errorsByCode,
      untyped,
      clientRetries,
      replayed,
      verification,
    };
  }

  // Control: a clean call through Joinery must answer exactly what the sandbox holds, or the
  // comparison below would count Joinery's own (correct) shaping of an answer as a fault.
  const probe = await callAction(
    connections[0]!,
    'get_repository',
    { owner: OWNER, repo: READ_REPO },
    {},
  );
  if (!isDeepStrictEqual(probe.output, await sandboxGet(`/repos/${OWNER}/${READ_REPO}`)))
    throw new Error(
      "a clean get_repository through Joinery differs from the sandbox's answer; the checks would be void",
    );

  const plan = planCalls(settings.calls, settings.seed, settings.faultRate);
  if (settings.warmup > 0)
    await runPart(
      'warmup',
      planCalls(settings.warmup, settings.seed + 1, 0),
      emptyRun(),
      'warm-up',
    );

  // Ideal and faulted parts alternate, so that what else runs on the machine hits both alike.
  const ideal = emptyRun();
  const faults = emptyRun();
  const rounds = Math.min(settings.rounds, settings.calls);
  let faultRulesLeftUnused = 0;
  for (let r = 0; r < rounds; r += 1) {
    const part = plan.slice(
      Math.floor((r * plan.length) / rounds),
      Math.floor(((r + 1) * plan.length) / rounds),
    );
    const label = `round ${r + 1}/${rounds}`;
    await runPart('ideal', part, ideal, `${label} ideal`);
    await runPart('faults', part, faults, `${label} faults`);
    // Every armed rule is consumed by the request it was armed for; none may reach the next part.
    faultRulesLeftUnused += ((await control('GET', '/faults')) as { pending: number }).pending;
    await control('DELETE', '/faults');
  }
  for (const run of [ideal, faults]) run.records.sort((a, b) => a.index - b.index);
  const recorded = (await control('GET', '/requests')) as {
    requests: RecordedRequest[];
    counts: Record<string, number>;
  };
  const idealReport = phaseReport('ideal', ideal, await verify(ideal.records, 'ideal'));
  const faultReport = phaseReport('faults', faults, await verify(faults.records, 'faults'));

  // What the sandbox did in the faulted parts: every request, with the fault it got.
  const totalRequests = Object.values(recorded.counts).reduce((sum, n) => sum + n, 0);
  const faultPhaseRequests = recorded.requests.filter((entry) =>
    within(faults, Date.parse(entry.receivedAt)),
  );
  const appliedByFault: Record<string, number> = {};
  for (const entry of faultPhaseRequests) {
    if (!entry.fault) continue;
    const name =
      entry.fault === 'status' || entry.fault === 'rate_limit'
        ? `${entry.fault} ${entry.status ?? '?'}`
        : entry.fault;
    appliedByFault[name] = (appliedByFault[name] ?? 0) + 1;
  }
  const armed = plan.filter((call) => call.fault !== null);
  const armedByFault: Record<string, number> = {};
  for (const call of armed)
    armedByFault[call.fault!.name] = (armedByFault[call.fault!.name] ?? 0) + 1;

  // Joinery's request log for the faulted phase: what it retried, and why it stopped.
  await sleep(300);
  const rows: LogRow[] = [];
  for (const id of connections) rows.push(...(await readLogs(api, id)));
  const phaseRows = rows.filter(
    (row) => row.source === 'action' && within(faults, Date.parse(row.at)),
  );
  const byRequestId = new Map(phaseRows.map((row) => [row.requestId, row]));
  const decisions: Record<string, { count: number; example: string }> = {};
  for (const row of phaseRows) {
    if (!row.decision) continue;
    const kind = row.decision
      .replace(/\d+/g, 'N')
      .replace(/ in N ms.*$/, '')
      .replace(/\(.*\)/, '(…)');
    decisions[kind] ??= { count: 0, example: row.decision };
    decisions[kind].count += 1;
  }

  // The sandbox's requests for each logical write, by its title.
  const writeRequests = new Map<string, RecordedRequest[]>();
  for (const entry of faultPhaseRequests) {
    const title = (entry.body as { title?: unknown } | null)?.title;
    if (entry.method !== 'POST' || typeof title !== 'string') continue;
    writeRequests.set(title, [...(writeRequests.get(title) ?? []), entry]);
  }
  // Writes of which at least one request took effect at the sandbox but lost its answer
  // (`reset_mid_body`, `malformed`, `empty` let the handler run): did the caller get a duplicate?
  const duplicatedIndexes = new Set([
    ...faultReport.verification.keyedWrites.duplicatedIndexes,
    ...faultReport.verification.unkeyedWrites.duplicatedIndexes,
  ]);
  const answerLost = (kind: CallKind) => {
    const writes = faults.records.filter((record) => record.kind === kind);
    const lost = writes.filter((record) =>
      (writeRequests.get(record.title!) ?? []).some((entry) => LOST_ANSWER.has(entry.fault ?? '')),
    );
    return {
      writes: writes.length,
      withAnswerLost: lost.length,
      duplicated: lost.filter((record) => duplicatedIndexes.has(record.index)).length,
      duplicatedWithoutLostAnswer: writes.filter(
        (record) => duplicatedIndexes.has(record.index) && !lost.includes(record),
      ).length,
    };
  };
  const lostAnswers = {
    keyed: answerLost('create_issue_keyed'),
    unkeyed: answerLost('create_issue'),
  };

  // Evidence for the first keyed writes that created more than one issue.
  const duplicated = new Set(faultReport.verification.keyedWrites.duplicatedIndexes.slice(0, 5));
  const duplicateExamples = faults.records
    .filter((record) => duplicated.has(record.index))
    .map((record) => ({ record, requests: writeRequests.get(record.title!) ?? [] }))
    .map(({ record, requests }) => ({
      index: record.index,
      title: record.title,
      armedFault: record.fault,
      callerAttempts: record.attempts.map((attempt) => ({
        status: attempt.status,
        code: attempt.code,
        message: attempt.message,
        joineryDecision: attempt.requestId
          ? (byRequestId.get(attempt.requestId)?.decision ?? null)
          : null,
      })),
      sandboxRequests: requests.map((entry) => ({
        seq: entry.seq,
        fault: entry.fault,
        status: entry.status,
      })),
    }));

  const aims = {
    malformedAsData: { aim: 0, value: faultReport.verification.malformedAsData },
    duplicateKeyedWrites: { aim: 0, value: faultReport.verification.keyedWrites.duplicated },
  };
  return {
    ...run,
    joinery: { version: joinery.ready.version, store: joinery.ready.store },
    sandbox: 'startSandbox() in its own process, driven through its control API',
    settings,
    mix: {
      calls: Object.fromEntries(
        (['get_repository', 'list_issues', 'create_issue_keyed', 'create_issue'] as const).map(
          (kind) => [kind, plan.filter((call) => call.kind === kind).length],
        ),
      ),
      faultsArmed: armed.length,
      armedByFault,
    },
    provider: {
      requestsInFaultedPhase: faultPhaseRequests.length,
      requestsInRun: totalRequests,
      /** The sandbox keeps its last 10,000 requests; fewer recorded than received means truncated. */
      recordedRequests: recorded.requests.length,
      faultsApplied: Object.values(appliedByFault).reduce((sum, n) => sum + n, 0),
      appliedByFault,
      faultRulesLeftUnused,
    },
    phases: { ideal: idealReport, faults: faultReport },
    completionRatio: round(faults.seconds / ideal.seconds),
    joineryLog: { attempts: phaseRows.length, decisions },
    lostAnswers,
    duplicateExamples,
    aims: {
      ...aims,
      met:
        aims.malformedAsData.value === aims.malformedAsData.aim &&
        aims.duplicateKeyedWrites.value === aims.duplicateKeyedWrites.aim,
    },
  };
}

const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${count} ${name}`)
    .join(', ') || 'none';

function writesLine(label: string, t: WriteTally): string {
  return `${label.padEnd(16)}${pad(t.writes, 6)}  ${list(t.outcomes)}`;
}

function table(report: Report): string {
  const s = report.settings;
  const { ideal, faults } = report.phases;
  const lines = [
    '',
    `fault-soak: ${s.calls.toLocaleString('en-US')} calls per phase through Joinery (${report.joinery.store}) ` +
      `against the GitHub sandbox, ≤ ${s.concurrency} in flight over ${s.connections} connections, seed ${s.seed}`,
    `mix: ${list(report.mix.calls)}`,
    `node ${report.node}, ${report.cpus} CPUs, load average at start ${report.loadAverageAtStart.join(' ')}`,
    `faults armed for ${report.mix.faultsArmed} calls (${fmt((100 * report.mix.faultsArmed) / s.calls, 1)} %); ` +
      `the sandbox applied ${report.provider.faultsApplied} to ${report.provider.requestsInFaultedPhase} requests: ${list(report.provider.appliedByFault)}`,
    '',
    `${'phase'.padEnd(8)}${pad('time s', 8)}${pad('calls', 7)}${pad('data', 7)}${pad('errors', 8)}` +
      `  per round (s)        typed errors by code`,
  ];
  for (const phase of [ideal, faults]) {
    const byCode: Record<string, number> = {};
    for (const [code, kinds] of Object.entries(phase.errorsByCode))
      byCode[code] = Object.values(kinds).reduce((sum, n) => sum + n, 0);
    lines.push(
      `${phase.phase.padEnd(8)}${pad(fmt(phase.seconds, 1), 8)}${pad(phase.calls, 7)}${pad(phase.data, 7)}` +
        `${pad(phase.calls - phase.data, 8)}  ${phase.roundSeconds
          .map((n) => fmt(n, 1))
          .join(' + ')
          .padEnd(21)}${list(byCode)}`,
    );
  }
  const v = faults.verification;
  lines.push(
    `completion time, faults ÷ ideal: ${fmt(report.completionRatio)}×` +
      ` (caller retries of keyed writes: ${faults.clientRetries}, replayed answers: ${faults.replayed})`,
    '',
    'checked against the sandbox after the faulted phase:',
    `  answers returned as data ${pad(
      Object.values(v.checked).reduce((a, b) => a + b, 0),
      6,
    )}, ` +
      `not matching the sandbox (malformed as data): ${v.malformedAsData}   aim 0: ${v.malformedAsData === 0 ? 'met' : 'NOT met'}`,
    `  ${writesLine('keyed writes', v.keyedWrites)}`,
    `      duplicated: ${v.keyedWrites.duplicated} (${v.keyedWrites.extraIssues} extra issues)   aim 0: ${v.keyedWrites.duplicated === 0 ? 'met' : 'NOT met'}`,
    `      ${report.lostAnswers.keyed.withAnswerLost} keyed writes had an answer lost after the sandbox acted ` +
      `(reset_mid_body, malformed, empty): ${report.lostAnswers.keyed.duplicated} of them duplicated; ` +
      `duplicated otherwise: ${report.lostAnswers.keyed.duplicatedWithoutLostAnswer}`,
    `  ${writesLine('unkeyed writes', v.unkeyedWrites)}`,
    `      duplicated: ${v.unkeyedWrites.duplicated}; created but the caller got an error (lost): ` +
      `${v.unkeyedWrites.outcomes['created once, error returned'] ?? 0}`,
    `  control (no faults): malformed as data ${ideal.verification.malformedAsData}, keyed duplicated ` +
      `${ideal.verification.keyedWrites.duplicated}, unkeyed duplicated ${ideal.verification.unkeyedWrites.duplicated}`,
  );
  if (v.malformedExamples.length > 0)
    lines.push(
      '  malformed as data, e.g.: ' +
        v.malformedExamples
          .slice(0, 3)
          .map((e) => `#${e.index} ${e.kind} (${e.fault ?? 'no fault'}): ${e.why}`)
          .join('; '),
    );
  for (const example of report.duplicateExamples.slice(0, 2)) {
    lines.push(
      `  duplicate write #${example.index} (fault armed by this call: ${example.armedFault ?? 'none'}):`,
      ...example.sandboxRequests.map(
        (r) =>
          `    sandbox request ${r.seq}: fault ${r.fault ?? 'none'}, status ${r.status ?? 'none'}`,
      ),
      ...example.callerAttempts.map(
        (a, i) =>
          `    caller attempt ${i + 1}: ${a.status}${a.code ? ` ${a.code}` : ''}` +
          (a.message ? ` "${a.message.slice(0, 90)}"` : '') +
          (a.joineryDecision ? ` → Joinery: "${a.joineryDecision}"` : ''),
      ),
    );
  }
  if (report.provider.faultRulesLeftUnused > 0)
    lines.push(`!!! ${report.provider.faultRulesLeftUnused} armed fault rules were never used`);
  if (faults.untyped > 0 || ideal.untyped > 0)
    lines.push(
      `!!! answers that were neither data nor a typed error: ${ideal.untyped + faults.untyped}`,
    );
  lines.push(
    `aims (0 malformed as data, 0 duplicate keyed writes): ${report.aims.met ? 'met' : 'NOT met'}`,
  );
  return `${lines.join('\n')}\n`;
}

await runBenchmark({
  name: 'fault-soak',
  help: HELP,
  parseSettings,
  hardCapSeconds,
  measure,
  table,
});
