/**
 * One load-generating process of the rate-limit benchmark: fires its share of the burst with
 * bounded concurrency, the way its `strategy` says (see `rate-limit-plan.ts`), once the parent
 * says `go`. Usage: `node rate-limit-client.js '<ClientPlan as JSON>'`. Prints
 * `{"benchReady":{}}` once loaded, then `{"benchResult": ClientResult}`.
 */
import Bottleneck from 'bottleneck';
import pRetry from 'p-retry';
import { Pool } from 'undici';
import {
  announceReady,
  announceResult,
  endWithParent,
  lifetimeFromEnv,
  waitForGo,
} from './child-lifetime.js';
import { runCalls } from './load.js';
import type { CallTarget, ClientPlan, ClientResult } from './rate-limit-plan.js';

const plan = JSON.parse(process.argv[2] ?? 'null') as ClientPlan | null;
if (!plan) {
  process.stderr.write("usage: node rate-limit-client.js '<ClientPlan JSON>'\n");
  process.exit(64);
}

/** A non-2xx answer (or a 2xx with the wrong body), as the retry libraries see it: an error. */
class CallFailed extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(reason);
    this.name = 'CallFailed';
  }
}

const pools = new Map(
  [...new Set(plan.targets.map((t) => t.origin))].map((origin) => [
    origin,
    new Pool(origin, { connections: plan.concurrency, pipelining: 1, keepAliveTimeout: 30_000 }),
  ]),
);
let requests = 0;
let received429 = 0;

/** One HTTP request; resolves on a good answer, throws `CallFailed` or the transport's error. */
async function attempt(target: CallTarget): Promise<void> {
  requests += 1;
  const response = await pools.get(target.origin)!.request({
    method: target.method,
    path: target.path,
    headers: target.headers,
    body: target.body,
    headersTimeout: plan!.requestTimeoutMs,
    bodyTimeout: plan!.requestTimeoutMs,
  });
  const text = await response.body.text();
  if (response.statusCode === 200 && text.includes(plan!.expect)) return;
  if (response.statusCode === 429) received429 += 1;
  const retryAfter = Number(response.headers['retry-after']);
  throw new CallFailed(
    response.statusCode,
    `${response.statusCode}${errorCode(text)}`,
    Number.isFinite(retryAfter) ? retryAfter : null,
  );
}

/** Joinery's error envelope names a code; the provider's does not. */
function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? ` ${code}` : '';
  } catch {
    return ' (not JSON)';
  }
}

function makeCall(): (target: CallTarget) => Promise<void> {
  switch (plan!.strategy) {
    case 'plain':
      return attempt;
    case 'p-retry':
      // As the README's first example: retries on any thrown error, exponential backoff from 1 s.
      return (target) => pRetry(() => attempt(target), { retries: 5 });
    case 'bottleneck': {
      const limiter = new Bottleneck({ minTime: Math.ceil(plan!.windowMs / plan!.limit) });
      limiter.on('failed', (error: unknown, info: Bottleneck.EventInfoRetryable) => {
        // The README's "Retries" example retries once; here after what the provider asked for.
        if (info.retryCount > 0 || !(error instanceof CallFailed) || error.status !== 429)
          return undefined;
        return (error.retryAfterSeconds ?? 1) * 1000;
      });
      return (target) => limiter.schedule(() => attempt(target));
    }
  }
}

const call = makeCall();
const failures: Record<string, number> = {};
let ok = 0;
announceReady({});
endWithParent(async () => {
  await Promise.all([...pools.values()].map((pool) => pool.destroy()));
}, lifetimeFromEnv());
await waitForGo();

const startedAt = Date.now();
const started = await runCalls(
  plan.calls,
  plan.concurrency,
  async (index) => {
    try {
      await call(plan.targets[index % plan.targets.length]!);
      ok += 1;
    } catch (error) {
      const reason =
        error instanceof CallFailed ? error.reason : (error as Error).name || 'unknown error';
      failures[reason] = (failures[reason] ?? 0) + 1;
    }
  },
  startedAt + plan.budgetMs,
);
const finishedAt = Date.now();
if (started < plan.calls) failures['not started'] = plan.calls - started;
const result: ClientResult = {
  startedAt,
  finishedAt,
  calls: plan.calls,
  started,
  ok,
  failed: plan.calls - ok,
  failures,
  requests,
  received429,
};
announceResult({ ...result });
