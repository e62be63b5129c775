import { afterEach, describe, expect, it } from 'vitest';
import { createClient, isJoineryError } from './index.js';
import { startScriptedJoinery, type ScriptedJoinery } from './testing.js';

const KEY = 'jsk_test_0123456789abcdef';
let server: ScriptedJoinery | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const letter = {
  id: 'dlq_1',
  kind: 'delivery',
  refId: 'msg_1',
  reason: 'all 8 attempts failed',
  lastError: { code: 'endpoint_error', status: 500 },
  payload: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  replayCount: 0,
  lastReplayedAt: null,
  resolvedAt: null,
};

describe('webhook endpoints and dead letters', () => {
  it('calls the routes with their methods, paths and queries', async () => {
    server = await startScriptedJoinery((request) => {
      if (request.method === 'POST' && request.path === '/v1/webhook-endpoints')
        return { status: 201, json: { id: 'whe_1', secret: 'whsec_x' } };
      if (request.method === 'DELETE') return { status: 204 };
      if (request.path.endsWith('/replay'))
        return {
          json: { replayed: true, status: 'pending', message: 'queued', deadLetter: letter },
        };
      if (request.path === '/v1/dead-letters/dlq_1') return { json: letter };
      return { json: { data: [letter], nextCursor: '7' } };
    });
    const client = createClient({ url: server.url, secretKey: KEY });

    const created = await client.webhookEndpoints.create({
      url: 'https://app.example.com/hooks',
      events: ['connection.*'],
    });
    expect(created.secret).toBe('whsec_x');
    await client.webhookEndpoints.list();
    await client.webhookEndpoints.deliveries('whe_1', { limit: 5 });
    await client.webhookEndpoints.delete('whe_1');
    const page = await client.deadLetters.list({ kind: 'delivery', cursor: '9' });
    expect(page).toEqual({ data: [letter], nextCursor: '7' });
    expect((await client.deadLetters.get('dlq_1')).refId).toBe('msg_1');
    expect((await client.deadLetters.replay('dlq_1')).replayed).toBe(true);

    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/webhook-endpoints',
      'GET /v1/webhook-endpoints',
      'GET /v1/webhook-endpoints/whe_1/deliveries?limit=5',
      'DELETE /v1/webhook-endpoints/whe_1',
      'GET /v1/dead-letters?kind=delivery&cursor=9',
      'GET /v1/dead-letters/dlq_1',
      'POST /v1/dead-letters/dlq_1/replay',
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      url: 'https://app.example.com/hooks',
      events: ['connection.*'],
    });
  });

  it("turns a refused replay into the server's error code", async () => {
    server = await startScriptedJoinery(() => ({
      status: 409,
      json: {
        error: { code: 'conflict', message: 'its endpoint was deleted', retryable: false },
      },
    }));
    const client = createClient({ url: server.url, secretKey: KEY });
    const error = await client.deadLetters.replay('dlq_1').catch((e: unknown) => e);
    expect(isJoineryError(error) && error.code).toBe('conflict');
    await expect(client.deadLetters.get('')).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
