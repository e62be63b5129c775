import { startScriptedJoinery, type ScriptedJoinery } from '@joinery/sdk/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, TEST_KEY as KEY } from '../test-io.js';

const SECRET = 'ghp_very_secret_token_value_42';
let server: ScriptedJoinery;

const created = {
  id: 'conn_abc',
  integration: 'github-sandbox',
  connector: 'github',
  tenant: 'acme',
  authType: 'api_key',
  state: 'healthy',
  lastError: null,
  tokenExpiresAt: null,
  lastCheckedAt: '2025-01-01T00:00:00.000Z',
  metadata: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

beforeEach(async () => {
  server = await startScriptedJoinery(() => ({ status: 201, json: created }));
});
afterEach(async () => {
  await server.close();
});

function env(extra: Record<string, string> = {}) {
  return { JOINERY_SECRET_KEY: KEY, JOINERY_URL: server.url, ...extra };
}

function sentBody(): unknown {
  return JSON.parse(server.requests[0]?.body ?? 'null');
}

describe('joinery connect', () => {
  it('reads an API key from the named variable and prints the id and state, never the key', async () => {
    const { code, stdout, stderr } = await cli(
      ['connect', 'github-sandbox', '--tenant', 'acme', '--api-key-env', 'GITHUB_TOKEN'],
      { env: env({ GITHUB_TOKEN: SECRET }) },
    );

    expect(code).toBe(0);
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.path).toBe('/v1/connections');
    expect(sentBody()).toEqual({
      integration: 'github-sandbox',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: SECRET },
    });
    expect(stdout).toContain(
      'Created connection conn_abc (integration github-sandbox, tenant acme): healthy',
    );
    expect(stdout).toContain('joinery call conn_abc <action>');
    expect(stdout + stderr).not.toContain(SECRET);
    expect(stdout + stderr).not.toContain(KEY);
  });

  it('reads a token from stdin, less the trailing newline', async () => {
    const { code, stdout, stderr } = await cli(
      ['connect', 'github-sandbox', '--tenant', 'acme', '--token-stdin'],
      { env: env(), stdin: `${SECRET}\n` },
    );
    expect(code).toBe(0);
    expect(sentBody()).toMatchObject({ credentials: { type: 'bearer', token: SECRET } });
    expect(stdout + stderr).not.toContain(SECRET);
  });

  it('reads an API key from stdin', async () => {
    const { code } = await cli(['connect', 'gh', '--tenant', 'acme', '--api-key-stdin'], {
      env: env(),
      stdin: SECRET,
    });
    expect(code).toBe(0);
    expect(sentBody()).toMatchObject({ credentials: { type: 'api_key', apiKey: SECRET } });
  });

  it('builds basic credentials from --username and a password variable', async () => {
    const { code, stdout } = await cli(
      [
        'connect',
        'zendesk',
        '--tenant',
        'acme',
        '--username',
        'ops@acme.test',
        '--password-env',
        'ZD_PASSWORD',
      ],
      { env: env({ ZD_PASSWORD: SECRET }) },
    );
    expect(code).toBe(0);
    expect(sentBody()).toMatchObject({
      credentials: { type: 'basic', username: 'ops@acme.test', password: SECRET },
    });
    expect(stdout).not.toContain(SECRET);
  });

  it('prints the connection as JSON with --json', async () => {
    const { code, stdout } = await cli(
      ['connect', 'gh', '--tenant', 'acme', '--api-key-env', 'GITHUB_TOKEN', '--json'],
      { env: env({ GITHUB_TOKEN: SECRET }) },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(created);
  });

  it('names an unset variable, and sends nothing', async () => {
    const { code, stderr } = await cli(
      ['connect', 'gh', '--tenant', 'acme', '--api-key-env', 'GITHUB_TOKEN'],
      {
        env: env(),
      },
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--api-key-env names the environment variable GITHUB_TOKEN, which is not set',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('does not print back a secret passed where the variable name goes', async () => {
    const { code, stderr } = await cli(
      ['connect', 'gh', '--tenant', 'acme', '--token-env', SECRET],
      {
        env: env(),
      },
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--token-env takes the NAME of an environment variable');
    expect(stderr).not.toContain(SECRET);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an empty stdin', async () => {
    const { code, stderr } = await cli(['connect', 'gh', '--tenant', 'acme', '--api-key-stdin'], {
      env: env(),
      stdin: '\n',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('stdin was empty; expected the API key');
  });

  it('keeps the secret out of the output when the server echoes it in an error', async () => {
    await server.close();
    server = await startScriptedJoinery((req) => ({
      status: 422,
      json: {
        error: {
          code: 'provider_rejected',
          message: `GitHub said 401 to the health check with ${req.body}`,
          retryable: false,
          details: { sent: req.body },
        },
      },
    }));
    const { code, stderr } = await cli(
      ['connect', 'gh', '--tenant', 'acme', '--api-key-env', 'GITHUB_TOKEN'],
      {
        env: env({ GITHUB_TOKEN: SECRET }),
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('error provider_rejected: GitHub said 401 to the health check with');
    expect(stderr).toContain('"apiKey":"[redacted]"');
    expect(stderr).not.toContain(SECRET);
    expect(stderr).not.toContain(KEY);
  });
});
