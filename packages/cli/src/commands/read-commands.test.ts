import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

const summary = {
  id: 'github',
  name: 'GitHub',
  description: 'Repositories, issues and pull requests.',
  docsUrl: 'https://docs.github.com/rest',
  authTypes: ['api_key'],
  baseUrl: 'https://api.github.com',
  actions: [
    { name: 'list_repositories', description: 'List repositories.' },
    { name: 'create_issue', description: 'Open an issue.' },
  ],
};

describe('joinery connectors', () => {
  it('prints a table of connectors', async () => {
    const { env } = await serve(() => ({ json: { data: [summary] } }));
    const { code, stdout } = await cli(['connectors'], { env });
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+AUTH\s+ACTIONS\s+DESCRIPTION$/);
    expect(stdout.split('\n')[1]).toMatch(/^github\s+GitHub\s+api_key\s+2\s+Repositories, issues/);
  });

  it('shows one connector with its actions', async () => {
    const detail = {
      ...summary,
      actions: [
        {
          name: 'list_repositories',
          description: 'List repositories.',
          method: 'GET',
          path: '/user/repos',
          input: {},
          output: {},
        },
      ],
      healthCheck: { method: 'GET', path: '/user' },
      pagination: { type: 'link' },
      rateLimit: null,
    };
    const { server, env } = await serve(() => ({ json: detail }));
    const { code, stdout } = await cli(['connectors', 'github'], { env });
    expect(code).toBe(0);
    expect(server.requests[0]?.path).toBe('/v1/connectors/github');
    expect(stdout).toContain('github - GitHub');
    expect(stdout).toContain('health check: GET /user');
    expect(stdout).toMatch(/^list_repositories\s+GET\s+\/user\/repos\s+List repositories\.$/m);
  });

  it('prints JSON with --json', async () => {
    const { env } = await serve(() => ({ json: { data: [summary] } }));
    const { stdout } = await cli(['connectors', '--json'], { env });
    expect(JSON.parse(stdout)).toEqual([summary]);
  });

  it('answers not_found for an unknown connector with exit 1', async () => {
    const { env } = await serve(() => ({
      status: 404,
      json: { error: { code: 'not_found', message: 'no connector "gitlab"', retryable: false } },
    }));
    const { code, stderr } = await cli(['connectors', 'gitlab'], { env });
    expect(code).toBe(1);
    expect(stderr).toBe('error not_found: no connector "gitlab"\n');
  });
});

describe('joinery connections', () => {
  const connection = (id: string, overrides: object = {}) => ({
    id,
    integration: 'github-sandbox',
    connector: 'github',
    tenant: 'acme',
    authType: 'api_key',
    state: 'healthy',
    lastError: null,
    tokenExpiresAt: null,
    lastCheckedAt: null,
    metadata: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  });

  it('prints id, integration, tenant, state and last error, filtering on the server', async () => {
    const { server, env } = await serve(() => ({
      json: {
        data: [
          connection('conn_1'),
          connection('conn_2', {
            state: 'needs_reauth',
            lastError: {
              code: 'auth_revoked',
              message: 'Bad credentials\u001b[2J',
              at: '2025-01-02T00:00:00Z',
            },
          }),
        ],
      },
    }));
    const { code, stdout } = await cli(
      ['connections', '--tenant', 'acme', '--integration', 'github-sandbox'],
      { env },
    );

    expect(code).toBe(0);
    expect(server.requests[0]?.query.get('tenant')).toBe('acme');
    expect(server.requests[0]?.query.get('integration')).toBe('github-sandbox');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+INTEGRATION\s+TENANT\s+STATE\s+LAST ERROR$/);
    expect(lines[1]).toMatch(/^conn_1\s+github-sandbox\s+acme\s+healthy\s+-$/);
    expect(lines[2]).toMatch(
      /^conn_2\s+github-sandbox\s+acme\s+needs_reauth\s+auth_revoked: Bad credentials\?\[2J$/,
    );
    // Columns line up.
    expect(lines[1]?.indexOf('github-sandbox')).toBe(lines[0]?.indexOf('INTEGRATION'));
  });

  it('says so when there are none', async () => {
    const { env } = await serve(() => ({ json: { data: [] } }));
    const { stdout } = await cli(['connections'], { env });
    expect(stdout).toBe('No connections.\n');
  });
});

describe('joinery call', () => {
  it('sends {} by default and prints the output as JSON', async () => {
    const { server, env } = await serve(() => ({
      json: { output: [{ name: 'hello-world' }], requestId: 'req_1' },
    }));
    const { code, stdout } = await cli(['call', 'conn_1', 'list_repositories'], { env });
    expect(code).toBe(0);
    expect(server.requests[0]?.path).toBe('/v1/connections/conn_1/actions/list_repositories');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ input: {} });
    expect(JSON.parse(stdout)).toEqual([{ name: 'hello-world' }]);
  });

  it('sends inline input and the idempotency key; --json adds the request id', async () => {
    const { server, env } = await serve(() => ({
      json: { output: { number: 7 }, requestId: 'req_2' },
    }));
    const { code, stdout } = await cli(
      [
        'call',
        'conn_1',
        'create_issue',
        '--input',
        '{"title":"Hi"}',
        '--idempotency-key',
        'issue-1',
        '--json',
      ],
      { env },
    );
    expect(code).toBe(0);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ input: { title: 'Hi' } });
    expect(server.requests[0]?.headers['idempotency-key']).toBe('issue-1');
    expect(JSON.parse(stdout)).toEqual({ output: { number: 7 }, requestId: 'req_2' });
  });

  it('reads the input from a file with @file and from stdin with @-', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'joinery-cli-'));
    try {
      const file = join(dir, 'input.json');
      await writeFile(file, '{"owner":"octocat","repo":"hello-world"}');
      const { server, env } = await serve(() => ({ json: { output: null, requestId: 'r' } }));

      expect(
        (await cli(['call', 'c', 'get_repository', '--input', `@${file}`], { env })).code,
      ).toBe(0);
      expect(
        (await cli(['call', 'c', 'get_repository', '--input', '@-'], { env, stdin: '{"a":1}' }))
          .code,
      ).toBe(0);

      expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
        input: { owner: 'octocat', repo: 'hello-world' },
      });
      expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual({ input: { a: 1 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
