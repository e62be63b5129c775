import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  isJoineryError,
  type JoineryClient,
  type JoineryError,
  type LogEntry,
} from './index.js';
import { startScriptedJoinery, type Script, type ScriptedJoinery } from './testing.js';

const KEY = 'jsk_test_0123456789abcdef';
let server: ScriptedJoinery | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: Script): Promise<ScriptedJoinery> {
  server = await startScriptedJoinery(script);
  return server;
}

/** A client of a scripted Joinery, and the requests that Joinery received. */
async function clientFor(script: Script) {
  const { url, requests } = await serve(script);
  return { client: createClient({ url, secretKey: KEY }), requests };
}

async function rejection(promise: Promise<unknown>): Promise<JoineryError> {
  try {
    await promise;
  } catch (error) {
    if (isJoineryError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function logEntry(id: string): LogEntry {
  return {
    id,
    at: '2025-01-01T00:00:00.000Z',
    connectionId: 'conn_1',
    integration: 'github',
    tenant: 'acme',
    source: 'action',
    action: 'list_repositories',
    method: 'GET',
    url: 'https://api.github.com/user/repos',
    status: 200,
    durationMs: 12,
    errorCode: null,
    requestId: `req_${id}`,
  };
}

describe('requests', () => {
  it('sends the key as a bearer token and the tenant as Joinery-Tenant on /v1 routes', async () => {
    const { url, requests } = await serve(() => ({ json: { data: [] } }));
    const client = createClient({ url, secretKey: KEY, tenant: 'acme' });

    await client.connectors.list();

    expect(requests[0]?.path).toBe('/v1/connectors');
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(requests[0]?.headers['joinery-tenant']).toBe('acme');
  });

  it('sends no key and no tenant to /health', async () => {
    const { url, requests } = await serve(() => ({
      json: { status: 'ok', version: '0.1.0', store: 'pglite' },
    }));
    const health = await createClient({ url, secretKey: KEY, tenant: 'acme' }).health();

    expect(health.store).toBe('pglite');
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(requests[0]?.headers['joinery-tenant']).toBeUndefined();
  });

  it('omits Joinery-Tenant without a tenant, and withTenant adds one to a copy', async () => {
    const { url, requests } = await serve(() => ({ json: { data: [] } }));
    const client = createClient({ url, secretKey: KEY });

    await client.connections.list();
    await client.withTenant('globex').connections.list();

    expect(requests[0]?.headers['joinery-tenant']).toBeUndefined();
    expect(requests[1]?.headers['joinery-tenant']).toBe('globex');
    expect(client.tenant).toBeNull();
  });

  it('keeps a path prefix of the base URL and encodes ids as one path segment', async () => {
    const { url, requests } = await serve(() => ({ json: { id: 'x' } }));
    const client = createClient({ url: `${url}/joinery/`, secretKey: KEY });

    await client.connectors.get('a/b?c');

    expect(requests[0]?.url).toBe('/joinery/v1/connectors/a%2Fb%3Fc');
  });

  it('puts integrations with a JSON body and answers the integration', async () => {
    const integration = { key: 'gh', connector: 'github', baseUrl: 'http://127.0.0.1:1/github' };
    const { url, requests } = await serve(() => ({ status: 201, json: integration }));
    const client = createClient({ url, secretKey: KEY });

    const answer = await client.integrations.put('gh', {
      connector: 'github',
      baseUrl: 'http://127.0.0.1:1/github',
      allowPrivateNetwork: true,
    });

    expect(answer).toEqual(integration);
    expect(requests[0]?.method).toBe('PUT');
    expect(requests[0]?.path).toBe('/v1/integrations/gh');
    expect(requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      connector: 'github',
      baseUrl: 'http://127.0.0.1:1/github',
      allowPrivateNetwork: true,
    });
  });

  it('filters connections by tenant and integration, and deletes with a 204', async () => {
    const { url, requests } = await serve((req) =>
      req.method === 'DELETE' ? { status: 204 } : { json: { data: [{ id: 'conn_1' }] } },
    );
    const client = createClient({ url, secretKey: KEY });

    const list = await client.connections.list({ tenant: 'acme', integration: 'gh' });
    await expect(client.connections.delete('conn_1')).resolves.toBeUndefined();

    expect(list).toEqual([{ id: 'conn_1' }]);
    expect(requests[0]?.query.get('tenant')).toBe('acme');
    expect(requests[0]?.query.get('integration')).toBe('gh');
    expect(requests[1]?.method).toBe('DELETE');
    expect(requests[1]?.path).toBe('/v1/connections/conn_1');
  });

  it('creates a connection with its credentials in the body', async () => {
    const { url, requests } = await serve(() => ({ status: 201, json: { id: 'conn_9' } }));
    const client = createClient({ url, secretKey: KEY });

    const connection = await client.connections.create({
      integration: 'gh',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: 'ghp_x' },
    });

    expect(connection.id).toBe('conn_9');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      integration: 'gh',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: 'ghp_x' },
    });
  });

  it('creates a connect session and answers its URL', async () => {
    const { url, requests } = await serve(() => ({
      status: 201,
      json: { url: 'http://joinery.test/connect/cs_1' },
    }));
    const session = await createClient({ url, secretKey: KEY }).connectSessions.create({
      integration: 'hubspot',
      tenant: 'acme',
    });
    expect(session.url).toBe('http://joinery.test/connect/cs_1');
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.path).toBe('/v1/connect-sessions');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ integration: 'hubspot', tenant: 'acme' });
  });

  it('runs an action with {input} and the Idempotency-Key header', async () => {
    const { url, requests } = await serve(() => ({
      json: { output: [{ name: 'joinery' }], requestId: 'req_1' },
    }));
    const client = createClient({ url, secretKey: KEY });

    const result = await client.actions.run<{ name: string }[]>(
      'conn_1',
      'list_repositories',
      { perPage: 5 },
      { idempotencyKey: 'idem-42' },
    );

    expect(result).toEqual({ output: [{ name: 'joinery' }], requestId: 'req_1' });
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.path).toBe('/v1/connections/conn_1/actions/list_repositories');
    expect(requests[0]?.headers['idempotency-key']).toBe('idem-42');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ input: { perPage: 5 } });
  });

  it('sends no Idempotency-Key unless asked to', async () => {
    const { url, requests } = await serve(() => ({ json: { output: null, requestId: 'r' } }));
    await createClient({ url, secretKey: KEY }).actions.run('c', 'a', {});
    expect(requests[0]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('proxy', () => {
  it('relays the raw response, provider 4xx included, without throwing', async () => {
    const { url, requests } = await serve(() => ({
      status: 404,
      headers: { 'x-github-request-id': 'abc' },
      json: { message: 'Not Found' },
    }));
    const client = createClient({ url, secretKey: KEY });

    const response = await client.proxy('conn_1', 'post', '/repos/o/r/issues?state=open', {
      query: { labels: ['bug', 'p1'], per_page: 5 },
      body: { title: 'hi' },
      headers: { 'x-custom': '1', authorization: 'Bearer provider-token' },
    });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-github-request-id')).toBe('abc');
    expect(await response.json()).toEqual({ message: 'Not Found' });
    const sent = requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/v1/proxy/conn_1/repos/o/r/issues');
    expect(sent?.query.get('state')).toBe('open');
    expect(sent?.query.getAll('labels')).toEqual(['bug', 'p1']);
    expect(sent?.query.get('per_page')).toBe('5');
    expect(sent?.headers['x-custom']).toBe('1');
    // Joinery's key wins: the provider's credential comes from the connection, not the caller.
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ title: 'hi' });
  });

  it('sends string bodies as they are', async () => {
    const { url, requests } = await serve(() => ({ status: 200, body: 'ok' }));
    const response = await createClient({ url, secretKey: KEY }).proxy('c', 'PUT', 'x', {
      body: 'a=1&b=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await response.text()).toBe('ok');
    expect(requests[0]?.body).toBe('a=1&b=2');
    expect(requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it.each(['../connections', 'a/../../v1/connections', 'a/%2e%2E/b', './x'])(
    'refuses the dot-segment path %s before sending anything',
    async (path) => {
      const { url, requests } = await serve(() => ({ status: 200 }));
      const error = await rejection(createClient({ url, secretKey: KEY }).proxy('c', 'GET', path));
      expect(error.code).toBe('invalid_input');
      expect(requests).toHaveLength(0);
    },
  );

  it('refuses a body on GET with a message that says what to do', async () => {
    const { url } = await serve(() => ({ status: 200 }));
    const error = await rejection(
      createClient({ url, secretKey: KEY }).proxy('c', 'GET', '/x', { body: { a: 1 } }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/POST, PUT or PATCH/);
  });
});

describe('logs', () => {
  it('lists one page, sending since as ISO 8601, and reads an absent nextCursor as null', async () => {
    const { url, requests } = await serve(() => ({ json: { data: [logEntry('1')] } }));
    const client = createClient({ url, secretKey: KEY });

    const page = await client.logs.list({
      connection: 'conn_1',
      since: new Date('2025-01-01T00:00:00Z'),
      limit: 10,
    });

    expect(page).toEqual({ data: [logEntry('1')], nextCursor: null });
    expect(requests[0]?.query.get('connection')).toBe('conn_1');
    expect(requests[0]?.query.get('since')).toBe('2025-01-01T00:00:00.000Z');
    expect(requests[0]?.query.get('limit')).toBe('10');
    expect(requests[0]?.query.has('cursor')).toBe(false);
  });

  it('iterates every page by following nextCursor', async () => {
    const pages: Record<string, { data: LogEntry[]; nextCursor: string | null }> = {
      '': { data: [logEntry('1'), logEntry('2')], nextCursor: 'c2' },
      c2: { data: [logEntry('3')], nextCursor: 'c3' },
      c3: { data: [logEntry('4')], nextCursor: null },
    };
    const { url, requests } = await serve((req) => ({
      json: pages[req.query.get('cursor') ?? ''] ?? { error: { code: 'not_found', message: '' } },
    }));
    const client = createClient({ url, secretKey: KEY });

    const ids: string[] = [];
    for await (const entry of client.logs.iterate({ connection: 'conn_1', limit: 2 })) {
      ids.push(entry.id);
    }

    expect(ids).toEqual(['1', '2', '3', '4']);
    expect(requests.map((r) => r.query.get('cursor'))).toEqual([null, 'c2', 'c3']);
    expect(requests.every((r) => r.query.get('connection') === 'conn_1')).toBe(true);
    expect(requests.every((r) => r.query.get('limit') === '2')).toBe(true);
  });

  it('stops with an error instead of looping when the server repeats a cursor', async () => {
    const { url, requests } = await serve(() => ({
      json: { data: [logEntry('1')], nextCursor: 'same' },
    }));
    const client = createClient({ url, secretKey: KEY });

    const error = await rejection(
      (async () => {
        for await (const _entry of client.logs.iterate()) {
          // drain
        }
      })(),
    );

    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/same nextCursor/);
    expect(requests).toHaveLength(2);
  });
});

describe('options', () => {
  it.each([
    [{ url: 'not a url', secretKey: KEY }, /not a URL/],
    [{ url: 'ftp://x', secretKey: KEY }, /http: or https:/],
    [{ url: 'http://me:pw@x', secretKey: KEY }, /must not contain a user name or password/],
    [{ url: 'http://x', secretKey: '' }, /secretKey is empty/],
    [{ url: 'http://x', secretKey: `${KEY}\n` }, /trailing newline/],
    [{ url: 'http://x', secretKey: KEY, tenant: 'bad\ntenant' }, /tenant must be/],
    [{ url: 'http://x', secretKey: KEY, timeoutMs: 0 }, /timeoutMs/],
  ])('refuses %o', (options, message) => {
    expect(() => createClient(options)).toThrow(message);
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      seen.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(Response.json({ data: [] }));
    };
    const client = createClient({ url: 'http://joinery.test', secretKey: KEY, fetch: fakeFetch });

    await client.integrations.list();

    expect(seen).toEqual(['http://joinery.test/v1/integrations']);
  });
});

// What every API group shares (request-parts.ts): path segments, the list envelope, the signal.
describe('an empty id or key in the path', () => {
  const cases: [string, (client: JoineryClient) => Promise<unknown>, RegExp][] = [
    ['connectors.get', (c) => c.connectors.get(''), /^id is empty: pass a connector id/],
    [
      'integrations.put',
      (c) => c.integrations.put('', { connector: 'github' }),
      /^key is empty: pass an integration key/,
    ],
    [
      'connections.delete',
      (c) => c.connections.delete(''),
      /^id is empty: pass a connection id such as "conn_…"/,
    ],
    [
      'actions.run',
      (c) => c.actions.run('conn_1', '', {}),
      /^action is empty: pass an action name/,
    ],
    ['proxy', (c) => c.proxy('', 'GET', '/user'), /^connectionId is empty: pass a connection id/],
    [
      'connectionHealth.disable',
      (c) => c.connectionHealth.disable(''),
      /^connectionId is empty: pass a connection id such as "conn_…"/,
    ],
    [
      'webhookEndpoints.deliveries',
      (c) => c.webhookEndpoints.deliveries(''),
      /^id is empty: pass an endpoint id such as "whe_…"/,
    ],
    [
      'deadLetters.replay',
      (c) => c.deadLetters.replay(''),
      /^id is empty: pass a dead letter id such as "dlq_…"/,
    ],
    [
      'scorecards.get',
      (c) => c.scorecards.get(''),
      /^connectorId is empty: pass a connector id such as "github"/,
    ],
    ['syncs.runs', (c) => c.syncs.runs(''), /^id is empty: pass a sync id such as "sync_…"/],
    [
      'runs.submit',
      (c) => c.runs.submit('', 'create_issue', {}),
      /^connectionId is empty: pass a connection id/,
    ],
    ['runs.cancel', (c) => c.runs.cancel(''), /^id is empty: pass a run id such as "run_…"/],
    ['flows.delete', (c) => c.flows.delete(''), /^id is empty: pass a flow id such as "flow_…"/],
  ];

  it.each(cases)(
    '%s rejects (never throws at the call) with invalid_input, naming what to pass, and sends nothing',
    async (_name, call, message) => {
      const { client, requests } = await clientFor(() => ({ json: {} }));
      let pending: Promise<unknown> = Promise.resolve();
      expect(() => (pending = call(client))).not.toThrow();
      const error = await rejection(pending);
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(message);
      expect(requests).toHaveLength(0);
    },
  );

  it('encodes an id so that it stays one segment', async () => {
    const { client, requests } = await clientFor(() => ({ json: { id: 'x' } }));
    await client.runs.get('a/../b?c');
    expect(requests[0]?.url).toBe('/v1/runs/a%2F..%2Fb%3Fc');
  });
});

describe('the list envelope', () => {
  it.each([
    ['runs.list', (c: JoineryClient) => c.runs.list(), 'GET /v1/runs'],
    ['flows.list', (c: JoineryClient) => c.flows.list(), 'GET /v1/flows'],
    [
      'connectionHealth.list',
      (c: JoineryClient) => c.connectionHealth.list(),
      'GET /v1/health/connections',
    ],
    ['syncs.list', (c: JoineryClient) => c.syncs.list(), 'GET /v1/syncs'],
    ['scorecards.list', (c: JoineryClient) => c.scorecards.list(), 'GET /v1/scorecards'],
  ])('%s refuses an answer without "data", naming the route', async (_name, call, route) => {
    const { client } = await clientFor(() => ({ json: { items: [] } }));
    const error = await rejection(call(client));
    expect(error.code).toBe('internal');
    expect(error.message).toContain(`answered ${route}`);
    expect(error.message).toContain('without the "data" field');
  });

  it('reads an empty or absent nextCursor as the last page', async () => {
    const { client } = await clientFor((_request, index) => ({
      json: { data: [], ...(index === 0 ? { nextCursor: '' } : {}) },
    }));
    expect(await client.runs.list()).toEqual({ data: [], nextCursor: null });
    expect(await client.alerts.list()).toEqual({ data: [], nextCursor: null });
  });

  it('keeps a cursor the server gave', async () => {
    const { client } = await clientFor(() => ({
      json: { data: [{ id: 'dlq_1' }], nextCursor: 'c2' },
    }));
    expect(await client.webhookEndpoints.deliveries('whe_1')).toEqual({
      data: [{ id: 'dlq_1' }],
      nextCursor: 'c2',
    });
  });
});

describe("the caller's signal", () => {
  it('cancels a request of any group', async () => {
    const { client } = await clientFor(() => ({ delayMs: 5_000, json: { data: [] } }));
    const controller = new AbortController();
    const pending = client.syncs.list({}, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
  });
});

describe('records', () => {
  it('reads the change stream and the conflicts between synced connections, page by page', async () => {
    const finding = { kind: 'missing_in_b', key: 'ada@example.com', aId: '51' };
    const { client, requests } = await clientFor((request) =>
      request.path === '/v1/records'
        ? {
            json: {
              changes: [{ op: 'added', id: '51', record: {} }],
              nextCursor: '7',
              hasMore: false,
            },
          }
        : { json: { findings: [finding], compared: { a: 1, b: 0 }, nextCursor: null } },
    );
    const changes = await client.records.changes({
      connection: 'conn_a',
      model: 'Contact',
      limit: 10,
    });
    expect(changes).toEqual({
      changes: [{ op: 'added', id: '51', record: {} }],
      nextCursor: '7',
      hasMore: false,
    });
    const page = await client.records.conflicts({
      a: 'conn_a',
      b: 'conn_b',
      fields: ['email', 'jobTitle'],
      nullIsContradiction: false,
      cursor: 'abc',
      limit: 2,
    });
    expect(page).toEqual({ findings: [finding], compared: { a: 1, b: 0 }, nextCursor: null });
    expect(requests.map((r) => [r.path, Object.fromEntries(r.query)])).toEqual([
      ['/v1/records', { connection: 'conn_a', model: 'Contact', limit: '10' }],
      [
        '/v1/records/conflicts',
        {
          a: 'conn_a',
          b: 'conn_b',
          fields: 'email,jobTitle',
          nullIsContradiction: 'false',
          cursor: 'abc',
          limit: '2',
        },
      ],
    ]);
  });
});

describe('syncs.update', () => {
  it('sends PATCH /v1/syncs/{id} with the frequencies, null included', async () => {
    const { client, requests } = await clientFor(() => ({
      json: { id: 'sync_1', fullFrequencySeconds: null, fullRunDueAt: null },
    }));
    const updated = await client.syncs.update('sync_1', { frequency: '15m', fullFrequency: null });
    expect(updated).toMatchObject({ id: 'sync_1', fullFrequencySeconds: null });
    expect(requests.map((r) => [r.method, r.path, JSON.parse(r.body) as unknown])).toEqual([
      ['PATCH', '/v1/syncs/sync_1', { frequency: '15m', fullFrequency: null }],
    ]);
    await expect(client.syncs.update('', { fullFrequency: '1d' })).rejects.toThrow(
      /^id is empty: pass a sync id/,
    );
  });
});
