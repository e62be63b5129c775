import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from './test-harness.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.each(BACKENDS)('Joinery API on %s', (backend) => {
  // A token unique to this run, so finding it anywhere can only mean Joinery leaked it.
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let connectionId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    joinery = await startTestJoinery(backend);
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  it('answers /health without auth and refuses /v1 without the secret key', async () => {
    const health = await fetch(`${joinery.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', store: backend });
    const missing = await fetch(`${joinery.url}/v1/connectors`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { code: 'unauthorized', retryable: false },
    });
    const wrong = await joinery.api('GET', '/v1/connectors', undefined, {
      authorization: 'Bearer jny_sk_wrong',
    });
    expect(wrong.status).toBe(401);
  });

  it('lists connectors and describes actions with JSON Schema', async () => {
    const list = await joinery.api('GET', '/v1/connectors');
    expect(list.body.data.map((c: { id: string }) => c.id)).toContain('github');
    const github = await joinery.api('GET', '/v1/connectors/github');
    const create = github.body.actions.find((a: { name: string }) => a.name === 'create_issue');
    expect(create.input.required).toEqual(expect.arrayContaining(['owner', 'repo', 'title']));
    expect(github.body.healthCheck).toEqual({ method: 'GET', path: '/user' });
    expect((await joinery.api('GET', '/v1/connectors/nope')).status).toBe(404);
  });

  it('creates, replaces and validates integrations', async () => {
    const body = {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
    };
    expect((await joinery.api('PUT', '/v1/integrations/github-sandbox', body)).status).toBe(201);
    const replaced = await joinery.api('PUT', '/v1/integrations/github-sandbox', {
      ...body,
      webhookSecret: 'whsec_1',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      key: 'github-sandbox',
      hasWebhookSecret: true,
      allowPrivateNetwork: true,
    });
    expect(replaced.text).not.toContain('whsec_1');
    const unknown = await joinery.api('PUT', '/v1/integrations/x', { connector: 'nope' });
    expect(unknown.body.error).toMatchObject({ code: 'invalid_input', path: 'body.connector' });
    const badUrl = await joinery.api('PUT', '/v1/integrations/x', {
      connector: 'github',
      baseUrl: 'not a url',
    });
    expect(badUrl.body.error).toMatchObject({ code: 'invalid_input', path: 'body.baseUrl' });
    const badKey = await joinery.api('PUT', '/v1/integrations/Bad%20Key', { connector: 'github' });
    expect(badKey.status).toBe(400);
  });

  it('refuses wrong credentials with a clear 4xx and stores nothing', async () => {
    const refused = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: 'ghp_wrong' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'invalid_input',
      path: 'body.credentials',
      details: { status: 401, message: 'Bad credentials' },
    });
    expect(refused.body.error.message).toMatch(
      /GitHub refused these credentials.*Nothing was stored/,
    );
    expect((await joinery.api('GET', '/v1/connections')).body.data).toEqual([]);
    const wrongType = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'acme',
      credentials: { type: 'basic', username: 'u', password: 'p' },
    });
    expect(wrongType.body.error).toMatchObject({ code: 'invalid_input', path: 'credentials.type' });
  });

  it('creates a connection after checking the key with the health check', async () => {
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
      metadata: { plan: 'team' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      integration: 'github-sandbox',
      connector: 'github',
      tenant: 'acme',
      authType: 'api_key',
      state: 'healthy',
      lastError: null,
      metadata: { plan: 'team' },
    });
    connectionId = created.body.id;
    expect(connectionId).toMatch(/^conn_/);
    const shown = await joinery.api('GET', `/v1/connections/${connectionId}`);
    expect(shown.body.lastCheckedAt).not.toBeNull();
    // The key reached the provider, as the connector's data says: Authorization: Bearer.
    const check = sandbox.requests.find(
      (r) => r.path === '/github/user' && r.tokenLogin === 'mona',
    );
    expect(check?.headers.authorization).toMatch(/^Bearer sha256:/);
    expect(check?.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('runs declarative actions, following Link pagination up to the limit', async () => {
    const repos = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/list_repositories`,
      { input: { limit: 3 } },
    );
    expect(repos.status).toBe(200);
    expect(repos.body.output).toHaveLength(3);
    expect(repos.body.output[0].owner.login).toBe('mona');
    // GitHub's `next` links point at /repositories/{id}/issues, so count every issue-list page.
    const issuePages = () =>
      sandbox.requests.filter((r) => r.method === 'GET' && /\/issues$/.test(r.path)).length;
    const before = issuePages();
    const issues = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/list_issues`,
      {
        input: { owner: 'mona', repo: 'hello-world', state: 'all', per_page: 20, limit: 50 },
      },
    );
    expect(issues.body.output).toHaveLength(50);
    expect(new Set(issues.body.output.map((i: { number: number }) => i.number)).size).toBe(50);
    expect(issuePages() - before).toBe(3);
  });

  it('creates an issue that later reads see, and validates input with the JSON path', async () => {
    const created = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/create_issue`,
      {
        input: { owner: 'mona', repo: 'hello-world', title: 'Found a bug', labels: ['bug'] },
      },
    );
    expect(created.status).toBe(200);
    const number = created.body.output.number;
    const read = await joinery.api('POST', `/v1/connections/${connectionId}/actions/get_issue`, {
      input: { owner: 'mona', repo: 'hello-world', issue_number: number },
    });
    expect(read.body.output.title).toBe('Found a bug');
    const invalid = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/create_issue`,
      {
        input: { owner: 'mona', repo: 'hello-world', labels: [7] },
      },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 'invalid_input', path: 'input.title' });
    const missingAction = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/nope`,
      { input: {} },
    );
    expect(missingAction.body.error.code).toBe('not_found');
    const notFound = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      { input: { owner: 'mona', repo: 'absent' } },
    );
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toMatchObject({
      code: 'not_found',
      details: { status: 404, message: 'Not Found' },
    });
  });

  it('never returns a broken 200 as data', async () => {
    const input = { input: { owner: 'mona', repo: 'hello-world' } };
    // Every attempt fails: the pipeline retries reads, so a single fault would be cured.
    const always = { path: '/repos/mona/hello-world', times: Infinity } as const;
    sandbox.faults.add({ ...always, fault: { kind: 'malformed' } });
    const malformed = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      input,
    );
    expect(malformed.status).toBe(502);
    expect(malformed.body.error.code).toBe('malformed_response');
    sandbox.faults.clear();
    sandbox.faults.add({ ...always, fault: { kind: 'empty' } });
    const empty = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      input,
    );
    expect(empty.body.error.code).toBe('malformed_response');
    sandbox.faults.clear();
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: { kind: 'status', status: 200, body: { id: 'not-a-number' } },
    });
    const wrongShape = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      input,
    );
    expect(wrongShape.body.error).toMatchObject({
      code: 'malformed_response',
      path: expect.stringMatching(/^output\./),
    });
  });

  it('relays provider answers through the proxy: status, body, headers, query and request body', async () => {
    const user = await joinery.api('GET', `/v1/proxy/${connectionId}/user`);
    expect(user.status).toBe(200);
    expect(user.body.login).toBe('mona');
    expect(user.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(user.headers.get('joinery-request-id')).toMatch(/^req_/);
    const page = await joinery.api(
      'GET',
      `/v1/proxy/${connectionId}/repos/mona/hello-world/issues?per_page=2&state=open`,
    );
    expect(page.body).toHaveLength(2);
    expect(page.headers.get('link')).toContain('rel="next"');
    const created = await joinery.api(
      'POST',
      `/v1/proxy/${connectionId}/repos/mona/hello-world/issues`,
      { title: 'Through the proxy' },
    );
    expect(created.status).toBe(201);
    expect(created.body.title).toBe('Through the proxy');
    const missing = await joinery.api('GET', `/v1/proxy/${connectionId}/repos/mona/absent`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ message: 'Not Found' }); // GitHub's own body, relayed
    const rejected = await joinery.api(
      'POST',
      `/v1/proxy/${connectionId}/repos/mona/hello-world/issues`,
      {},
    );
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toBe('Validation Failed');
  });

  it('answers with its own envelope when the provider keeps failing', async () => {
    sandbox.faults.add({ path: '/user', times: 4, fault: { kind: 'status', status: 503 } });
    const unavailable = await joinery.api('GET', `/v1/proxy/${connectionId}/user`);
    expect(unavailable.status).toBe(502);
    expect(unavailable.body.error).toMatchObject({
      code: 'provider_unavailable',
      retryable: true,
      connectionId,
      details: { status: 503 },
    });
    sandbox.faults.clear();
    expect((await joinery.api('GET', `/v1/proxy/${connectionId}/user`)).status).toBe(200);
    sandbox.faults.add({ path: '/user', fault: { kind: 'reset' } });
    const recovered = await joinery.api('GET', `/v1/proxy/${connectionId}/user`);
    expect(recovered.status).toBe(200); // a reset GET is retried
    const escape = await joinery.api(
      'GET',
      `/v1/proxy/${connectionId}/..%2f..%2f_sandbox/requests`,
    );
    expect([400, 404]).toContain(escape.status);
  });

  it('keeps tenants apart', async () => {
    const other = { 'joinery-tenant': 'globex' };
    expect(
      (await joinery.api('GET', `/v1/connections/${connectionId}`, undefined, other)).status,
    ).toBe(404);
    expect(
      (await joinery.api('GET', `/v1/proxy/${connectionId}/user`, undefined, other)).status,
    ).toBe(404);
    expect(
      (
        await joinery.api(
          'POST',
          `/v1/connections/${connectionId}/actions/list_repositories`,
          { input: {} },
          other,
        )
      ).status,
    ).toBe(404);
    expect((await joinery.api('GET', '/v1/connections', undefined, other)).body.data).toEqual([]);
    expect((await joinery.api('GET', '/v1/connections?tenant=acme')).body.data).toHaveLength(1);
    expect(
      (
        await joinery.api('GET', `/v1/connections/${connectionId}`, undefined, {
          'joinery-tenant': 'acme',
        })
      ).status,
    ).toBe(200);
  });

  it('records every exchange in the request log, pages it, and never logs the key', async () => {
    const first = await joinery.api('GET', `/v1/logs?connection=${connectionId}&limit=5`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    expect(first.body.data[0]).toMatchObject({
      connectionId,
      integration: 'github-sandbox',
      tenant: 'acme',
    });
    const second = await joinery.api(
      'GET',
      `/v1/logs?connection=${connectionId}&limit=5&cursor=${first.body.nextCursor}`,
    );
    const ids = new Set([...first.body.data, ...second.body.data].map((e: { id: string }) => e.id));
    expect(ids.size).toBe(10);
    const all = await joinery.api('GET', '/v1/logs?limit=1000');
    const sources = new Set(all.body.data.map((e: { source: string }) => e.source));
    expect(sources).toEqual(new Set(['health_check', 'action', 'proxy']));
    const failed = all.body.data.find(
      (e: { errorCode: string | null }) => e.errorCode === 'provider_unavailable',
    );
    expect(failed).toMatchObject({ status: 503, method: 'GET' });
    const reset = all.body.data.find(
      (e: { errorCode: string | null }) => e.errorCode === 'network',
    );
    expect(reset).toMatchObject({ status: null });
    expect((await joinery.api('GET', '/v1/logs?since=yesterday')).status).toBe(400);
  });

  it('marks the connection needs_reauth when the provider stops accepting the key', async () => {
    sandbox.faults.add({ path: '/user', fault: { kind: 'status', status: 401 } });
    const refused = await joinery.api('GET', `/v1/proxy/${connectionId}/user`);
    expect(refused.status).toBe(401); // the provider's answer, relayed
    const connection = await joinery.api('GET', `/v1/connections/${connectionId}`);
    expect(connection.body.state).toBe('needs_reauth');
    expect(connection.body.lastError).toMatchObject({ code: 'auth_revoked' });
    const ok = await joinery.api('GET', `/v1/proxy/${connectionId}/user`);
    expect(ok.status).toBe(200);
    expect((await joinery.api('GET', `/v1/connections/${connectionId}`)).body.state).toBe(
      'healthy',
    );
  });

  it('blocks private destinations unless the integration allows them', async () => {
    await joinery.api('PUT', '/v1/integrations/github-guarded', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
    });
    const blocked = await joinery.api('POST', '/v1/connections', {
      integration: 'github-guarded',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ code: 'blocked_destination' });
    expect(blocked.body.error.message).toContain('allowPrivateNetwork');
    const localhost = sandbox.url.replace('127.0.0.1', 'localhost');
    await joinery.api('PUT', '/v1/integrations/github-by-name', {
      connector: 'github',
      baseUrl: `${localhost}/github`,
    });
    const byName = await joinery.api('POST', '/v1/connections', {
      integration: 'github-by-name',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(byName.body.error).toMatchObject({ code: 'blocked_destination' });
    expect(
      (await joinery.api('GET', '/v1/connections?integration=github-guarded')).body.data,
    ).toEqual([]);
  });

  it('deletes a connection', async () => {
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'initech',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect((await joinery.api('DELETE', `/v1/connections/${created.body.id}`)).status).toBe(204);
    expect((await joinery.api('GET', `/v1/connections/${created.body.id}`)).status).toBe(404);
    expect((await joinery.api('DELETE', `/v1/connections/${created.body.id}`)).status).toBe(404);
  });

  it('leaves the key nowhere: not in responses, logs, the data directory or the database', async () => {
    await joinery.running.engine.requestLog.flush();
    expect(joinery.responses.length).toBeGreaterThan(30);
    for (const text of joinery.responses) expect(text).not.toContain(token);
    expect(joinery.logs.length).toBeGreaterThan(0);
    for (const line of joinery.logs) expect(line).not.toContain(token);
    const needle = Buffer.from(token);
    for (const file of filesUnder(joinery.dataDir)) {
      expect(readFileSync(file).includes(needle), file).toBe(false);
    }
    if (joinery.databaseUrl) {
      const client = new pg.Client({ connectionString: joinery.databaseUrl });
      await client.connect();
      try {
        for (const table of ['connections', 'integrations', 'request_log', 'secret_keys']) {
          const rows = await client.query<{ row: string }>(
            `SELECT row_to_json(t)::text AS row FROM ${table} t`,
          );
          expect(rows.rows.length, table).toBeGreaterThan(0);
          for (const { row } of rows.rows) {
            expect(row).not.toContain(token);
            expect(row).not.toContain(joinery.secretKey);
          }
        }
      } finally {
        await client.end();
      }
    }
  });
});
