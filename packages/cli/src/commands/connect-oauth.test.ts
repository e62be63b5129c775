import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serve = scriptedJoinery();

const connection = (id: string, overrides: object = {}) => ({
  id,
  integration: 'hubspot',
  connector: 'oauth2',
  tenant: 'acme',
  authType: 'oauth2',
  state: 'healthy',
  lastError: null,
  tokenExpiresAt: null,
  lastCheckedAt: null,
  metadata: {},
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('joinery connect without credentials (OAuth)', () => {
  it('creates a Connect session and prints its link', async () => {
    const url = 'http://127.0.0.1:3003/connect/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';
    const { server, env } = await serve(() => ({
      status: 201,
      json: {
        id: 'cs_1',
        url,
        expiresAt: '2025-01-01T00:30:00.000Z',
        integration: 'hubspot',
        tenant: 'acme',
        connectionId: null,
      },
    }));
    const { code, stdout } = await cli(['connect', 'hubspot', '--tenant', 'acme'], { env });
    expect(code).toBe(0);
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.path).toBe('/v1/connect-sessions');
    expect(JSON.parse(server.requests[0]?.body ?? 'null')).toEqual({
      integration: 'hubspot',
      tenant: 'acme',
    });
    expect(stdout.split('\n')).toEqual([
      'Open this link (or send it to the tenant) to connect hubspot by signing in at the provider:',
      url,
      'The link works once. It expires at 2025-01-01T00:30:00.000Z. Then see the connection with: joinery connections',
      '',
    ]);
  });

  it('still refuses half a set of basic credentials', async () => {
    const { server, env } = await serve(() => ({ status: 500 }));
    const { code, stderr } = await cli(
      ['connect', 'zendesk', '--tenant', 'acme', '--username', 'ops'],
      { env },
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('no credentials given');
    expect(server.requests).toEqual([]);
  });
});

describe('joinery connections with OAuth connections', () => {
  it('shows when each token expires', async () => {
    const { env } = await serve(() => ({
      json: {
        data: [
          connection('conn_1', { tokenExpiresAt: '2025-01-01T01:00:00.000Z' }),
          connection('conn_2', { authType: 'api_key', connector: 'github', integration: 'github' }),
        ],
      },
    }));
    const { code, stdout } = await cli(['connections'], { env });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+INTEGRATION\s+TENANT\s+STATE\s+TOKEN EXPIRES\s+LAST ERROR$/);
    expect(lines[1]).toMatch(/^conn_1\s+hubspot\s+acme\s+healthy\s+2025-01-01T01:00:00.000Z\s+-$/);
    expect(lines[2]).toMatch(/^conn_2\s+github\s+acme\s+healthy\s+-\s+-$/);
  });
});
