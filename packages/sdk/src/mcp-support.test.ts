// What `joinery mcp` and the builder tools need from the SDK: the reconnect link of an
// auth_revoked answer, and an integration's schema drift.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { isJoineryError } from './errors.js';
import { startScriptedJoinery, type ScriptedJoinery } from './testing.js';

const secretKey = 'jny_sk_test_0123456789abcdef0123456789';

describe('the SDK for MCP and the builder', () => {
  let server: ScriptedJoinery | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('keeps the reconnect link of an auth_revoked answer', async () => {
    server = await startScriptedJoinery(() => ({
      status: 401,
      json: {
        error: {
          code: 'auth_revoked',
          message: 'connection conn_1 needs re-authorisation',
          retryable: false,
          connectionId: 'conn_1',
          reconnectUrl: 'http://127.0.0.1:3003/connect/tok_abc',
        },
      },
    }));
    const client = createClient({ url: server.url, secretKey });
    const error = await client.actions
      .run('conn_1', 'get_contact', { id: '51' })
      .catch((e: unknown) => e);
    expect(isJoineryError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'auth_revoked',
      reconnectUrl: 'http://127.0.0.1:3003/connect/tok_abc',
    });
    expect((error as { toJSON(): unknown }).toJSON()).toMatchObject({
      reconnectUrl: 'http://127.0.0.1:3003/connect/tok_abc',
    });
  });

  it("reads an integration's schema drift", async () => {
    const drift = {
      action: 'list_issues',
      path: 'output[].labels[].color',
      kind: 'retyped',
      example: 'expected string, got number',
      count: 3,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-02T00:00:00.000Z',
    };
    server = await startScriptedJoinery(() => ({ json: { data: [drift] } }));
    const client = createClient({ url: server.url, secretKey });
    expect(await client.integrations.schemaDrift('github/sandbox')).toEqual([drift]);
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/integrations/github%2Fsandbox/schema-drift',
    });
  });
});
