import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

const run = (status: string, cancelRequestedAt: string | null) => ({
  id: 'run_1',
  kind: 'action',
  status,
  connectionId: 'conn_1',
  tenant: 'acme',
  action: 'create_issue',
  flowId: null,
  trigger: { type: 'api' },
  input: {},
  output: null,
  error: null,
  attempts: 1,
  maxAttempts: 8,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: status === 'running' ? null : '2026-01-01T00:00:02.000Z',
  cancelRequestedAt,
  steps: [],
});

describe('joinery runs cancel', () => {
  it('cancels a queued run and says so', async () => {
    const { env, server } = await serve(() => ({
      json: run('cancelled', '2026-01-01T00:00:02.000Z'),
    }));
    const { code, stdout } = await cli(['runs', 'cancel', 'run_1'], { env });
    expect(code).toBe(0);
    expect(stdout).toBe('Run run_1 is cancelled.\n');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/runs/run_1/cancel',
    ]);
  });

  it('says a running run stops before its next step, and where to look', async () => {
    const { env } = await serve(() => ({
      status: 202,
      json: run('running', '2026-01-01T00:00:01.000Z'),
    }));
    const { code, stdout } = await cli(['runs', 'cancel', 'run_1'], { env });
    expect(code).toBe(0);
    expect(stdout).toContain('Run run_1 is running: its worker stops it before its next step');
    expect(stdout).toContain('joinery runs show run_1');
    const json = await cli(['runs', 'cancel', 'run_1', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'running',
      cancelRequestedAt: '2026-01-01T00:00:01.000Z',
    });
  });

  it('turns a run that already ended into exit 1 with the server message', async () => {
    const { env } = await serve(() => ({
      status: 409,
      json: {
        error: {
          code: 'conflict',
          message: 'run run_1 cannot be cancelled: it already ended as succeeded',
          retryable: false,
        },
      },
    }));
    const { code, stderr } = await cli(['runs', 'cancel', 'run_1'], { env });
    expect(code).toBe(1);
    expect(stderr).toContain('it already ended as succeeded');
  });

  it('needs an id, and documents itself in --help', async () => {
    const { env, server } = await serve(() => ({ json: {} }));
    const missing = await cli(['runs', 'cancel'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('runs cancel needs the run id');
    const help = await cli(['runs', 'cancel', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('joinery runs cancel ID');
    expect(help.stdout).toContain('before it starts another step');
    const listHelp = await cli(['runs', '--help'], { env });
    expect(listHelp.stdout).toContain('cancel ID');
    expect(listHelp.stdout).toContain('cancelled');
    expect(server.requests).toHaveLength(0);
  });
});

describe('joinery runs', () => {
  it('takes --status cancelled, and shows when cancellation was asked for', async () => {
    const { env, server } = await serve((request) =>
      request.path === '/v1/runs'
        ? { json: { data: [run('cancelled', '2026-01-01T00:00:02.000Z')], nextCursor: null } }
        : { json: run('running', '2026-01-01T00:00:01.000Z') },
    );
    const listed = await cli(['runs', '--status', 'cancelled'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[1]).toMatch(/^run_1\s+action\s+create_issue\s+cancelled\s/);
    const shown = await cli(['runs', 'show', 'run_1'], { env });
    expect(shown.stdout).toContain(
      'cancel:   asked for at 2026-01-01T00:00:01.000Z; it stops before its next step',
    );
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/runs?status=cancelled&limit=50',
      '/v1/runs/run_1',
    ]);
    const wrong = await cli(['runs', 'stop', 'run_1'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('use joinery runs [show ID | cancel ID]');
  });
});
