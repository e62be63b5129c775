import { createServer } from 'node:net';
import { startScriptedJoinery, type ScriptedJoinery } from '@joinery/sdk/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveUrl } from './remote.js';
import { cli } from './test-io.js';

const KEY = 'jny_sk_test_0123456789abcdef0123456789';
let server: ScriptedJoinery | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('resolveUrl', () => {
  it.each([
    [{}, undefined, 'http://127.0.0.1:3003'],
    [
      { JOINERY_HOST: 'joinery.internal', JOINERY_PORT: '8080' },
      undefined,
      'http://joinery.internal:8080',
    ],
    [{ JOINERY_HOST: '0.0.0.0' }, undefined, 'http://127.0.0.1:3003'],
    [{ JOINERY_HOST: '::' }, undefined, 'http://[::1]:3003'],
    [{ JOINERY_HOST: 'fd00::1' }, undefined, 'http://[fd00::1]:3003'],
    [
      { JOINERY_URL: 'https://joinery.example', JOINERY_PORT: '1' },
      undefined,
      'https://joinery.example',
    ],
    [{ JOINERY_URL: 'https://joinery.example' }, 'http://127.0.0.1:4000', 'http://127.0.0.1:4000'],
  ])('env %j with --url %s is %s', (env, flag, expected) => {
    expect(resolveUrl(env, flag)).toBe(expected);
  });

  it('names the source of a URL that is not one', () => {
    expect(() => resolveUrl({ JOINERY_URL: 'joinery:3003' }, undefined)).toThrow(
      /JOINERY_URL must start with http/,
    );
    expect(() => resolveUrl({}, 'nope')).toThrow(/--url gives "nope", which is not a URL/);
  });
});

describe('the secret key', () => {
  it.each([
    [['connectors']],
    [['connections']],
    [['call', 'conn_1', 'list_repositories']],
    [['logs']],
    [['connect', 'gh', '--tenant', 'acme', '--api-key-env', 'GITHUB_TOKEN']],
  ])('%j without JOINERY_SECRET_KEY exits 2 naming the variable', async (argv) => {
    const { code, stdout, stderr } = await cli(argv, { env: { GITHUB_TOKEN: 'x' } });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('JOINERY_SECRET_KEY is not set');
    expect(stderr).toContain('export JOINERY_SECRET_KEY=');
  });

  it('is sent as a bearer token', async () => {
    server = await startScriptedJoinery(() => ({ json: { data: [] } }));
    const { code } = await cli(['connections'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url },
    });
    expect(code).toBe(0);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('is not printed even when the server echoes it back', async () => {
    server = await startScriptedJoinery((req) => ({
      status: 401,
      json: {
        error: {
          code: 'unauthorized',
          message: `bad key ${String(req.headers.authorization)}`,
          retryable: false,
        },
      },
    }));
    const { code, stdout, stderr } = await cli(['connectors'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url },
    });
    expect(code).toBe(1);
    expect(stderr).toContain('error unauthorized: bad key Bearer [redacted]');
    expect(stderr).toContain('hint: this server did not accept JOINERY_SECRET_KEY');
    expect(stdout + stderr).not.toContain(KEY);
  });
});

describe('API errors exit 1 as `error <code>: <message>` with a hint', () => {
  it('says when to retry a rate-limited call', async () => {
    server = await startScriptedJoinery(() => ({
      status: 429,
      json: {
        error: {
          code: 'rate_limited',
          message: 'GitHub rate limit reached',
          retryable: true,
          retryAfterMs: 2000,
          requestId: 'req_9',
        },
      },
    }));
    const { code, stdout, stderr } = await cli(['call', 'conn_1', 'list_repositories'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url },
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error rate_limited: GitHub rate limit reached\nhint: this is temporary: retry in 2 s.\nrequest id: req_9\n',
    );
  });

  it('says what to do about revoked credentials', async () => {
    server = await startScriptedJoinery(() => ({
      status: 401,
      json: {
        error: {
          code: 'auth_revoked',
          message: 'GitHub refused the token (401 Bad credentials)',
          retryable: false,
          connectionId: 'conn_7',
          details: { providerStatus: 401 },
        },
      },
    }));
    const { code, stderr } = await cli(['call', 'conn_7', 'list_repositories'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error auth_revoked: GitHub refused the token (401 Bad credentials)\n',
    );
    expect(stderr).toContain('details: {"providerStatus":401}');
    expect(stderr).toContain('hint: connection conn_7 needs re-authorisation');
    expect(stderr).toContain('joinery connect');
  });

  it('says to start Joinery when nothing listens at the URL', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));

    const { code, stderr } = await cli(['connectors'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: `http://127.0.0.1:${port}` },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error network: could not reach Joinery at http:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toContain('ECONNREFUSED');
    expect(stderr).toContain('hint: is Joinery running there? Start it with `joinery start`');
  });

  it('neutralises terminal escape sequences in messages', async () => {
    server = await startScriptedJoinery(() => ({
      status: 422,
      json: {
        error: {
          code: 'provider_rejected',
          message: 'bad\u001b]0;pwned\u0007title',
          retryable: false,
        },
      },
    }));
    const { stderr } = await cli(['connectors'], {
      env: { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url },
    });
    expect(stderr).toContain('error provider_rejected: bad?]0;pwned?title');
    expect(stderr).not.toContain('\u001b');
  });
});
