import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

const letter = {
  id: 'dlq_1',
  kind: 'delivery',
  refId: 'msg_1',
  reason: 'all 8 attempts failed; the last: the endpoint answered 500',
  lastError: { code: 'endpoint_error', status: 500 },
  payload: { type: 'connection.created' },
  createdAt: '2026-01-01T00:00:00.000Z',
  replayCount: 0,
  lastReplayedAt: null,
  resolvedAt: null,
};

describe('joinery dead-letters', () => {
  it('lists dead letters as a table, and says where the next page is', async () => {
    const { env, server } = await serve(() => ({ json: { data: [letter], nextCursor: '41' } }));
    const { code, stdout, stderr } = await cli(['dead-letters', '--kind', 'delivery'], { env });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+REF\s+CREATED\s+REPLAYS\s+RESOLVED\s+REASON$/);
    expect(lines[1]).toMatch(
      /^dlq_1\s+delivery\s+msg_1\s+2026-01-01T00:00:00.000Z\s+0\s+-\s+all 8/,
    );
    expect(stderr).toContain('joinery dead-letters --cursor 41');
    expect(server.requests[0]?.url).toBe('/v1/dead-letters?kind=delivery&limit=50');
  });

  it('says so when there are none, and refuses an unknown kind', async () => {
    const { env } = await serve(() => ({ json: { data: [], nextCursor: null } }));
    expect((await cli(['dead-letters'], { env })).stdout).toBe('No dead letters.\n');
    const wrong = await cli(['dead-letters', '--kind', 'job'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--kind takes delivery or run');
  });

  it('shows one letter in full with how to replay it', async () => {
    const { env, server } = await serve(() => ({ json: letter }));
    const { code, stdout } = await cli(['dead-letters', 'show', 'dlq_1'], { env });
    expect(code).toBe(0);
    expect(stdout).toContain('Dead letter dlq_1 (delivery msg_1)');
    expect(stdout).toContain('"status":500');
    expect(stdout).toContain('joinery dead-letters replay dlq_1');
    expect(server.requests[0]?.url).toBe('/v1/dead-letters/dlq_1');
  });

  it('replays, and reports a repeat that changed nothing', async () => {
    const { env, server } = await serve((_request, index) => ({
      json:
        index === 0
          ? {
              replayed: true,
              status: 'pending',
              message: 'delivery msg_1 is queued again',
              deadLetter: { ...letter, replayCount: 1 },
            }
          : {
              replayed: false,
              status: 'pending',
              message: 'delivery msg_1 is already queued',
              deadLetter: { ...letter, replayCount: 1 },
            },
    }));
    const first = await cli(['dead-letters', 'replay', 'dlq_1'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Replayed: delivery msg_1 is queued again/);
    const second = await cli(['dead-letters', 'replay', 'dlq_1', '--json'], { env });
    expect(JSON.parse(second.stdout)).toMatchObject({ replayed: false, status: 'pending' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/dead-letters/dlq_1/replay',
      'POST /v1/dead-letters/dlq_1/replay',
    ]);
  });

  it('turns a refused replay into exit 1 with the server message', async () => {
    const { env } = await serve(() => ({
      status: 409,
      json: {
        error: {
          code: 'conflict',
          message: 'delivery msg_1 cannot be replayed: its endpoint whe_1 was deleted',
          retryable: false,
        },
      },
    }));
    const { code, stderr } = await cli(['dead-letters', 'replay', 'dlq_1'], { env });
    expect(code).toBe(1);
    expect(stderr).toContain('its endpoint whe_1 was deleted');
  });

  it('needs an id for replay', async () => {
    const { env } = await serve(() => ({ json: {} }));
    const { code, stderr } = await cli(['dead-letters', 'replay'], { env });
    expect(code).toBe(2);
    expect(stderr).toContain("needs the dead letter's id");
  });
});
