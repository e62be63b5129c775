import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { retryAfterFromHeader } from './answers.js';
import { createClient, isJoineryError, JoineryError } from './index.js';
import { startScriptedJoinery, type Script, type ScriptedJoinery } from './testing.js';

const KEY = 'jsk_live_secret_0123456789abcdef';
let server: ScriptedJoinery | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failureOf(
  script: Script,
  call: (client: ReturnType<typeof createClient>) => Promise<unknown> = (client) =>
    client.connectors.list(),
  timeoutMs?: number,
): Promise<JoineryError> {
  server = await startScriptedJoinery(script);
  const client = createClient({
    url: server.url,
    secretKey: KEY,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  try {
    await call(client);
  } catch (error) {
    if (isJoineryError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('error envelopes', () => {
  it('maps every field of the envelope', async () => {
    const error = await failureOf(
      () => ({
        status: 429,
        json: {
          error: {
            code: 'rate_limited',
            message: 'GitHub says wait',
            retryable: true,
            retryAfterMs: 1500,
            connectionId: 'conn_1',
            requestId: 'req_7',
            details: { providerStatus: 429 },
          },
        },
      }),
      (client) => client.actions.run('conn_1', 'list_repositories', {}),
    );

    expect(error).toBeInstanceOf(JoineryError);
    expect(error.toJSON()).toEqual({
      code: 'rate_limited',
      message: 'GitHub says wait',
      retryable: true,
      status: 429,
      retryAfterMs: 1500,
      connectionId: 'conn_1',
      requestId: 'req_7',
      details: { providerStatus: 429 },
    });
  });

  it('keeps the JSON path of invalid_input', async () => {
    const error = await failureOf(() => ({
      status: 400,
      json: {
        error: { code: 'invalid_input', message: 'expected string', retryable: false, path: '/a' },
      },
    }));
    expect(error.code).toBe('invalid_input');
    expect(error.path).toBe('/a');
    expect(error.retryable).toBe(false);
  });

  it('reads Retry-After (seconds) when the envelope has no retryAfterMs', async () => {
    const error = await failureOf(() => ({
      status: 429,
      headers: { 'retry-after': '3' },
      json: { error: { code: 'rate_limited', message: 'slow down' } },
    }));
    expect(error.retryAfterMs).toBe(3000);
    // Absent `retryable` falls back to what the code means.
    expect(error.retryable).toBe(true);
  });

  it('passes an unknown code through verbatim', async () => {
    const error = await failureOf(() => ({
      status: 418,
      json: { error: { code: 'teapot', message: 'short and stout', retryable: false } },
    }));
    expect(error.code).toBe('teapot');
    expect(error.status).toBe(418);
  });

  it('takes the request id from Joinery-Request-Id when the envelope has none', async () => {
    const error = await failureOf(() => ({
      status: 404,
      headers: { 'joinery-request-id': 'req_hdr' },
      json: { error: { code: 'not_found', message: 'no connector x', retryable: false } },
    }));
    expect(error.requestId).toBe('req_hdr');
  });
});

describe('answers that are not envelopes', () => {
  it('reports an HTML 500 as internal, quoting the start of the body', async () => {
    const error = await failureOf(() => ({
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: '<html>\n<body>Oops</body></html>',
    }));
    expect(error.code).toBe('internal');
    expect(error.status).toBe(500);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('answered 500');
    expect(error.message).toContain('GET /v1/connectors');
    expect(error.message).toContain('<html> <body>Oops</body></html>');
    expect(error.message).toContain('Is this URL a Joinery server?');
  });

  it('reports a gateway 502 as a retryable network error', async () => {
    const error = await failureOf(() => ({ status: 502, body: 'Bad Gateway' }));
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not reach it/);
  });

  it('reports a 2xx body that is not JSON as internal', async () => {
    const error = await failureOf(() => ({ status: 200, body: 'hello' }));
    expect(error.code).toBe('internal');
    expect(error.message).toContain('not JSON');
  });

  it('reports a list without data as internal', async () => {
    const error = await failureOf(() => ({ json: { items: [] } }));
    expect(error.code).toBe('internal');
    expect(error.message).toContain('"data"');
  });
});

describe('failures to reach Joinery', () => {
  it('reports a refused connection as network, naming the address and the reason', async () => {
    // A port that was free a moment ago and has nothing listening now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));

    const client = createClient({ url: `http://127.0.0.1:${port}`, secretKey: KEY });
    const error = await client.connections.list().catch((e: unknown) => e);

    expect(isJoineryError(error)).toBe(true);
    expect((error as JoineryError).code).toBe('network');
    expect((error as JoineryError).status).toBeNull();
    expect((error as JoineryError).message).toContain(`127.0.0.1:${port}`);
    expect((error as JoineryError).message).toContain('ECONNREFUSED');
  });

  it('reports a dropped connection as network', async () => {
    const error = await failureOf(() => ({ reset: true }));
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
  });

  it('reports a server slower than timeoutMs as timeout', async () => {
    const error = await failureOf(
      () => ({ delayMs: 2_000, json: { data: [] } }),
      (client) => client.connectors.list(),
      100,
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('100 ms');
  });

  it("rejects with the caller's own reason when the caller aborts", async () => {
    server = await startScriptedJoinery(() => ({ delayMs: 2_000, json: { data: [] } }));
    const client = createClient({ url: server.url, secretKey: KEY });
    const controller = new AbortController();
    const pending = client.connectors.list({ signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
  });
});

describe('the secret key', () => {
  // A careless server (or proxy) that echoes the Authorization header back.
  const echo: Script = (req) => ({
    status: 401,
    json: {
      error: {
        code: 'unauthorized',
        message: `key ${String(req.headers.authorization)} is not valid`,
        retryable: false,
        details: { header: req.headers.authorization, [KEY]: 'as a key too' },
      },
    },
  });

  it('never appears in an error, however it is printed', async () => {
    const error = await failureOf(echo);

    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('[redacted]');
    for (const text of [
      error.message,
      String(error),
      error.stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
    ]) {
      expect(text).not.toContain(KEY);
    }
  });

  it('never appears in a body that is not an envelope', async () => {
    const error = await failureOf((req) => ({
      status: 500,
      body: `crash: ${String(req.headers.authorization)}`,
    }));
    expect(error.message).toContain('crash: Bearer [redacted]');
    expect(error.message).not.toContain(KEY);
  });

  it('never appears when the client itself is printed or serialised', () => {
    const client = createClient({ url: 'http://127.0.0.1:3003', secretKey: KEY, tenant: 'acme' });
    for (const text of [
      String(client),
      JSON.stringify(client),
      inspect(client, { depth: 10, showHidden: true }),
    ]) {
      expect(text).not.toContain(KEY);
    }
    expect(String(client)).toBe('JoineryClient(http://127.0.0.1:3003, tenant acme)');
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      url: 'http://127.0.0.1:3003',
      tenant: 'acme',
    });
  });

  it('never appears in the message about a bad key', () => {
    const bad = `${KEY}\n`;
    let message = '';
    try {
      createClient({ url: 'http://x', secretKey: bad });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('secretKey');
    expect(message).not.toContain(KEY);
  });
});

describe('isJoineryError', () => {
  it('recognises a JoineryError from another copy of the SDK by name and code', () => {
    const foreign = Object.assign(new Error('x'), { name: 'JoineryError', code: 'timeout' });
    expect(isJoineryError(foreign)).toBe(true);
    expect(isJoineryError(new Error('x'))).toBe(false);
    expect(isJoineryError({ name: 'JoineryError', code: 'timeout' })).toBe(false);
  });
});

describe('retryAfterFromHeader', () => {
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterFromHeader('120', now)).toBe(120_000);
    expect(retryAfterFromHeader('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterFromHeader('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterFromHeader('soon', now)).toBeUndefined();
    expect(retryAfterFromHeader(null, now)).toBeUndefined();
  });
});
