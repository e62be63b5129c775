import { afterEach, describe, expect, it } from 'vitest';
import { createClient, isJoineryError, type Run } from './index.js';
import { startScriptedJoinery, type ScriptedJoinery } from './testing.js';

const KEY = 'jsk_test_0123456789abcdef';
let server: ScriptedJoinery | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = (status: Run['status'], cancelRequestedAt: string | null = null): Run => ({
  id: 'run_1',
  kind: 'flow',
  status,
  connectionId: null,
  tenant: null,
  action: null,
  flowId: 'flow_1',
  trigger: { type: 'api' },
  input: {},
  output: null,
  error: null,
  attempts: 1,
  maxAttempts: 8,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.100Z',
  finishedAt: status === 'running' ? null : '2026-01-01T00:00:01.000Z',
  cancelRequestedAt,
});

describe('runs', () => {
  it('cancels with POST /v1/runs/{id}/cancel, and waits for a running run to stop', async () => {
    const requestedAt = '2026-01-01T00:00:00.500Z';
    server = await startScriptedJoinery((request) => {
      if (request.method === 'POST') return { status: 202, json: run('running', requestedAt) };
      return { json: run('cancelled', requestedAt) };
    });
    const client = createClient({ url: server.url, secretKey: KEY });

    const requested = await client.runs.cancel('run_1');
    expect(requested).toMatchObject({ status: 'running', cancelRequestedAt: requestedAt });
    // `cancelled` ends a wait like the other final states.
    const ended = await client.runs.wait('run_1', { timeoutMs: 1_000, intervalMs: 10 });
    expect(ended.status).toBe('cancelled');

    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/runs/run_1/cancel',
      'GET /v1/runs/run_1',
    ]);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("turns a refused cancel into the server's conflict, and needs an id", async () => {
    server = await startScriptedJoinery(() => ({
      status: 409,
      json: {
        error: {
          code: 'conflict',
          message: 'run run_1 cannot be cancelled: it already ended as succeeded',
          retryable: false,
        },
      },
    }));
    const client = createClient({ url: server.url, secretKey: KEY });
    const error = await client.runs.cancel('run_1').catch((e: unknown) => e);
    expect(isJoineryError(error) && error.code).toBe('conflict');
    expect(isJoineryError(error) && error.message).toContain('already ended as succeeded');
    await expect(client.runs.cancel('')).rejects.toMatchObject({ code: 'invalid_input' });
    expect(server.requests).toHaveLength(1);
  });

  it('submits retry.maxAttempts with an async action only when given', async () => {
    server = await startScriptedJoinery(() => ({
      status: 202,
      json: { runId: 'run_1', status: 'queued', run: run('queued') },
    }));
    const client = createClient({ url: server.url, secretKey: KEY });
    await client.runs.submit(
      'conn_1',
      'create_issue',
      { title: 'x' },
      { retry: { maxAttempts: 3 } },
    );
    await client.runs.submit('conn_1', 'create_issue', { title: 'y' });
    expect(server.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { input: { title: 'x' }, async: true, retry: { maxAttempts: 3 } },
      { input: { title: 'y' }, async: true },
    ]);
    expect(server.requests[0]?.url).toBe('/v1/connections/conn_1/actions/create_issue');
  });

  it('refuses an idempotency key that cannot be a header, before sending anything', async () => {
    server = await startScriptedJoinery(() => ({ status: 202, json: { runId: 'run_1' } }));
    const client = createClient({ url: server.url, secretKey: KEY });
    const refused = await client.runs
      .submit('conn_1', 'create_issue', {}, { idempotencyKey: 'two\nlines' })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isJoineryError(refused) && refused.code).toBe('invalid_input');
    expect(String((refused as Error).message)).toMatch(
      /idempotencyKey must be non-empty printable ASCII/,
    );
    expect(server.requests).toHaveLength(0);
  });
});
