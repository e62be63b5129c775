import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

describe('joinery webhook-endpoints', () => {
  it('adds an endpoint and prints its secret once', async () => {
    const { env, server } = await serve(() => ({
      status: 201,
      json: {
        id: 'whe_1',
        url: 'http://127.0.0.1:4000/hooks',
        events: ['connection.*', 'run.failed'],
        enabled: true,
        disabledReason: null,
        allowPrivateNetwork: true,
        breaker: { state: 'closed', consecutiveFailures: 0, openUntil: null },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        secret: 'whsec_c2VjcmV0',
      },
    }));
    const { code, stdout } = await cli(
      [
        'webhook-endpoints',
        'add',
        'http://127.0.0.1:4000/hooks',
        '--events',
        'connection.*, run.failed',
        '--allow-private-network',
      ],
      { env },
    );
    expect(code).toBe(0);
    expect(stdout).toContain('Added webhook endpoint whe_1');
    expect(stdout).toContain('  whsec_c2VjcmV0\n');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      url: 'http://127.0.0.1:4000/hooks',
      events: ['connection.*', 'run.failed'],
      allowPrivateNetwork: true,
    });
  });

  it('lists, shows deliveries and removes', async () => {
    const { env, server } = await serve((request) => {
      if (request.method === 'DELETE') return { status: 204 };
      if (request.path.endsWith('/deliveries'))
        return {
          json: {
            data: [
              {
                id: 'msg_1',
                type: 'connection.created',
                status: 'failed',
                attempts: 2,
                nextAttemptAt: '2026-01-01T00:05:00.000Z',
                lastError: {
                  code: 'endpoint_error',
                  message: 'the endpoint answered 503',
                  at: 'x',
                },
              },
            ],
            nextCursor: null,
          },
        };
      return {
        json: {
          data: [
            {
              id: 'whe_1',
              url: 'https://app.example.com/hooks',
              events: [],
              enabled: false,
              disabledReason: 'answered 410 Gone',
              breaker: { state: 'closed', consecutiveFailures: 0, openUntil: null },
            },
          ],
        },
      };
    });
    const listed = await cli(['webhook-endpoints'], { env });
    expect(listed.stdout).toMatch(
      /whe_1\s+https:\/\/app.example.com\/hooks\s+all\s+disabled: answered 410 Gone/,
    );
    const deliveries = await cli(['webhook-endpoints', 'deliveries', 'whe_1'], { env });
    expect(deliveries.stdout).toMatch(
      /msg_1\s+connection.created\s+failed\s+2\s+2026-01-01T00:05:00.000Z\s+the endpoint answered 503/,
    );
    const removed = await cli(['webhook-endpoints', 'remove', 'whe_1'], { env });
    expect(removed.stdout).toBe('Removed webhook endpoint whe_1.\n');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v1/webhook-endpoints',
      'GET /v1/webhook-endpoints/whe_1/deliveries?limit=50',
      'DELETE /v1/webhook-endpoints/whe_1',
    ]);
  });
});
