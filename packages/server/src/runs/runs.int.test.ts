import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign as signGitHub } from '@octokit/webhooks-methods';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';

/*
 * Runs end to end through the API, on the embedded store and on PostgreSQL: async actions
 * (202 → GET /v1/runs/{id}), retries of a failing provider, idempotent submission, flows with
 * every step type, cron schedules, cancellation.
 */
describe.each(BACKENDS)('runs (%s)', (backend) => {
  const token = `ghp_${randomBytes(16).toString('hex')}`;
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let connectionId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    joinery = await startTestJoinery(backend, {
      resilience: { retry: { baseDelayMs: 10, maxAttempts: 1 } },
      worker: { pollMs: 50, tickMs: 100, retryBaseMs: 50, retryMaxMs: 200, leaseMs: 5_000 },
    });
    await joinery.api('PUT', '/v1/integrations/gh', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
    });
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'gh',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id as string;
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  async function settled(runId: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await joinery.api('GET', `/v1/runs/${runId}`);
      expect(run.status).toBe(200);
      if (['succeeded', 'failed', 'cancelled', 'dead'].includes(run.body.status as string))
        return run.body;
      if (Date.now() > deadline)
        throw new Error(`run ${runId} still ${String(run.body.status)}: ${run.text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const submit = (
    action: string,
    input: unknown,
    headers: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) =>
    joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/${action}`,
      { input, async: true, ...extra },
      headers,
    );

  /** Polls the run until `done` says so. */
  async function until(
    runId: string,
    done: (run: { status: string; steps: { key: string; status: string }[] }) => boolean,
    timeoutMs = 10_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await joinery.api('GET', `/v1/runs/${runId}`);
      if (done(run.body as { status: string; steps: { key: string; status: string }[] }))
        return run.body;
      if (Date.now() > deadline) throw new Error(`run ${runId} never got there: ${run.text}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** A webhook endpoint for `events` on a loopback server; `received` has each verified event. */
  async function eventReceiver(events: string[]) {
    const bodies: { body: string; headers: Record<string, string> }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push({ body, headers: req.headers as Record<string, string> });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const endpoint = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      events,
      allowPrivateNetwork: true,
    });
    expect(endpoint.status).toBe(201);
    const verifier = new Webhook(endpoint.body.secret as string);
    return {
      received: () =>
        bodies.map((r) =>
          verifier.verify(r.body, {
            'webhook-id': r.headers['webhook-id'] ?? '',
            'webhook-timestamp': r.headers['webhook-timestamp'] ?? '',
            'webhook-signature': r.headers['webhook-signature'] ?? '',
          }),
        ) as { type: string; data: Record<string, unknown> }[],
      async close() {
        await joinery.api('DELETE', `/v1/webhook-endpoints/${endpoint.body.id}`);
        await new Promise((resolve) => receiver.close(resolve));
      },
    };
  }

  it('answers 202 with a run id, and the run carries the output and its step', async () => {
    const accepted = await submit('get_repository', { owner: 'mona', repo: 'hello-world' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'queued', run: { kind: 'action' } });
    const run = await settled(accepted.body.runId as string);
    expect(run).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      action: 'get_repository',
      output: { full_name: 'mona/hello-world' },
    });
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ key: 'action', status: 'succeeded', attempts: 1 });
    const listed = await joinery.api('GET', `/v1/runs?connection=${connectionId}`);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toContain(accepted.body.runId);
    const metrics = await joinery.api('GET', '/metrics');
    expect(metrics.text).toMatch(/^joinery_runs\{kind="action",status="succeeded"\} [1-9]/m);
    expect(metrics.text).toMatch(/^joinery_queue_depth\{queue="runs"\} \d+/m);
  });

  it('retries a provider that fails, then succeeds; the timeline shows each attempt', async () => {
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      times: 2,
      fault: { kind: 'status', status: 503 },
    });
    const accepted = await submit('get_repository', { owner: 'mona', repo: 'hello-world' });
    const run = await settled(accepted.body.runId as string);
    expect(run.status).toBe('succeeded');
    expect(run.attempts).toBe(3);
    expect(run.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('a write with an Idempotency-Key is one run however often it is submitted', async () => {
    const key = `k-${randomBytes(6).toString('hex')}`;
    const before = sandbox.count('POST', '/github/repos/mona/hello-world/issues');
    const input = { owner: 'mona', repo: 'hello-world', title: 'once' };
    const first = await submit('create_issue', input, { 'idempotency-key': key });
    const second = await submit('create_issue', input, { 'idempotency-key': key });
    expect(second.status).toBe(202);
    expect(second.body.runId).toBe(first.body.runId);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await submit(
      'create_issue',
      { ...input, title: 'other' },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
    expect((await settled(first.body.runId as string)).status).toBe('succeeded');
    expect(sandbox.count('POST', '/github/repos/mona/hello-world/issues') - before).toBe(1);
  });

  it('fails a run whose input is refused, without retrying, with the error on the run', async () => {
    const accepted = await submit('get_repository', { owner: 'mona' });
    expect(accepted.status).toBe(202);
    const run = await settled(accepted.body.runId as string);
    expect(run.status).toBe('failed');
    expect(run.attempts).toBe(1);
    expect(run.error).toMatchObject({ code: 'invalid_input' });
  });

  it('refuses bad submissions with a clear error and stores nothing', async () => {
    const before = (await joinery.api('GET', '/v1/runs?limit=500')).body.data.length;
    const notJson = await fetch(
      `${joinery.url}/v1/connections/${connectionId}/actions/get_repository`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${joinery.secretKey}`,
          'content-type': 'application/json',
        },
        body: '{"async": true,',
      },
    );
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(
      /JSON/,
    );
    const unknown = await submit('no_such_action', {});
    expect(unknown.status).toBe(404);
    const badAsync = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      {
        async: 'yes',
      },
    );
    expect(badAsync.status).toBe(400);
    expect((await joinery.api('GET', '/v1/runs?limit=500')).body.data.length).toBe(before);
  });

  it('runs a flow with transform, condition, for-each, action and wait steps', async () => {
    const created = await joinery.api('POST', '/v1/flows', {
      name: `triage-${backend}`,
      trigger: { type: 'api' },
      steps: [
        { id: 'titles', type: 'transform', expression: 'trigger.titles' },
        {
          id: 'any',
          type: 'condition',
          if: '$count(steps.titles) > 0',
          then: [
            {
              id: 'each',
              type: 'forEach',
              items: 'steps.titles',
              steps: [
                {
                  id: 'issue',
                  type: 'action',
                  connection: connectionId,
                  action: 'create_issue',
                  inputExpression: '{"owner": "mona", "repo": "hello-world", "title": item}',
                },
              ],
            },
          ],
        },
        { id: 'pause', type: 'wait', seconds: 0.3 },
        { id: 'numbers', type: 'transform', expression: 'steps.each.number' },
      ],
    });
    expect(created.status).toBe(201);
    const before = sandbox.count('POST', '/github/repos/mona/hello-world/issues');
    const started = await joinery.api('POST', `/v1/flows/${created.body.id}/runs`, {
      input: { titles: ['a', 'b'] },
    });
    expect(started.status).toBe(202);
    const run = await settled(started.body.runId as string);
    expect(run.status).toBe('succeeded');
    expect(sandbox.count('POST', '/github/repos/mona/hello-world/issues') - before).toBe(2);
    const keys = run.steps.map((s: { key: string }) => s.key);
    expect(keys).toEqual([
      'titles',
      'any',
      'each',
      'each[0].issue',
      'each[1].issue',
      'pause',
      'numbers',
    ]);
    expect(run.output).toHaveLength(2);
    const pause = run.steps.find((s: { key: string }) => s.key === 'pause');
    expect(pause.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('refuses a flow with a bad expression or cron, naming the field', async () => {
    const badExpression = await joinery.api('POST', '/v1/flows', {
      name: 'bad',
      trigger: { type: 'api' },
      steps: [{ id: 'x', type: 'transform', expression: '$count(' }],
    });
    expect(badExpression.status).toBe(400);
    expect(badExpression.body.error.path).toBe('body.steps[0].expression');
    const badCron = await joinery.api('POST', '/v1/flows', {
      name: 'bad',
      trigger: { type: 'schedule', cron: 'every day' },
      steps: [{ id: 'x', type: 'transform', expression: '1' }],
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.path).toBe('body.trigger.cron');
  });

  it('fires a cron schedule once per tick', async () => {
    const created = await joinery.api('POST', '/v1/flows', {
      name: `tick-${backend}`,
      trigger: { type: 'schedule', cron: '* * * * * *' },
      steps: [{ id: 'at', type: 'transform', expression: 'trigger.scheduledAt' }],
    });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    expect((await joinery.api('DELETE', `/v1/flows/${created.body.id}`)).status).toBe(204);
    const runs = (await joinery.api('GET', `/v1/runs?flow=${created.body.id}`)).body.data as {
      id: string;
      trigger: { at: string };
    }[];
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const ticks = runs.map((r) => r.trigger.at);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const r of runs) expect((await settled(r.id)).status).toBe('succeeded');
  });

  it('starts the flows an inbound webhook triggers, once per delivery', async () => {
    const secret = randomBytes(16).toString('hex');
    await joinery.api('PUT', '/v1/integrations/gh-hooks', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
      webhookSecret: secret,
    });
    const flow = await joinery.api('POST', '/v1/flows', {
      name: `on-push-${backend}`,
      trigger: { type: 'webhook', integration: 'gh-hooks', event: 'push' },
      steps: [{ id: 'ref', type: 'transform', expression: 'trigger.payload.ref' }],
    });
    expect(flow.status).toBe(201);
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'mona/x' } });
    const deliver = async (event: string, id: string) =>
      fetch(`${joinery.url}/v1/webhooks/gh-hooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': id,
          'x-hub-signature-256': await signGitHub(secret, body),
        },
        body,
      });
    const id = randomUUID();
    expect((await deliver('push', id)).status).toBe(200);
    expect((await deliver('push', id)).status).toBe(200); // the provider's retry: a duplicate
    expect((await deliver('issues', randomUUID())).status).toBe(200); // another event: no run
    const runs = (await joinery.api('GET', `/v1/runs?flow=${flow.body.id}`)).body.data as {
      id: string;
      trigger: Record<string, unknown>;
    }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]?.trigger).toMatchObject({ type: 'webhook', deliveryId: id });
    expect((await settled(runs[0]?.id ?? '')).output).toBe('refs/heads/main');
  });

  it('starts the flows a connection event triggers', async () => {
    const flow = await joinery.api('POST', '/v1/flows', {
      name: `welcome-${backend}`,
      trigger: { type: 'event', event: 'connection.created' },
      steps: [{ id: 'who', type: 'transform', expression: 'trigger.tenant' }],
    });
    expect(flow.status).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'gh',
      tenant: 'globex',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(created.status).toBe(201);
    const runs = (await joinery.api('GET', `/v1/runs?flow=${flow.body.id}`)).body.data as {
      id: string;
      input: { connectionId: string };
    }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]?.input.connectionId).toBe(created.body.id);
    const run = await settled(runs[0]?.id ?? '');
    expect(run).toMatchObject({ status: 'succeeded', tenant: 'globex' });
  });

  it('dead-letters a run whose step gave up, and a replay completes it once', async () => {
    const flow = await joinery.api('POST', '/v1/flows', {
      name: `fragile-${backend}`,
      trigger: { type: 'api' },
      steps: [
        {
          id: 'repo',
          type: 'action',
          connection: connectionId,
          action: 'get_repository',
          input: { owner: 'mona', repo: 'hello-world' },
          retry: { maxAttempts: 2 },
        },
      ],
    });
    expect(flow.status).toBe(201);
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      times: Infinity,
      fault: { kind: 'status', status: 503 },
    });
    const started = await joinery.api('POST', `/v1/flows/${flow.body.id}/runs`, {});
    const dead = await settled(started.body.runId as string);
    sandbox.faults.clear();
    expect(dead.status).toBe('dead');
    expect(dead.steps[0]).toMatchObject({ key: 'repo', status: 'failed', attempts: 2 });
    expect(dead.error.message).toMatch(/gave up after 2 attempts/);
    const letters = (await joinery.api('GET', '/v1/dead-letters?kind=run')).body.data as {
      id: string;
      refId: string;
    }[];
    const letter = letters.find((l) => l.refId === started.body.runId);
    expect(letter).toBeDefined();
    const replayed = await joinery.api('POST', `/v1/dead-letters/${letter?.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ replayed: true, status: 'queued' });
    const again = await joinery.api('POST', `/v1/dead-letters/${letter?.id}/replay`);
    expect(again.body.replayed).toBe(false);
    const done = await settled(started.body.runId as string);
    expect(done).toMatchObject({ status: 'succeeded', trigger: { type: 'replay' } });
    const resolved = await joinery.api('GET', `/v1/dead-letters/${letter?.id}`);
    expect(resolved.body.resolvedAt).not.toBeNull();
  });

  it("tells the app's webhook endpoint the outcome, signed, with a flow's webhook step event", async () => {
    const received: { body: string; headers: Record<string, string> }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, headers: req.headers as Record<string, string> });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = await joinery.api('POST', '/v1/webhook-endpoints', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        events: ['run.*', 'flow.*'],
        allowPrivateNetwork: true,
      });
      expect(endpoint.status).toBe(201);
      const flow = await joinery.api('POST', '/v1/flows', {
        name: `notify-${backend}`,
        trigger: { type: 'api' },
        steps: [
          { id: 'n', type: 'transform', expression: 'trigger.n * 2' },
          { id: 'tell', type: 'webhook', event: 'flow.doubled', data: '{"n": steps.n}' },
        ],
      });
      const started = await joinery.api('POST', `/v1/flows/${flow.body.id}/runs`, {
        input: { n: 21 },
      });
      expect((await settled(started.body.runId as string)).status).toBe('succeeded');
      const deadline = Date.now() + 10_000;
      while (received.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const events = received.map((r) =>
        new Webhook(endpoint.body.secret as string).verify(r.body, {
          'webhook-id': r.headers['webhook-id'] ?? '',
          'webhook-timestamp': r.headers['webhook-timestamp'] ?? '',
          'webhook-signature': r.headers['webhook-signature'] ?? '',
        }),
      ) as { type: string; data: Record<string, unknown> }[];
      expect(events.map((e) => e.type).sort()).toEqual(['flow.doubled', 'run.succeeded']);
      expect(events.find((e) => e.type === 'flow.doubled')?.data).toMatchObject({
        n: 42,
        runId: started.body.runId,
      });
      expect(events.find((e) => e.type === 'run.succeeded')?.data).toMatchObject({
        runId: started.body.runId,
        status: 'succeeded',
      });
      await joinery.api('DELETE', `/v1/webhook-endpoints/${endpoint.body.id}`);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('cancels a backing-off run and a waiting run at once; their jobs never run them afterwards', async () => {
    const receiver = await eventReceiver(['run.cancelled']);
    try {
      // The provider asks for 2 s before a retry: the run waits in the queue, backing off.
      sandbox.faults.add({
        path: '/repos/mona/hello-world',
        times: 1,
        fault: { kind: 'status', status: 503, headers: { 'retry-after': '2' } },
      });
      const calls = () => sandbox.count('GET', '/github/repos/mona/hello-world');
      const before = calls();
      const backingOff = (await submit('get_repository', { owner: 'mona', repo: 'hello-world' }))
        .body.runId as string;
      const flow = await joinery.api('POST', '/v1/flows', {
        name: `pausing-${backend}`,
        trigger: { type: 'api' },
        steps: [
          { id: 'pause', type: 'wait', seconds: 2 },
          { id: 'after', type: 'transform', expression: '"ran"' },
        ],
      });
      const waiting = (await joinery.api('POST', `/v1/flows/${flow.body.id}/runs`, {})).body
        .runId as string;
      await until(backingOff, (run) => run.status === 'queued' && run.steps.length === 1);
      await until(waiting, (run) => run.status === 'waiting');

      for (const id of [backingOff, waiting]) {
        const cancelled = await joinery.api('POST', `/v1/runs/${id}/cancel`);
        expect(cancelled.status).toBe(200);
        expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
        expect(cancelled.body.finishedAt).not.toBeNull();
        expect(cancelled.body.cancelRequestedAt).not.toBeNull();
      }
      expect(calls() - before).toBe(1);

      // Past the time either would have continued: neither did.
      await new Promise((resolve) => setTimeout(resolve, 2_600));
      expect(calls() - before).toBe(1);
      const stopped = await joinery.api('GET', `/v1/runs/${backingOff}`);
      expect(stopped.body).toMatchObject({ status: 'cancelled', attempts: 1 });
      const paused = await joinery.api('GET', `/v1/runs/${waiting}`);
      expect(paused.body.status).toBe('cancelled');
      expect(
        paused.body.steps.map((s: { key: string; status: string }) => [s.key, s.status]),
      ).toEqual([['pause', 'cancelled']]);
      const listed = await joinery.api('GET', `/v1/runs?status=cancelled&flow=${flow.body.id}`);
      expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([waiting]);

      const deadline = Date.now() + 10_000;
      while (receiver.received().length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const events = receiver.received();
      expect(events.map((e) => e.type)).toEqual(['run.cancelled', 'run.cancelled']);
      expect(events.map((e) => e.data.runId).sort()).toEqual([backingOff, waiting].sort());
      expect(events.find((e) => e.data.runId === backingOff)?.data).toMatchObject({
        status: 'cancelled',
        kind: 'action',
        action: 'get_repository',
        connectionId,
      });
    } finally {
      await receiver.close();
    }
  });

  it('cancels a running run at its next step boundary: the step in flight completes and is recorded', async () => {
    const receiver = await eventReceiver(['run.*']);
    try {
      sandbox.faults.add({
        path: '/repos/mona/hello-world',
        times: 1,
        fault: { kind: 'latency', ms: 4_000 },
      });
      const flow = await joinery.api('POST', '/v1/flows', {
        name: `slow-${backend}`,
        trigger: { type: 'api' },
        steps: [
          {
            id: 'repo',
            type: 'action',
            connection: connectionId,
            action: 'get_repository',
            input: { owner: 'mona', repo: 'hello-world' },
          },
          { id: 'after', type: 'transform', expression: 'steps.repo.full_name' },
        ],
      });
      const runId = (await joinery.api('POST', `/v1/flows/${flow.body.id}/runs`, {})).body
        .runId as string;
      await until(runId, (run) =>
        run.steps.some((s) => s.key === 'repo' && s.status === 'running'),
      );

      const requested = await joinery.api('POST', `/v1/runs/${runId}/cancel`);
      expect(requested.status).toBe(202);
      expect(requested.body).toMatchObject({ id: runId, status: 'running' });
      expect(requested.body.cancelRequestedAt).not.toBeNull();
      // Asked again while it runs: the same answer, the first request's time kept.
      const again = await joinery.api('POST', `/v1/runs/${runId}/cancel`);
      expect(again.status).toBe(202);
      expect(again.body.cancelRequestedAt).toBe(requested.body.cancelRequestedAt);

      const run = await settled(runId);
      expect(run.status).toBe('cancelled');
      expect(run.steps.map((s: { key: string; status: string }) => [s.key, s.status])).toEqual([
        ['repo', 'succeeded'],
      ]);
      expect(run.steps[0].output).toMatchObject({ full_name: 'mona/hello-world' });
      expect(run.output).toBeNull();

      const deadline = Date.now() + 10_000;
      while (!receiver.received().some((e) => e.data.runId === runId) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const mine = receiver.received().filter((e) => e.data.runId === runId);
      expect(mine.map((e) => e.type)).toEqual(['run.cancelled']);
      expect(mine[0]?.data).toMatchObject({
        status: 'cancelled',
        kind: 'flow',
        flowId: flow.body.id,
      });
    } finally {
      await receiver.close();
    }
  });

  it('answers a repeat cancel with the cancelled run, and refuses to cancel a run that ended', async () => {
    const flow = await joinery.api('POST', '/v1/flows', {
      name: `later-${backend}`,
      trigger: { type: 'api' },
      steps: [{ id: 'pause', type: 'wait', seconds: 30 }],
    });
    const waiting = (await joinery.api('POST', `/v1/flows/${flow.body.id}/runs`, {})).body
      .runId as string;
    await until(waiting, (run) => run.status === 'waiting');
    const first = await joinery.api('POST', `/v1/runs/${waiting}/cancel`);
    const second = await joinery.api('POST', `/v1/runs/${waiting}/cancel`);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);

    const done = await submit('get_repository', { owner: 'mona', repo: 'hello-world' });
    expect((await settled(done.body.runId as string)).status).toBe('succeeded');
    const refused = await joinery.api('POST', `/v1/runs/${done.body.runId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
    expect(refused.body.error.message).toMatch(
      /cannot be cancelled: it already ended as succeeded at .*; only a queued, waiting or running run can be/,
    );
    expect((await joinery.api('GET', `/v1/runs/${done.body.runId}`)).body.status).toBe('succeeded');
    const missing = await joinery.api('POST', '/v1/runs/run_nope/cancel');
    expect(missing.status).toBe(404);
  });

  it('takes retry.maxAttempts for an async action, from 1 to 50', async () => {
    const before = (await joinery.api('GET', '/v1/runs?limit=1000')).body.data.length;
    for (const [retry, message] of [
      [{ maxAttempts: 0 }, /body\.retry\.maxAttempts/],
      [{ maxAttempts: 51 }, /body\.retry\.maxAttempts/],
      [{ maxAttempts: 2.5 }, /body\.retry\.maxAttempts/],
      [{ attempts: 3 }, /body\.retry/],
    ] as const) {
      const refused = await submit(
        'get_repository',
        { owner: 'mona', repo: 'hello-world' },
        {},
        { retry },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('invalid_input');
      expect(refused.body.error.message).toMatch(message);
    }
    const direct = await submit(
      'get_repository',
      { owner: 'mona', repo: 'hello-world' },
      {},
      { async: false, retry: { maxAttempts: 2 } },
    );
    expect(direct.status).toBe(400);
    expect(direct.body.error.message).toMatch(
      /body\.retry: only a run retries; send "async": true/,
    );
    expect((await joinery.api('GET', '/v1/runs?limit=1000')).body.data.length).toBe(before);

    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      times: Infinity,
      fault: { kind: 'status', status: 503 },
    });
    try {
      const accepted = await submit(
        'get_repository',
        { owner: 'mona', repo: 'hello-world' },
        {},
        { retry: { maxAttempts: 2 } },
      );
      expect(accepted.status).toBe(202);
      expect(accepted.body.run.maxAttempts).toBe(2);
      const run = await settled(accepted.body.runId as string);
      expect(run).toMatchObject({ status: 'dead', attempts: 2, maxAttempts: 2 });
      expect(run.error.message).toMatch(/gave up after 2 attempts/);

      // The retry setting is part of the submission an Idempotency-Key stands for.
      const key = { 'idempotency-key': `k-${randomBytes(6).toString('hex')}` };
      const input = { owner: 'mona', repo: 'hello-world' };
      const keyed = await submit('get_repository', input, key, { retry: { maxAttempts: 3 } });
      const same = await submit('get_repository', input, key, { retry: { maxAttempts: 3 } });
      expect(same.body.runId).toBe(keyed.body.runId);
      const other = await submit('get_repository', input, key);
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('conflict');
    } finally {
      sandbox.faults.clear();
    }
  });
});

// JOINERY_RUN_RETENTION_DAYS reaches the worker: backdated rows, written straight into PostgreSQL.
describe('run retention setting (postgres)', () => {
  let joinery: TestJoinery;
  beforeAll(async () => {
    joinery = await startTestJoinery(
      'postgres',
      { worker: { pollMs: 50, tickMs: 100, leaseMs: 5_000 } },
      { JOINERY_RUN_RETENTION_DAYS: '35' },
    );
  });
  afterAll(async () => {
    await joinery?.close();
  });

  it('deletes the runs that ended before it, with their steps, and keeps the younger ones', async () => {
    const client = new pg.Client({ connectionString: joinery.databaseUrl ?? '' });
    await client.connect();
    try {
      for (const [id, days] of [
        ['run_ended_40_days_ago', 40],
        ['run_ended_31_days_ago', 31], // past the default 30 days, within the 35 set
      ] as const) {
        await client.query(
          `INSERT INTO runs (id, environment_id, kind, status, trigger, input, max_attempts, created_at, finished_at)
           VALUES ($1, 'env_default', 'flow', 'succeeded', '{}', '{}', 8, now() - make_interval(days => $2 + 1), now() - make_interval(days => $2))`,
          [id, days],
        );
        await client.query(
          `INSERT INTO run_steps (run_id, key, position, type, status, attempts, started_at)
           VALUES ($1, 'only', 0, 'transform', 'succeeded', 1, now() - make_interval(days => $2))`,
          [id, days],
        );
      }
      const left = async (table: 'runs' | 'run_steps') =>
        (
          await client.query<{ id: string }>(
            table === 'runs'
              ? "SELECT id FROM runs WHERE id LIKE 'run_ended_%' ORDER BY id"
              : "SELECT run_id AS id FROM run_steps WHERE run_id LIKE 'run_ended_%' ORDER BY run_id",
          )
        ).rows.map((row) => row.id);
      const deadline = Date.now() + 10_000;
      while ((await left('runs')).length > 1 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await left('runs')).toEqual(['run_ended_31_days_ago']);
      expect(await left('run_steps')).toEqual(['run_ended_31_days_ago']);
    } finally {
      await client.end();
    }
  });
});
