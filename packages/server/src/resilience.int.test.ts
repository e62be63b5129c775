import { randomBytes } from 'node:crypto';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import type { LogEntry } from '@joinery/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJoinery, type TestJoinery } from './test-harness.js';

/*
 * The resilient call pipeline against the GitHub sandbox's fault schedule: each fault kind, retry
 * rules, the circuit breaker, pre-throttling, deadlines, idempotency and schema drift.
 */
describe('resilient call pipeline', () => {
  const token = `ghp_${randomBytes(16).toString('hex')}`;
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let seq = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    joinery = await startTestJoinery('pglite', {
      resilience: {
        breaker: { failureThreshold: 5, openMs: 400, maxOpenMs: 1_000 },
        retry: { baseDelayMs: 20 },
      },
    });
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  /** A fresh integration and connection, so breaker and throttle state never leak between tests. */
  async function connect(extra: Record<string, unknown> = {}): Promise<string> {
    const key = `gh-${++seq}`;
    const put = await joinery.api('PUT', `/v1/integrations/${key}`, {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
      ...extra,
    });
    expect(put.status).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: key,
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  const getRepo = (id: string, headers: Record<string, string> = {}) =>
    joinery.api(
      'POST',
      `/v1/connections/${id}/actions/get_repository`,
      { input: { owner: 'mona', repo: 'hello-world' } },
      headers,
    );
  const logsOf = async (id: string) =>
    (await joinery.api('GET', `/v1/logs?connection=${id}&limit=100`)).body.data.reverse();
  const repoHits = () => sandbox.count('GET', '/github/repos/mona/hello-world');

  it.each([
    ['status 500', { kind: 'status', status: 500 }, 'provider_unavailable'],
    ['status 502', { kind: 'status', status: 502 }, 'provider_unavailable'],
    ['status 503', { kind: 'status', status: 503 }, 'provider_unavailable'],
    ['connection reset', { kind: 'reset' }, 'network'],
    ['reset mid-body', { kind: 'reset_mid_body' }, 'network'],
    ['malformed 200', { kind: 'malformed' }, 'malformed_response'],
    ['empty 200', { kind: 'empty' }, 'malformed_response'],
    [
      '429 with Retry-After seconds',
      { kind: 'rate_limit', status: 429, retryAfter: 1 },
      'rate_limited',
    ],
    [
      'secondary limit (403 + retry-after)',
      { kind: 'rate_limit', status: 403, retryAfter: 1 },
      'rate_limited',
    ],
  ])('retries a read through a single %s and returns real data', async (_name, fault, code) => {
    const id = await connect();
    sandbox.faults.add({ path: '/repos/mona/hello-world', fault: fault as never });
    const before = repoHits();
    const result = await getRepo(id);
    expect(result.status).toBe(200);
    expect(result.body.output.full_name).toBe('mona/hello-world');
    expect(repoHits() - before).toBe(2);
    const [first, second] = await logsOf(id).then((rows: any[]) =>
      rows.filter((r) => r.source === 'action'),
    );
    expect(first).toMatchObject({
      attempt: 1,
      errorCode: code,
      decision: expect.stringContaining(`${code}: retry 2 in`),
    });
    expect(second).toMatchObject({ attempt: 2, errorCode: null, status: 200 });
  });

  it('honours Retry-After: the retry waits at least as long as the provider asked', async () => {
    const id = await connect();
    const live: LogEntry[] = [];
    joinery.running.engine.requestLog.onEntry((entry) => {
      if (entry.connectionId === id && entry.source === 'action') live.push(entry);
    });
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: { kind: 'rate_limit', status: 429, retryAfter: 2 },
    });
    const started = Date.now();
    expect((await getRepo(id)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    const [first] = await logsOf(id).then((rows: any[]) =>
      rows.filter((r) => r.source === 'action'),
    );
    expect(first.decision).toMatch(/provider asked to wait 2000 ms/);
    // The same decision as numbers (for metrics): a retry after the 2 s asked (plus a small
    // margin), then none.
    expect(live.map((entry) => entry.status)).toEqual([429, 200]);
    expect(live[0]?.retryWaitMs).toBeGreaterThanOrEqual(2_000);
    expect(live[0]?.retryWaitMs).toBeLessThan(2_500);
    expect(live[1]?.retryWaitMs).toBeNull();
  });

  it('reads Retry-After as an HTTP date', async () => {
    const id = await connect();
    // The sandbox's HTTP-date form asks for 60 s: longer than the caller's deadline here.
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: { kind: 'rate_limit', status: 429, retryAfter: 'http-date' },
    });
    const result = await getRepo(id, { 'joinery-timeout-ms': '5000' });
    expect(result.status).toBe(429);
    expect(result.body.error.retryAfterMs).toBeGreaterThan(55_000);
    expect(result.body.error.retryAfterMs).toBeLessThanOrEqual(61_000); // HTTP dates have 1 s resolution
  });

  it('returns rate_limited with retryAfterMs instead of waiting past the primary limit reset', async () => {
    const id = await connect();
    // GitHub's primary limit: 403, remaining 0, reset an hour away — far beyond what Joinery waits.
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: { kind: 'rate_limit', status: 403 },
    });
    const result = await getRepo(id);
    expect(result.status).toBe(429);
    expect(result.body.error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(result.body.error.retryAfterMs).toBeGreaterThan(60_000);
    // The pipeline learned the reset: the next call is refused without reaching the provider.
    const before = repoHits();
    const next = await getRepo(id, { 'joinery-timeout-ms': '2000' });
    expect(next.body.error.code).toBe('rate_limited');
    expect(repoHits()).toBe(before);
  });

  it('gives up after the attempt cap and says so', async () => {
    const id = await connect();
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      times: Infinity,
      fault: { kind: 'status', status: 503 },
    });
    const result = await getRepo(id);
    sandbox.faults.clear();
    expect(result.status).toBe(502);
    expect(result.body.error).toMatchObject({
      code: 'provider_unavailable',
      details: { status: 503 },
    });
    const rows = (await logsOf(id)).filter((r: any) => r.source === 'action');
    expect(rows.map((r: any) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(rows[3].decision).toBe('gave up after 4 attempts');
  });

  it('never retries a POST without an idempotency key', async () => {
    const id = await connect();
    sandbox.faults.add({
      method: 'POST',
      path: '/repos/mona/hello-world/issues',
      fault: { kind: 'reset_mid_body' },
    });
    const before = sandbox.count('POST', '/github/repos/mona/hello-world/issues');
    const result = await joinery.api('POST', `/v1/connections/${id}/actions/create_issue`, {
      input: { owner: 'mona', repo: 'hello-world', title: 'Exactly once' },
    });
    expect(result.body.error.code).toBe('network');
    expect(sandbox.count('POST', '/github/repos/mona/hello-world/issues') - before).toBe(1);
    const [row] = (await logsOf(id)).filter((r: any) => r.source === 'action');
    expect(row.decision).toMatch(/POST without an idempotency key is never retried/);
  });

  it("stops at the caller's deadline when the provider hangs", async () => {
    const id = await connect();
    sandbox.faults.add({ path: '/repos/mona/hello-world', fault: { kind: 'hang' } });
    const started = Date.now();
    const result = await getRepo(id, { 'joinery-timeout-ms': '800' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.body.error.code).toBe('timeout');
    expect((await getRepo(id, { 'joinery-timeout-ms': '50' })).status).toBe(400);
  });

  it('opens the circuit after consecutive failures, fails fast without sending, then probes and closes', async () => {
    const id = await connect();
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      times: Infinity,
      fault: { kind: 'status', status: 500 },
    });
    // Four attempts fail, then one more: five consecutive failures open the circuit.
    expect((await getRepo(id)).body.error.code).toBe('provider_unavailable');
    expect((await getRepo(id)).body.error.code).toBe('provider_unavailable');
    const hits = repoHits();
    const open = await getRepo(id);
    expect(open.status).toBe(502);
    expect(open.body.error).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(open.body.error.message).toMatch(/circuit open/);
    expect(open.body.error.retryAfterMs).toBeGreaterThan(0);
    expect(repoHits()).toBe(hits); // nothing was sent
    sandbox.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const probe = await getRepo(id);
    expect(probe.status).toBe(200);
    expect((await getRepo(id)).status).toBe(200);
  });

  it('does not count 4xx answers against the circuit', async () => {
    const id = await connect();
    for (let i = 0; i < 5; i++) {
      const missing = await joinery.api('POST', `/v1/connections/${id}/actions/get_repository`, {
        input: { owner: 'mona', repo: 'absent' },
      });
      expect(missing.body.error.code).toBe('not_found');
    }
    expect((await getRepo(id)).status).toBe(200);
  });

  it('pre-throttles to the declared limit so the provider never has to say 429', async () => {
    const id = await connect({ rateLimits: [{ name: 'per_second', requests: 5, perSeconds: 1 }] });
    const live: LogEntry[] = [];
    joinery.running.engine.requestLog.onEntry((entry) => {
      if (entry.connectionId === id) live.push(entry);
    });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 15 }, () => getRepo(id)));
    const elapsed = Date.now() - started;
    expect(results.every((r) => r.status === 200)).toBe(true);
    // 15 requests at 5 per second: the last five cannot start before 2 s have passed.
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    const sent = sandbox.requests
      .filter((r) => r.path === '/github/repos/mona/hello-world')
      .slice(-15);
    for (let i = 5; i < sent.length; i++) {
      const gap =
        Date.parse((sent[i] as { receivedAt: string }).receivedAt) -
        Date.parse((sent[i - 5] as { receivedAt: string }).receivedAt);
      // Joinery spaces them a window (plus 5 ms) after the earlier one's answer; the sandbox shares
      // this process's event loop, so its receipt times carry some tens of ms of jitter.
      expect(gap).toBeGreaterThanOrEqual(960);
    }
    const waited = (await logsOf(id)).filter(
      (r: any) => r.source === 'action' && r.durationMs >= 900,
    );
    expect(waited.length).toBeGreaterThan(0);
    // Metrics read the wait as a number: the entries of held calls carry it, the others null.
    const held = live.filter((entry) => entry.throttleWaitMs !== null);
    expect(held.length).toBeGreaterThanOrEqual(5);
    for (const entry of held) {
      expect(entry.throttleWaitMs).toBeGreaterThanOrEqual(1);
      expect(entry.decision).toContain(`waiting ${entry.throttleWaitMs} ms for capacity`);
    }
    expect(live.every((entry) => entry.retryWaitMs === null)).toBe(true);
  });

  it("fails early with rate_limited when capacity comes after the caller's deadline", async () => {
    // Two per minute: the connect-time health check takes one, the first call the other.
    const id = await connect({ rateLimits: [{ name: 'per_minute', requests: 2, perSeconds: 60 }] });
    expect((await getRepo(id)).status).toBe(200);
    const started = Date.now();
    const refused = await getRepo(id, { 'joinery-timeout-ms': '1000' });
    expect(Date.now() - started).toBeLessThan(900);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(refused.body.error.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('learns from x-ratelimit-remaining 0 on a good answer: the next call waits for the reset instead of meeting a 429', async () => {
    const id = await connect();
    const direct = await fetch(`${sandbox.url}/github/repos/mona/hello-world`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const repository: unknown = await direct.json();
    // Whole epoch seconds: the reset is 1 to 2 s away.
    const resetAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: {
        kind: 'status',
        status: 200,
        body: repository,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt / 1000) },
      },
    });
    expect((await getRepo(id)).status).toBe(200);
    const next = await getRepo(id);
    expect(next.status).toBe(200);
    const sent = sandbox.requests.filter((r) => r.path === '/github/repos/mona/hello-world');
    const last = sent[sent.length - 1] as { receivedAt: string; status: number };
    expect(Date.parse(last.receivedAt)).toBeGreaterThanOrEqual(resetAt - 20);
    expect(last.status).toBe(200);
    const logged = (await logsOf(id)).filter((r: any) => r.source === 'action');
    expect(logged[logged.length - 1].decision).toMatch(/provider asked Joinery to hold off/);
  });

  it('keeps a burst from several callers under the declared limit at the provider, with no 429', async () => {
    const id = await connect({ rateLimits: [{ name: 'per_second', requests: 4, perSeconds: 1 }] });
    const before = sandbox.requests.length;
    const results = await Promise.all(Array.from({ length: 12 }, () => getRepo(id)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
    const arrivals = sandbox.requests
      .slice(before)
      .filter((r) => r.path === '/github/repos/mona/hello-world');
    expect(arrivals.every((r) => (r as { status: number }).status === 200)).toBe(true);
    const times = arrivals.map((r) => Date.parse((r as { receivedAt: string }).receivedAt));
    // Counted from each answer: the fifth request after another arrives a full window later.
    for (let i = 4; i < times.length; i++)
      expect((times[i] as number) - (times[i - 4] as number)).toBeGreaterThanOrEqual(1_000);
  });

  describe('Idempotency-Key on actions', () => {
    it('replays the stored result for the same key and input, and runs the provider call once', async () => {
      const id = await connect();
      const input = { input: { owner: 'mona', repo: 'hello-world', title: 'Charge once' } };
      const before = sandbox.count('POST', '/github/repos/mona/hello-world/issues');
      const first = await joinery.api('POST', `/v1/connections/${id}/actions/create_issue`, input, {
        'idempotency-key': 'order-42',
      });
      const second = await joinery.api(
        'POST',
        `/v1/connections/${id}/actions/create_issue`,
        input,
        { 'idempotency-key': 'order-42' },
      );
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body.output.number).toBe(first.body.output.number);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(sandbox.count('POST', '/github/repos/mona/hello-world/issues') - before).toBe(1);
    });

    it('refuses the same key with a different input', async () => {
      const id = await connect();
      const a = { input: { owner: 'mona', repo: 'hello-world', title: 'A' } };
      const b = { input: { owner: 'mona', repo: 'hello-world', title: 'B' } };
      expect(
        (
          await joinery.api('POST', `/v1/connections/${id}/actions/create_issue`, a, {
            'idempotency-key': 'k-1',
          })
        ).status,
      ).toBe(200);
      const conflict = await joinery.api('POST', `/v1/connections/${id}/actions/create_issue`, b, {
        'idempotency-key': 'k-1',
      });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('conflict');
    });

    it('holds concurrent duplicates: exactly one runs', async () => {
      const id = await connect();
      sandbox.faults.add({
        method: 'POST',
        path: '/repos/mona/hello-world/issues',
        fault: { kind: 'latency', ms: 300 },
      });
      const input = { input: { owner: 'mona', repo: 'hello-world', title: 'Concurrent' } };
      const before = sandbox.count('POST', '/github/repos/mona/hello-world/issues');
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          joinery.api('POST', `/v1/connections/${id}/actions/create_issue`, input, {
            'idempotency-key': 'race-1',
          }),
        ),
      );
      // One runs. The others either overlap it (a retryable 409: "still running") or, on a loaded
      // machine, arrive after it finished and get its stored result — never a second issue.
      const ran = results.filter(
        (r) => r.status === 200 && r.headers.get('idempotent-replayed') === null,
      );
      const replayed = results.filter((r) => r.headers.get('idempotent-replayed') === 'true');
      const waiting = results.filter((r) => r.status === 409 && r.body.error.retryable === true);
      expect(ran).toHaveLength(1);
      expect(ran.length + replayed.length + waiting.length).toBe(5);
      expect(waiting.length).toBeGreaterThan(0);
      for (const r of replayed) expect(r.body.output.number).toBe(ran[0]?.body.output.number);
      expect(sandbox.count('POST', '/github/repos/mona/hello-world/issues') - before).toBe(1);
    });

    const createIssue = (id: string, title: string, key: string) =>
      joinery.api(
        'POST',
        `/v1/connections/${id}/actions/create_issue`,
        { input: { owner: 'mona', repo: 'hello-world', title } },
        { 'idempotency-key': key },
      );
    const issuePosts = () => sandbox.count('POST', '/github/repos/mona/hello-world/issues');

    it('releases the key when the provider refused before acting (429), so a retry with it runs', async () => {
      const id = await connect();
      sandbox.faults.add({
        method: 'POST',
        path: '/repos/mona/hello-world/issues',
        fault: { kind: 'rate_limit', status: 429, retryAfter: 1 },
      });
      const failed = await createIssue(id, 'After a 429', 'retry-me');
      expect(failed.body.error.code).toBe('rate_limited');
      const retried = await createIssue(id, 'After a 429', 'retry-me');
      expect(retried.status).toBe(200);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
    });

    it('never runs a write twice when its answer was lost after the provider acted', async () => {
      const id = await connect();
      // The sandbox creates the issue, then cuts the connection half-way through the answer.
      sandbox.faults.add({
        method: 'POST',
        path: '/repos/mona/hello-world/issues',
        fault: { kind: 'reset_mid_body' },
      });
      const before = issuePosts();
      const lost = await createIssue(id, 'Lost answer', 'lost-1');
      expect(lost.body.error).toMatchObject({ code: 'network', retryable: true });
      const again = await createIssue(id, 'Lost answer', 'lost-1');
      expect(again.status).toBe(502);
      expect(again.body.error).toMatchObject({ code: 'network', retryable: false });
      expect(again.body.error.message).toMatch(/may have taken effect/);
      expect(issuePosts() - before).toBe(1);
    });
  });

  it('records re-typed and missing fields as schema drift, and lists them per integration', async () => {
    const id = await connect();
    const integration = `gh-${seq}`;
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: {
        kind: 'status',
        status: 200,
        body: {
          id: 'R_1',
          node_id: 'x',
          name: 'hello-world',
          private: false,
          owner: { login: 'mona', id: 1 },
          html_url: 'h',
          description: null,
          fork: false,
          url: 'u',
        },
      },
    });
    const result = await getRepo(id);
    expect(result.body.error.code).toBe('malformed_response');
    const drift = await joinery.api('GET', `/v1/integrations/${integration}/schema-drift`);
    expect(drift.status).toBe(200);
    const byPath = Object.fromEntries(drift.body.data.map((d: any) => [d.path, d]));
    expect(byPath['output.id']).toMatchObject({
      kind: 'retyped',
      action: 'get_repository',
      count: 1,
      example: 'expected number, got string',
    });
    expect(byPath['output.full_name']).toMatchObject({ kind: 'missing' });
  });
});
